"""Probable duplicates (kund.customers.duplicates) and the create form's warning: a customer with the same
organisation/personal number or e-mail as one in the register is created only after an explicit "create
anyway", the match named with a link for a user who may view it and by its number alone otherwise."""

import pytest
from django.urls import reverse

from kund.customers.duplicates import probable_duplicates
from kund.customers.models import Customer
from kund.customers.tests.register_fixtures import anonymize, make_user, new_company, new_private

pytestmark = pytest.mark.django_db

FORM = {
    "kind": "private",
    "first_name": "Ingrid",
    "last_name": "Lindqvist",
    "organisation_number": "198112189876",
    "email": "ingrid.lindqvist@example.se",
    "phone": "070-123 45 67",
    "invoice_address1": "Storgatan 12",
    "invoice_postal_code": "753 20",
    "invoice_city": "Uppsala",
    "invoice_country": "SE",
}


@pytest.fixture
def clerk(client):
    """A user who creates customers and sees them all."""
    user = make_user("view_customer", "add_customer", username="kundtjanst")
    client.force_login(user)
    return user


def create(client, **data):
    return client.post(reverse("customers:create"), {**FORM, **data})


# --- the selector --------------------------------------------------------------------------------------


def test_matches_by_number_or_by_e_mail_in_any_case_never_anonymized():
    # given
    person = new_private()
    company = new_company()
    anonymize(new_private(first_name="Kalle", organisation_number="19640823-3234", email="kalle@example.se"))

    # then
    by_number = probable_duplicates(organisation_number="556036-0793")
    assert [(m.customer.pk, m.reasons) for m in by_number] == [(company.pk, ("organisation_number",))]
    by_email = probable_duplicates(email="Ingrid.Lindqvist@EXAMPLE.se")
    assert [(m.customer.pk, m.reasons) for m in by_email] == [(person.pk, ("email",))]
    both = probable_duplicates(organisation_number="19811218-9876", email="info@ohrlings-bygg.se")
    assert [(m.customer.pk, m.reasons) for m in both] == [
        (person.pk, ("organisation_number",)),
        (company.pk, ("email",)),
    ]
    assert probable_duplicates(organisation_number="19640823-3234", email="kalle@example.se") == []
    assert probable_duplicates() == []


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        ("19811218-9876", "811218-9876"),
        ("811218-9876", "19811218-9876"),
        ("19811218-9876", "198112189876"),
        ("19131218-9876", "131218+9876"),  # a person of a hundred and more, written with "+"
    ],
)
def test_a_personal_number_matches_with_or_without_its_century(stored, typed):
    # given a customer whose number the register holds in one form
    person = new_private(organisation_number=stored)

    # then the same number typed in another form is a probable duplicate of it, by its number
    assert [(m.customer.pk, m.reasons) for m in probable_duplicates(organisation_number=typed)] == [
        (person.pk, ("organisation_number",))
    ]
    # and another person born the same day is not
    assert probable_duplicates(organisation_number=f"{typed[:-4]}0000") == []


def test_one_query(django_assert_num_queries):
    new_private()
    with django_assert_num_queries(1):
        probable_duplicates(organisation_number="19811218-9876", email="ingrid.lindqvist@example.se")


# --- the create form -----------------------------------------------------------------------------------


def test_r3_the_form_warns_and_names_the_customer_with_a_link(client, clerk):
    # given
    person = new_private()

    # when the same person is entered again
    response = create(client)

    # then the form comes back with the warning, and nobody is created
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="duplicate-warning"' in html and 'id="customer-create-anyway"' in html
    assert 'class="kund-customer-link"' in html and person.name in html
    assert f'name="confirmed_duplicate" value="{person.pk}"' in html
    assert "same organisation or personal identity number, same e-mail address" in html
    assert 'value="Lindqvist"' in html  # what was typed stays in the form
    assert Customer.objects.count() == 1


def test_r3_create_anyway_creates_the_customer(client, clerk):
    person = new_private()

    response = create(client, create_anyway="1", confirmed_duplicate=[str(person.pk)])

    assert response.status_code == 302
    assert Customer.objects.filter(organisation_number="19811218-9876").count() == 2


def test_r3_saving_again_without_create_anyway_warns_again(client, clerk):
    person = new_private()

    response = create(client, confirmed_duplicate=[str(person.pk)])

    assert 'id="duplicate-warning"' in response.content.decode()
    assert Customer.objects.count() == 1


def test_r3_a_confirmation_holds_only_for_the_customers_shown(client, clerk):
    # given the user confirmed the person, and the e-mail also belongs to a company meanwhile
    person = new_private()
    company = new_company(email="ingrid.lindqvist@example.se")

    # when
    response = create(client, create_anyway="1", confirmed_duplicate=[str(person.pk)])

    # then the warning comes back, now with both
    html = response.content.decode()
    assert response.status_code == 200 and company.number in html and person.number in html
    assert Customer.objects.count() == 2


def test_r3_r9_a_customer_the_user_may_not_view_is_named_by_its_number_only(client):
    # given a user who creates customers and sees only their own
    user = make_user("view_assigned_customer", "add_customer")
    client.force_login(user)
    person = new_private()

    # when
    response = create(client)

    # then the customer is named by number, without its name or a link to its card
    html = response.content.decode()
    assert 'id="duplicate-warning"' in html and person.number in html
    assert "whom you may not view" in html
    assert "kund-customer-link" not in html
    assert Customer.objects.count() == 1


def test_r3_no_warning_for_someone_new(client, clerk):
    new_private()

    response = create(
        client,
        first_name="Maja",
        last_name="Wahlström",
        organisation_number="19810807-4884",
        email="maja.wahlstrom@example.se",
    )

    assert response.status_code == 302 and Customer.objects.count() == 2
