"""The back office keeps the register's rules (SPEC R-1, R-4, A-4, A-7): a refused add or change is a form
error, nothing is saved and nothing is logged; what is logged names no one."""

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse

from kund.audit.models import ChangeRecord
from kund.core.rights import ADMINISTRATOR_GROUP
from kund.customers.models import Branch, CreditInfo, Customer, NumberReservation
from kund.customers.tests.register_fixtures import anonymize, make_user, new_private
from kund.demo.testing.admin_forms import AdminForm


@pytest.fixture
def administrator(db):
    """A staff member of the Administrator group (not a superuser)."""
    user = make_user(username="astrid.admin")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=ADMINISTRATOR_GROUP))
    return user


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def _change_url(customer: Customer) -> str:
    return reverse("admin:customers_customer_change", args=[customer.pk])


def _success_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "success"]


def _logged_text() -> str:
    return " ".join(f"{e.object_repr} {e.change_message}" for e in LogEntry.objects.all())


def test_a4_a_branch_cannot_be_added_to_an_anonymized_customer(admin_client):
    # given: an anonymized customer, whose change page the back office shows read-only
    customer = anonymize(new_private(first_name="Kalle", last_name="Glömd"))
    form = AdminForm(admin_client.get(_change_url(customer)), "customer")

    # when: a branch with a name and a phone is posted in its inline anyway
    form.add_row("branches", name="Lindqvist sommarstuga", phone="070-123 45 67", email="ingrid@example.se")
    response = admin_client.post(_change_url(customer), form.data())

    # then: refused, and nothing saved, announced or logged
    assert response.status_code == 403
    assert not Branch.objects.filter(customer=customer).exists()
    assert Branch.objects.filter(name="Lindqvist sommarstuga").count() == 0
    assert _success_messages(response) == []
    assert LogEntry.objects.count() == 0
    assert Customer.objects.get(pk=customer.pk).is_anonymized


def test_a4_the_admin_offers_an_anonymized_customer_read_only(admin_client):
    # given
    customer = anonymize(new_private())

    # when
    response = admin_client.get(_change_url(customer))

    # then: no form to save, no inline row to add, nothing to delete
    assert response.status_code == 200
    assert response.context["title"].startswith("View")
    assert b'name="_save"' not in response.content
    inlines = response.context["inline_admin_formsets"]
    assert [type(i.opts).__name__ for i in inlines] == [
        "BranchInline",
        "CustomFieldValueInline",
        "CreditInfoInline",
    ]
    assert not any(
        i.has_add_permission or i.has_change_permission or i.has_delete_permission for i in inlines
    )


def test_a4_credit_information_cannot_be_attached_to_an_anonymized_customer(admin_client):
    # given
    customer = anonymize(new_private())
    url = reverse("admin:customers_creditinfo_add")
    form = AdminForm(admin_client.get(url), "creditinfo")

    # when
    form.set(customer=customer.pk, checked_on="2025-03-01", provider="UC", note="Ingrid Lindqvist: AA")
    response = admin_client.post(url, form.data())

    # then: a form error on the customer, and nothing saved or logged
    assert response.status_code == 200
    assert "cannot be chosen for anything new" in " ".join(
        response.context["adminform"].form.errors["customer"]
    )
    assert not CreditInfo.objects.exists()
    assert LogEntry.objects.count() == 0


def test_r1_a_used_number_is_refused_as_a_form_error_and_nothing_is_logged(admin_client):
    # given: number 4711 was used by a customer who has since been deleted, so it stays reserved
    gone = new_private(first_name="Gustav", last_name="Borttagen")
    number = gone.number
    Customer.objects.filter(pk=gone.pk).delete()
    assert NumberReservation.objects.filter(number=number).exists()
    url = reverse("admin:customers_customer_add")
    form = AdminForm(admin_client.get(url), "customer")

    # when: an administrator adds a new customer with that number
    form.set(
        number=number, kind="private", first_name="Ingrid", last_name="Lindqvist", name="Ingrid Lindqvist"
    )
    form.set(email="ingrid.lindqvist@example.se", phone="070-123 45 67")
    response = admin_client.post(url, form.data())

    # then: the form says why, and no customer, message or log entry carries her name
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "has already been used" in " ".join(errors["number"])
    assert not Customer.objects.filter(name="Ingrid Lindqvist").exists()
    assert _success_messages(response) == []
    assert LogEntry.objects.count() == 0
    assert "Lindqvist" not in _logged_text()


