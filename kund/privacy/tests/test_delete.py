"""SPEC D-1, D-2: deleting a customer without transactions."""

import pytest
from django.core.files.storage import default_storage
from django.db import IntegrityError

from kund.audit.models import ChangeRecord, ErasureLogEntry
from kund.customers.models import (
    Branch,
    CreditFile,
    CreditInfo,
    Customer,
    CustomFieldValue,
    NumberReservation,
)
from kund.customers.services import customer_assign, customer_create, customer_update
from kund.demo.testing.factories import add_owned, make_customer
from kund.documents.models import Document
from kund.privacy.planner import Action, plan_customer
from kund.privacy.services import customer_delete

pytestmark = pytest.mark.django_db


def test_d1_delete_removes_everything_only_the_customers(admin_user, django_capture_on_commit_callbacks):
    # given a customer with documents, branches, credit files, custom values, history and notifications
    customer = make_customer(actor=admin_user)
    owned = add_owned(customer)
    customer_update(customer=customer, actor=admin_user, data={"phone": "08-123 45 67"})
    customer_assign(customer=customer, actor=admin_user, responsible=admin_user)
    files = [owned["document"].file.name, owned["credit_file"].file.name]
    plan = plan_customer(customer)
    assert plan.action == Action.DELETE and plan.documents_to_delete == 1
    # when it is deleted
    with django_capture_on_commit_callbacks(execute=True):
        outcome = customer_delete(customer=customer, actor=admin_user)
    # then nothing of it remains, not even the files
    assert outcome.result == "deleted"
    assert not Customer.objects.filter(pk=customer.pk).exists()
    for model in (Branch, CreditInfo, CustomFieldValue, Document, ChangeRecord):
        assert not model.objects.filter(customer_id=customer.pk).exists(), model
    assert not CreditFile.objects.exists()
    for name in files:
        assert not default_storage.exists(name)
    assert ErasureLogEntry.objects.get().action == "delete"


def test_d2_number_stays_reserved_after_delete(admin_user):
    customer = make_customer(actor=admin_user)
    number = customer.number
    customer_delete(customer=customer, actor=admin_user)
    assert NumberReservation.objects.filter(number=number).exists()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        customer_create(actor=admin_user, number=number, data={"name": "Ny kund"})
    with pytest.raises(IntegrityError):  # the database itself refuses, whatever the code
        Customer.objects.bulk_create([Customer(number=number, name="Ny kund")])
