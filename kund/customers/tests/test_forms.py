"""Create and edit forms (R-3, R-7): every validation message, shown beside its field."""

import pytest
from django.urls import reverse

from kund.audit.models import ChangeRecord
from kund.customers.forms import CustomerForm, CustomFieldForm
from kund.customers.models import Customer, CustomField, CustomFieldValue
from kund.customers.tests.register_fixtures import *  # noqa: F403
from kund.customers.tests.register_fixtures import make_user

PRIVATE = {
    "kind": "private",
    "first_name": "Ingrid",
    "last_name": "Lindqvist",
    "organisation_number": "19811218-9876",
    "email": "ingrid.lindqvist@example.se",
    "phone": "070-123 45 67",
    "invoice_address1": "Storgatan 12",
    "invoice_postal_code": "753 20",
    "invoice_city": "Uppsala",
    "invoice_country": "SE",
}
COMPANY = {
    "kind": "company",
    "name": "Öhrlings Byggservice AB",
    "organisation_number": "556036-0793",
    "vat_number": "SE556036079301",
    "contact_person": "Per Åkesson",
    "phone": "+46 8 123 456 78",
    "invoice_country": "SE",
}


def form_errors(data: dict, **kwargs) -> dict:
    form = CustomerForm(data, **kwargs)
    form.is_valid()
    return form.errors


@pytest.mark.django_db
@pytest.mark.parametrize(
    "base,field,value,message",
    [
        (PRIVATE, "organisation_number", "19811218-9875", "valid Swedish personal identity number"),
        (PRIVATE, "organisation_number", "556036-0793", "valid Swedish personal identity number"),
        (COMPANY, "organisation_number", "556036-0794", "valid Swedish organisation number"),
        (COMPANY, "organisation_number", "19811218-9876", "valid Swedish organisation number"),
        (COMPANY, "vat_number", "SE556036079399", "valid EU VAT number"),
        (COMPANY, "vat_number", "556036079301", "valid EU VAT number"),
        (PRIVATE, "phone", "12", "valid phone number"),
        (PRIVATE, "mobile", "070-ABC", "valid phone number"),
        (COMPANY, "fax", "+46 0", "valid phone number"),
        (PRIVATE, "invoice_country", "Sverige", "two-letter country code"),
        (PRIVATE, "visit_country", "S1", "two-letter country code"),
        (PRIVATE, "delivery_country", "ÅÄ", "two-letter country code"),
        (PRIVATE, "email", "ingrid@", "valid email address"),
        (PRIVATE, "website", "not a url", "valid URL"),
        (PRIVATE, "birth_date", "1981-02-30", "valid date"),
        (PRIVATE, "kind", "robot", "valid choice"),
    ],
)
def test_r3_each_invalid_value_gets_its_message_beside_the_field(base, field, value, message):
    # when
    errors = form_errors({**base, field: value})

    # then the message is on that field, not elsewhere
    assert list(errors) == [field]
    assert message in errors[field][0]


@pytest.mark.django_db
def test_r3_private_person_needs_a_first_or_last_name():
    errors = form_errors({**PRIVATE, "first_name": "", "last_name": ""})

    assert errors["last_name"] == ["Enter the private person's first or last name."]


@pytest.mark.django_db
def test_r3_company_needs_a_name():
    errors = form_errors({**COMPANY, "name": "  "})

    assert errors["name"] == ["Enter the company's name."]


@pytest.mark.django_db
def test_r3_valid_numbers_are_accepted_and_formatted():
    # given a personal number typed without separator and a VAT number with spaces
    form = CustomerForm({**PRIVATE, "organisation_number": "198112189876"})
    company = CustomerForm(
        {**COMPANY, "organisation_number": "5560360793", "vat_number": "SE 5560 3607 9301"}
    )

    # then
    assert form.is_valid(), form.errors
    assert company.is_valid(), company.errors
    assert form.cleaned_data["organisation_number"] == "19811218-9876"
    assert form.cleaned_data["name"] == "Ingrid Lindqvist"
    assert company.cleaned_data["organisation_number"] == "556036-0793"
    assert company.cleaned_data["vat_number"] == "SE556036079301"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind,value,message",
    [
        (CustomField.Kind.NUMBER, "tolv", "Enter a number."),
        (CustomField.Kind.DATE, "2026-02-30", "Enter a valid date."),
        (CustomField.Kind.CHOICE, "Brons", "Select a valid choice."),
    ],
)
def test_r7_custom_field_values_are_checked_by_kind(kind, value, message):
    # given
    field = CustomField.objects.create(name="Avtal", kind=kind, choices="Guld\nSilver")

    # when
    errors = form_errors({**PRIVATE, f"custom_{field.pk}": value}, custom_fields=[field])

    # then
    assert errors[f"custom_{field.pk}"][0].startswith(message)


