"""A customer's documents on the card (SPEC §3, R-9): uploaded with the upload right, opened through the
rights-checked download, deleted with the "delete uploaded files" right after a confirmation — from the
card and from the erasure page's document warning."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kund.customers.tests.register_fixtures import *  # noqa: F403
from kund.customers.tests.register_fixtures import make_user
from kund.demo.testing.factories import add_owned
from kund.documents.models import Document

pytestmark = pytest.mark.django_db

CONTRACT = b"%PDF-1.4 Serviceavtal Lindqvist, undertecknat 2024-03-02"


def _upload(client, customer, *, title="Serviceavtal 2024", content=CONTRACT, name="lindqvist-avtal.pdf"):
    return client.post(
        reverse("customers:document_upload", args=[customer.number]),
        {"title": title, "file": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def clerk(client):
    user = make_user("view_customer", "upload_customers", "delete_customer_files", username="klara.clerk")
    client.force_login(user)
    return user


# --- upload ---------------------------------------------------------------------------------------------


def test_upload_adds_the_document_and_it_opens_from_the_card(client, clerk, person):
    # given the card offers the upload form on its documents tab
    card = client.get(reverse("customers:detail", args=[person.number])).content.decode()
    assert 'id="document-upload"' in card

    # when
    response = _upload(client, person)

    # then the document is the customer's, stored under a name that does not name the customer
    document = Document.objects.get(customer=person)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('customers:detail', args=[person.number])}?tab=documents"
    assert document.title == "Serviceavtal 2024"
    assert document.uploaded_by == clerk
    assert "lindqvist" not in document.file.name and document.file.name.endswith(".pdf")
    # and the card opens the documents tab, where its download link gives the file back
    card = client.get(response["Location"]).content.decode()
    assert 'class="tab-pane fade show active" id="pane-documents"' in card
    download = reverse("customers:document_download", args=[person.number, document.pk])
    assert f'href="{download}"' in card
    assert _body(client.get(download)) == CONTRACT


def test_upload_without_the_right_is_refused_and_not_offered(client, person):
    # given a user who may view but not upload
    client.force_login(make_user("view_customer", username="vera.viewer"))

    # when
    card = client.get(reverse("customers:detail", args=[person.number])).content.decode()
    response = _upload(client, person)

    # then
    assert 'id="document-upload"' not in card
    assert response.status_code == 403
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("title", "content"),
    [("Tomt", b""), ("", CONTRACT)],
    ids=["empty file", "no title"],
)
def test_upload_of_bad_input_says_why_and_adds_nothing(client, clerk, person, title, content):
    response = _upload(client, person, title=title, content=content)

    assert response.status_code == 302
    assert not Document.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "The document was not added" in page


def test_upload_of_a_file_too_large_is_refused(client, clerk, person, settings):
    settings.KUND_DOCUMENT_MAX_BYTES = 1024 * 1024

    response = _upload(client, person, content=b"%PDF-1.4 " + b"x" * (1024 * 1024))

    assert response.status_code == 302
    assert not Document.objects.exists()
    assert "too large" in client.get(response["Location"]).content.decode()


def test_upload_to_an_anonymized_customer_is_refused(client, clerk, anonymized):
    assert _upload(client, anonymized).status_code == 403
    assert not Document.objects.exists()


# --- delete ---------------------------------------------------------------------------------------------


def test_delete_asks_first_then_removes_the_row_and_its_file(
    client, clerk, person, django_capture_on_commit_callbacks
):
    # given
    document = add_owned(person)["document"]
    stored = document.file.name
    url = reverse("customers:document_delete", args=[person.number, document.pk])
    card = client.get(reverse("customers:detail", args=[person.number])).content.decode()
    assert f'href="{url}"' in card

    # when asked, nothing is deleted yet
    page = client.get(url)
    assert page.status_code == 200
    assert 'id="document-delete-confirm"' in page.content.decode()
    assert Document.objects.filter(pk=document.pk).exists()

    # when confirmed
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url)

    # then
    assert response["Location"] == f"{reverse('customers:detail', args=[person.number])}?tab=documents"
    assert not Document.objects.filter(pk=document.pk).exists()
    assert not default_storage.exists(stored)


def test_r4_upload_and_delete_are_in_the_cards_change_history(client, clerk, person):
    # when a document is uploaded and then deleted from the card
    _upload(client, person, title="Serviceavtal 2024")
    document = Document.objects.get(customer=person)
    client.post(reverse("customers:document_delete", args=[person.number, document.pk]))

    # then the history says who did which, naming the document by its reference only: a title may name
    # someone, and must not outlive the deleted document there
    history = client.get(reverse("customers:history", args=[person.number])).content.decode()
    rows = [row for row in history.split("<tr>")[2:] if "Document" in row]
    assert len(rows) == 2
    deleted, added = rows  # newest first
    assert "document deleted" in deleted and f"{document.ref}</span> → ∅" in deleted
    assert "document added" in added and f"∅</span> → {document.ref}<" in added
    assert "klara.clerk" in added and "klara.clerk" in deleted
    assert "Serviceavtal" not in "".join(rows)


def test_delete_without_the_right_is_refused(client, person):
    document = add_owned(person)["document"]
    client.force_login(make_user("view_customer", "upload_customers", username="ulf.uploader"))
    url = reverse("customers:document_delete", args=[person.number, document.pk])

    card = client.get(reverse("customers:detail", args=[person.number])).content.decode()
    assert f'href="{url}"' not in card
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert Document.objects.filter(pk=document.pk).exists()


def test_delete_of_another_customers_document_is_not_found(client, clerk, person, company):
    document = add_owned(company)["document"]

    response = client.post(reverse("customers:document_delete", args=[person.number, document.pk]))

    assert response.status_code == 404
    assert Document.objects.filter(pk=document.pk).exists()


def test_erasure_page_document_warning_opens_and_deletes_the_document(client, admin_user, person):
    # given a customer without transactions (it would be deleted) with a document
    document = Document(customer=person, title="Fullmakt")
    document.file.save("fullmakt.pdf", SimpleUploadedFile("fullmakt.pdf", CONTRACT), save=True)
    client.force_login(admin_user)
    erasure = reverse("privacy:customer_erasure", args=[person.pk])

    # when
    page = client.get(erasure).content.decode()

    # then the warning's document opens, and can be deleted after a confirmation, back to the erasure page
    download = reverse("customers:document_download", args=[person.number, document.pk])
    delete = reverse("customers:document_delete", args=[person.number, document.pk])
    assert f'href="{download}"' in page
    assert f'href="{delete}?back=erasure"' in page
    assert _body(client.get(download)) == CONTRACT
    confirm = client.get(f"{delete}?back=erasure").content.decode()
    assert 'name="back" value="erasure"' in confirm
    response = client.post(delete, {"back": "erasure"})
    assert response["Location"] == erasure
    assert not Document.objects.filter(pk=document.pk).exists()


def test_documents_of_an_anonymized_customer_cannot_be_deleted_from_the_web(client, admin_user, anonymized):
    document = Document(customer=anonymized, title="Kvarlämnat")
    document.file.save("x.pdf", SimpleUploadedFile("x.pdf", CONTRACT), save=True)
    client.force_login(admin_user)

    response = client.post(reverse("customers:document_delete", args=[anonymized.number, document.pk]))

    assert response.status_code == 403
    assert Document.objects.filter(pk=document.pk).exists()
