"""A document or credit report deleted by any door of the ORM — the admin's delete page and its "delete
selected" action, a queryset, a cascade from the customer — loses its file in the storage, once the
transaction has committed; the erasure engine's set-based deletes stay set-based."""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models.signals import post_delete
from django.urls import reverse

from kund.customers.models import CreditFile, CreditInfo, Customer
from kund.demo.testing.factories import add_owned, make_customer
from kund.documents.models import Document
from kund.privacy.services import customer_delete

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer(db):
    return make_customer()


@pytest.fixture
def owned(customer):
    return add_owned(customer)


def _document(customer, title: str) -> Document:
    document = Document(customer=customer, title=title)
    document.file.save("Ingrid Lindqvist.pdf", ContentFile(b"%PDF-1.4 " + title.encode()), save=True)
    return document


def test_the_admins_delete_page_removes_the_file(
    client, admin_user, owned, django_capture_on_commit_callbacks
):
    # given
    document = owned["document"]
    name = document.file.name
    assert default_storage.exists(name)
    client.force_login(admin_user)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:documents_document_delete", args=[document.pk]), {"post": "yes"}
        )

    # then
    assert response.status_code == 302
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not default_storage.exists(name)


def test_the_admins_delete_selected_action_removes_every_file(
    client, admin_user, customer, django_capture_on_commit_callbacks
):
    # given two documents, and a third that stays
    first, second, kept = (_document(customer, title) for title in ("Avtal", "Ritning", "Offert"))
    client.force_login(admin_user)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:documents_document_changelist"),
            {"action": "delete_selected", "_selected_action": [first.pk, second.pk], "post": "yes"},
        )

    # then
    assert response.status_code == 302
    assert not default_storage.exists(first.file.name)
    assert not default_storage.exists(second.file.name)
    assert default_storage.exists(kept.file.name)


def test_deleting_credit_information_in_the_admin_removes_its_report(
    client, admin_user, owned, django_capture_on_commit_callbacks
):
    # given
    name = owned["credit_file"].file.name
    client.force_login(admin_user)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("admin:customers_creditinfo_delete", args=[owned["credit_info"].pk]), {"post": "yes"}
        )

    # then
    assert not CreditFile.objects.exists()
    assert not default_storage.exists(name)


def test_a_queryset_delete_removes_the_files(customer, owned, django_capture_on_commit_callbacks):
    # given
    names = [owned["document"].file.name, owned["credit_file"].file.name]

    # when
    with django_capture_on_commit_callbacks(execute=True):
        Document.objects.filter(customer=customer).delete()
        CreditFile.objects.filter(credit_info__customer=customer).delete()

    # then
    assert not any(default_storage.exists(name) for name in names)


def test_a_customer_deleted_through_the_orm_takes_its_files(
    customer, owned, django_capture_on_commit_callbacks
):
    # given
    names = [owned["document"].file.name, owned["credit_file"].file.name]

    # when the cascade deletes the document, the credit information and its report
    with django_capture_on_commit_callbacks(execute=True):
        Customer.objects.filter(pk=customer.pk).delete()

    # then
    assert not CreditInfo.objects.exists()
    assert not any(default_storage.exists(name) for name in names)


def test_a_rolled_back_delete_keeps_the_file(owned, django_capture_on_commit_callbacks):
    # given
    document = owned["document"]

    # when the delete is rolled back
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        Document.objects.filter(pk=document.pk).delete()
        transaction.set_rollback(True)

    # then the row is there, and so is its file
    assert Document.objects.filter(pk=document.pk).exists()
    assert default_storage.exists(document.file.name)


def test_the_erasure_engine_deletes_set_based_and_removes_each_file_itself(
    admin_user, customer, owned, django_capture_on_commit_callbacks
):
    # given a listener that would see every row the ORM's collector deletes one by one
    seen = []

    def listen(sender, **kwargs):
        seen.append(sender)

    post_delete.connect(listen, weak=False, dispatch_uid="test-engine-set-based")
    names = [owned["document"].file.name, owned["credit_file"].file.name]
    try:
        # when the customer is deleted by the engine
        with django_capture_on_commit_callbacks(execute=True):
            customer_delete(customer=customer, actor=admin_user)
    finally:
        post_delete.disconnect(dispatch_uid="test-engine-set-based")

    # then no row was fetched to be deleted one by one, and the engine removed the files itself
    assert seen == []
    assert not any(default_storage.exists(name) for name in names)