def test_an_administrator_adds_a_customer_through_the_register_service(admin_client, administrator):
    # given
    url = reverse("admin:customers_customer_add")
    form = AdminForm(admin_client.get(url), "customer")

    # when
    form.set(
        number="K-2001", kind="private", first_name="Ingrid", last_name="Lindqvist", name="Ingrid Lindqvist"
    )
    response = admin_client.post(url, form.data())

    # then: created with its history, and logged by number only
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    customer = Customer.objects.get(number="K-2001")
    assert ChangeRecord.objects.filter(customer=customer, event=ChangeRecord.Event.CREATED).exists()
    entry = LogEntry.objects.get()
    assert (entry.object_id, entry.object_repr) == (str(customer.pk), "K-2001")
    assert "Lindqvist" not in _logged_text()


def test_an_administrator_adds_a_branch_and_changes_a_phone_of_an_active_customer(
    admin_client, administrator
):
    # given
    customer = new_private()
    form = AdminForm(admin_client.get(_change_url(customer)), "customer")

    # when
    form.set(phone="070-999 88 77")
    form.add_row("branches", name="Lindqvist sommarstuga", city="Norrtälje", phone="070-123 45 67")
    response = admin_client.post(_change_url(customer), form.data())

    # then: both saved, the customer's change recorded in its history, and announced
    assert response.status_code == 302
    branch = Branch.objects.get(customer=customer)
    assert branch.name == "Lindqvist sommarstuga"
    assert Customer.objects.get(pk=customer.pk).phone == "070-999 88 77"
    change = ChangeRecord.objects.get(customer=customer, field="phone")
    assert (change.actor, change.new_value) == (administrator, "070-999 88 77")
    assert len(_success_messages(response)) == 1
    # and the admin log names the customer and the branch by number and id, not by name
    entry = LogEntry.objects.get()
    assert entry.object_repr == customer.number
    assert "sommarstuga" not in _logged_text()
    assert "Lindqvist" not in _logged_text()


def test_customers_are_not_deleted_in_the_admin_but_erased(admin_client):
    # given: a customer without any transaction (the erasure engine would delete it)
    customer = new_private()

    url = reverse("admin:customers_customer_delete", args=[customer.pk])

    # when
    offered = admin_client.get(url)
    response = admin_client.post(url, {"post": "yes"})

    # then
    assert offered.status_code == 403
    assert response.status_code == 403
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert LogEntry.objects.count() == 0


def test_a4_the_inline_forms_refuse_an_anonymized_customer_even_if_its_page_were_editable(
    admin_client, monkeypatch
):
    # given: the read-only guard of the page and its inlines switched off, as if a policy were relaxed
    from kund.core import admin_helpers
    from kund.customers.admin import CustomerAdmin

    monkeypatch.setattr(CustomerAdmin, "has_change_permission", lambda self, request, obj=None: True)
    monkeypatch.setattr(admin_helpers, "is_frozen", lambda obj: False)
    customer = anonymize(new_private())
    form = AdminForm(admin_client.get(_change_url(customer)), "customer")

    # when
    form.add_row("branches", name="Lindqvist sommarstuga", phone="070-123 45 67")
    response = admin_client.post(_change_url(customer), form.data())

    # then: the row's form says why, and the whole save stops
    assert response.status_code == 200
    errors = [e for formset in response.context["inline_admin_formsets"] for e in formset.formset.errors]
    assert any("cannot be chosen for anything new" in str(e) for e in errors)
    assert not Branch.objects.exists()
    assert _success_messages(response) == []
    assert LogEntry.objects.count() == 0


def test_a_refusal_while_saving_rolls_back_the_customer_its_rows_and_the_log(admin_client, monkeypatch):
    # given: the register service refuses only after it has written (as when a number is taken meanwhile)
    from django.core.exceptions import ValidationError

    from kund.customers import services

    real_create = services.customer_create

    def create_then_refuse(**kwargs):
        real_create(**kwargs)
        raise ValidationError({"number": "Customer number K-3001 has already been used."})

    monkeypatch.setattr(services, "customer_create", create_then_refuse)
    url = reverse("admin:customers_customer_add")
    form = AdminForm(admin_client.get(url), "customer")
    form.set(
        number="K-3001", kind="private", first_name="Ingrid", last_name="Lindqvist", name="Ingrid Lindqvist"
    )
    form.add_row("branches", name="Lindqvist sommarstuga")

    # when
    response = admin_client.post(url, form.data())

    # then: back to the form with the reason; no customer, branch, history or log entry remains
    assert response.status_code == 302
    assert response.url == url
    errors = [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "error"]
    assert errors == ["Customer number K-3001 has already been used."]
    assert not Customer.objects.filter(number="K-3001").exists()
    assert not Branch.objects.exists()
    assert not ChangeRecord.objects.exists()
    assert LogEntry.objects.count() == 0
