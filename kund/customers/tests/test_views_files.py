"""A customer's files (SPEC R-9): downloaded only through views that ask kund.core.rules, as neutral-named
attachments that no cache keeps; never served from the storage's own URL."""

import importlib.util
import sys
from pathlib import Path

import pytest
from django.urls import reverse

import kund.urls
from kund.customers.services import customer_assign
from kund.customers.tests.register_fixtures import *  # noqa: F403
from kund.customers.tests.register_fixtures import make_user, new_company
from kund.demo.testing.factories import add_owned
from kund.demo.testing.storage import second_storage  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def owned(person):
    """Ingrid Lindqvist's document and credit report."""
    return add_owned(person)


def _document_url(customer, document) -> str:
    return reverse("customers:document_download", args=[customer.number, document.pk])


def _credit_url(customer, credit_file) -> str:
    return reverse("customers:credit_file_download", args=[customer.number, credit_file.pk])


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


# --- with the right: the file, as an attachment nobody caches ------------------------------------------


def test_a_document_is_downloaded_as_a_neutral_named_attachment(client, person, owned):
    # given
    document = owned["document"]
    client.force_login(make_user("view_customer"))

    # when
    response = client.get(_document_url(person, document))

    # then
    assert response.status_code == 200
    assert _body(response) == b"%PDF-1.4 avtal"
    assert response["Content-Disposition"] == f'attachment; filename="DOC-{document.pk}.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_a_credit_report_is_downloaded_without_the_customers_name(client, person, owned):
    # given
    credit_file = owned["credit_file"]
    client.force_login(make_user("view_customer"))

    # when
    response = client.get(_credit_url(person, credit_file))

    # then
    assert response.status_code == 200
    assert _body(response) == b"%PDF-1.4 Ingrid Lindqvist"
    assert response["Content-Disposition"] == f'attachment; filename="CR-{credit_file.pk}.pdf"'
    assert "Lindqvist" not in response["Content-Disposition"]
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_the_files_are_written_and_read_through_the_storage_only(
    client,
    person,
    second_storage,  # noqa: F811
):
    # given a document and a credit report saved while the storage is another than the file system
    # under MEDIA_ROOT
    owned = add_owned(person)
    names = {owned["document"].file.name, owned["credit_file"].file.name}
    client.force_login(make_user("view_customer"))

    # when both are downloaded
    bodies = [
        _body(client.get(_document_url(person, owned["document"]))),
        _body(client.get(_credit_url(person, owned["credit_file"]))),
    ]

    # then they came from that storage, which wrote them too, and MEDIA_ROOT stayed empty
    assert bodies == [b"%PDF-1.4 avtal", b"%PDF-1.4 Ingrid Lindqvist"]
    assert names <= second_storage.names("save") and names <= second_storage.names("open")
    if second_storage.location is not None:
        assert second_storage.files_on_disk() == names
    second_storage.assert_media_root_untouched()


def test_view_only_assigned_downloads_the_files_of_its_own_customer(client, person, owned):
    # given
    seller = make_user("view_assigned_customer")
    customer_assign(customer=person, actor=None, responsible=seller)
    client.force_login(seller)

    # when / then
    assert client.get(_document_url(person, owned["document"])).status_code == 200
    assert client.get(_credit_url(person, owned["credit_file"])).status_code == 200


# --- without it: the file does not exist --------------------------------------------------------------


@pytest.mark.parametrize("which", ["document", "credit_file"])
def test_without_the_right_a_file_is_not_found(client, person, owned, which):
    # given a user with no customer right at all
    client.force_login(make_user())
    url = _document_url(person, owned[which]) if which == "document" else _credit_url(person, owned[which])

    # when
    response = client.get(url)

    # then the same answer as for a file that does not exist
    assert response.status_code == 404
    assert b"PDF" not in response.content


@pytest.mark.parametrize("which", ["document", "credit_file"])
def test_view_only_assigned_does_not_reach_another_users_customer(client, person, owned, other_seller, which):
    # given the customer is assigned to someone else
    customer_assign(customer=person, actor=None, responsible=other_seller)
    client.force_login(make_user("view_assigned_customer"))
    url = _document_url(person, owned[which]) if which == "document" else _credit_url(person, owned[which])

    # when / then
    assert client.get(url).status_code == 404


def test_a_file_asked_for_under_another_customer_is_not_found(client, person, owned):
    # given a second customer the user may view as well
    other = new_company()
    client.force_login(make_user("view_customer"))

    # when A's files are asked for under B's address
    document = client.get(_document_url(other, owned["document"]))
    credit = client.get(_credit_url(other, owned["credit_file"]))

    # then
    assert document.status_code == 404
    assert credit.status_code == 404


def test_an_unknown_file_or_customer_is_not_found(client, person, owned):
    client.force_login(make_user("view_customer"))

    assert (
        client.get(reverse("customers:document_download", args=[person.number, 999_999])).status_code == 404
    )
    assert (
        client.get(reverse("customers:credit_file_download", args=[person.number, 999_999])).status_code
        == 404
    )
    unknown_customer = reverse("customers:document_download", args=[999_999, owned["document"].pk])
    assert client.get(unknown_customer).status_code == 404


def test_an_anonymous_visitor_is_sent_to_sign_in(client, person, owned):
    response = client.get(_document_url(person, owned["document"]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


# --- where the files are listed ---------------------------------------------------------------------


def test_the_card_links_each_file_to_its_download(client, person, owned):
    # given
    client.force_login(make_user("view_customer"))

    # when
    html = client.get(reverse("customers:detail", args=[person.number])).content.decode()

    # then
    assert f'href="{_document_url(person, owned["document"])}"' in html
    assert f'href="{_credit_url(person, owned["credit_file"])}"' in html
    assert "/media/" not in html


# --- the storage itself is never served -------------------------------------------------------------


def test_the_storage_is_not_served_under_media(client, person, owned):
    for name in (
        owned["document"].file.name,
        owned["credit_file"].file.name,
        "credit/2019/1205-2019-02-11.pdf",
    ):
        assert client.get(f"/media/{name}").status_code == 404
    client.force_login(make_user("view_customer"))
    assert client.get(f"/media/{owned['document'].file.name}").status_code == 404


@pytest.fixture
def urls_loaded_with_debug(settings, tmp_path):
    """kund/urls.py as the development server loads it with KUND_DEBUG=1, and a file in MEDIA_ROOT on disk."""
    settings.DEBUG = True
    settings.MEDIA_ROOT = tmp_path
    (tmp_path / "credit").mkdir()
    (tmp_path / "credit" / "1205-2019-02-11.pdf").write_bytes(b"%PDF-1.4 Kreditupplysning")
    name = "kund_urls_loaded_with_debug"
    spec = importlib.util.spec_from_file_location(name, Path(kund.urls.__file__))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    settings.ROOT_URLCONF = name
    yield
    del sys.modules[name]


def test_with_debug_on_the_storage_is_still_not_served(client, urls_loaded_with_debug):
    # when an anonymous visitor asks for a credit report by its path
    response = client.get("/media/credit/1205-2019-02-11.pdf")

    # then
    assert response.status_code == 404
    assert b"Kreditupplysning" not in response.content
