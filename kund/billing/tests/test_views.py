"""The invoice list and invoice page (SPEC A-3, A-6, S-4)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kund.privacy.services import anonymize_customers
from kund.privacy.tests import erasure_cases

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def bookkeeper(client):
    user = get_user_model().objects.create_user("lena.bookkeeper", "lena@kund.test", "pw")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="customers", codename="view_customer")
    )
    client.force_login(user)
    return user


def _anonymized_with_invoice():
    customer = erasure_cases.anonymizable()
    invoice = customer.invoices.get()
    anonymize_customers(customer_ids=[customer.pk])
    customer.refresh_from_db()
    invoice.refresh_from_db()
    return customer, invoice


def test_the_list_needs_the_right_to_view_customers(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("no.rights", password="pw"))

    assert client.get(reverse("billing:invoice_list")).status_code == 403
    assert client.get("/").content.count(b'id="nav-invoices"') == 0


def test_a6_the_list_links_a_customer_and_shows_an_anonymized_one_as_plain_xxxx(client, bookkeeper):
    # given: one ordinary customer and one anonymized, each with an invoice
    known = erasure_cases.anonymizable()
    forgotten, forgotten_invoice = _anonymized_with_invoice()

    # when
    response = client.get(reverse("billing:invoice_list"))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert f'<a href="/customers/{known.pk}/" class="kund-customer-link">Maja Lundgren</a>' in html
    row = html[html.index(f'data-invoice="{forgotten_invoice.ref}"') :]
    row = row[: row.index("</tr>")]
    assert '<span class="kund-anonymized-customer">Xxxx</span>' in row
    assert "anonymized customer" in row
    assert f"/customers/{forgotten.pk}/" not in html
    assert b'id="nav-invoices"' in response.content


def test_the_list_is_newest_first_and_pages_without_counting(client, bookkeeper):
    # given: 3 invoices, 2 per page
    customer = erasure_cases.anonymizable()
    older = erasure_cases.invoice(customer, days_ago=400)
    newest = erasure_cases.invoice(customer, days_ago=1)
    url = reverse("billing:invoice_list")

    # when
    with CaptureQueriesContext(connection) as queries:
        first = client.get(url, {"page": "1"}, headers={"accept-language": "en"})
    from kund.billing.views import InvoiceListView

    InvoiceListView.per_page, saved = 2, InvoiceListView.per_page
    try:
        page1 = client.get(url)
        page2 = client.get(url, {"page": "2"})
        junk = client.get(url, {"page": "drop table"})
    finally:
        InvoiceListView.per_page = saved

    # then
    assert first.status_code == 200
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert [i.ref for i in page1.context["invoices"]][0] == newest.ref
    assert page1.context["page"].has_next and not page1.context["page"].has_previous
    assert [i.ref for i in page2.context["invoices"]] == [older.ref]
    assert not page2.context["page"].has_next
    assert junk.status_code == 200 and junk.context["page"].number == 1


def test_the_list_takes_the_same_queries_for_50_invoices_as_for_one(
    client, bookkeeper, django_assert_num_queries
):
    # given
    customer = erasure_cases.anonymizable()
    url = reverse("billing:invoice_list")
    client.get(url)  # warm the session and content types
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for _ in range(49):
        erasure_cases.invoice(customer)

    # when / then: no query per row (the customer comes with the invoice)
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(url)
    assert len(response.context["invoices"]) == 50


def test_a3_s4_the_invoice_keeps_its_legal_copy_and_hints_that_the_customer_was_anonymized(
    client, bookkeeper
):
    # given
    customer, invoice = _anonymized_with_invoice()

    # when
    response = client.get(reverse("billing:invoice_detail", args=[invoice.pk]))

    # then: the frozen copy is unchanged; the customer itself is Xxxx without a link
    html = response.content.decode()
    assert invoice.customer_name == "Maja Lundgren"
    assert "Maja Lundgren" in html
    assert "Kopparbergsvägen 8" in html
    assert 'id="invoice-anonymized-hint"' in html
    customer_cell = html[html.index('id="invoice-customer"') :]
    customer_cell = customer_cell[: customer_cell.index("</dd>")]
    assert "Xxxx" in customer_cell and "href" not in customer_cell


def test_the_invoice_of_a_known_customer_has_no_hint(client, bookkeeper):
    customer = erasure_cases.anonymizable()
    invoice = customer.invoices.get()

    response = client.get(reverse("billing:invoice_detail", args=[invoice.pk]))

    assert 'id="invoice-anonymized-hint"' not in response.content.decode()
    assert f'href="/customers/{customer.pk}/"' in response.content.decode()