@pytest.mark.django_db
def test_r7_choice_field_definition_needs_choices():
    form = CustomFieldForm({"name": "Avtalsnivå", "kind": "choice", "choices": " \n ", "position": 1})

    assert not form.is_valid()
    assert form.errors["choices"] == ["A choice field needs at least one choice, one per line."]


# --- through the pages -------------------------------------------------------------------------------


@pytest.fixture
def clerk(client, db):
    user = make_user("view_customer", "add_customer", "change_customer", username="karin.clerk")
    client.force_login(user)
    return user


@pytest.mark.django_db
def test_r3_create_page_shows_errors_beside_fields_and_keeps_the_input(client, clerk):
    # when
    response = client.post(reverse("customers:create"), {**PRIVATE, "organisation_number": "19811218-9875"})

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-field-error="organisation_number"' in html
    assert "is-invalid" in html
    assert 'value="Lindqvist"' in html
    assert not Customer.objects.exists()


@pytest.mark.django_db
def test_r1_create_page_refuses_a_number_already_used_beside_the_number_field(client, clerk, person):
    response = client.post(reverse("customers:create"), {**COMPANY, "number": person.number})

    assert "already been used" in response.context["form"].errors["number"][0]
    assert Customer.objects.count() == 1


@pytest.mark.django_db
def test_r3_r7_create_page_creates_the_customer_with_custom_values(client, clerk):
    # given
    level = CustomField.objects.create(
        name="Avtalsnivå", kind=CustomField.Kind.CHOICE, choices="Guld\nSilver"
    )
    since = CustomField.objects.create(name="Kund sedan", kind=CustomField.Kind.DATE)

    # when
    response = client.post(
        reverse("customers:create"),
        {**COMPANY, f"custom_{level.pk}": "Guld", f"custom_{since.pk}": "2019-04-01"},
    )

    # then
    customer = Customer.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:detail", args=[customer.number])
    assert customer.name == "Öhrlings Byggservice AB"
    assert dict(CustomFieldValue.objects.values_list("field__name", "value")) == {
        "Avtalsnivå": "Guld",
        "Kund sedan": "2019-04-01",
    }


@pytest.mark.django_db
def test_r4_edit_records_each_changed_field_in_the_history(client, clerk, person):
    # when
    response = client.post(
        reverse("customers:edit", args=[person.number]),
        {**PRIVATE, "last_name": "Lindqvist-Berg", "phone": "070-765 43 21"},
    )

    # then
    assert response.status_code == 302
    changes = {
        (r.field, r.old_value, r.new_value)
        for r in ChangeRecord.objects.filter(customer=person, event=ChangeRecord.Event.CHANGED)
    }
    assert ("last_name", "Lindqvist", "Lindqvist-Berg") in changes
    assert ("name", "Ingrid Lindqvist", "Ingrid Lindqvist-Berg") in changes
    assert ("phone", "070-123 45 67", "070-765 43 21") in changes


@pytest.mark.django_db
def test_a4_anonymized_customer_cannot_be_edited(client, clerk, anonymized):
    get = client.get(reverse("customers:edit", args=[anonymized.number]))
    post = client.post(reverse("customers:edit", args=[anonymized.number]), PRIVATE)

    assert get.status_code == 403
    assert post.status_code == 403
    assert Customer.objects.get(pk=anonymized.pk).name == "Xxxx Xxxx"


@pytest.mark.django_db
def test_r7_administrator_defines_a_custom_field_and_sees_errors_beside_fields(client, admin_user):
    client.force_login(admin_user)

    bad = client.post(reverse("customers:custom_fields"), {"name": "", "kind": "choice", "position": 0})
    good = client.post(
        reverse("customers:custom_fields"),
        {"name": "Avtalsnivå", "kind": "choice", "choices": "Guld\nSilver", "position": 0},
    )

    assert 'data-field-error="name"' in bad.content.decode()
    assert bad.context["form"].errors["choices"]
    assert good.status_code == 302
    assert CustomField.objects.get().choice_list == ["Guld", "Silver"]


@pytest.mark.django_db
def test_r7_administrator_removes_a_custom_field_with_its_values(client, admin_user, person):
    from kund.customers.custom_fields import custom_values_set

    field = CustomField.objects.create(name="Avtalsnivå")
    custom_values_set(customer=person, actor=admin_user, values={field: "Guld"})
    client.force_login(admin_user)

    response = client.post(reverse("customers:custom_field", args=[field.pk]), {"delete": "1"})

    assert response.status_code == 302
    assert not CustomField.objects.exists()
    assert not CustomFieldValue.objects.exists()
