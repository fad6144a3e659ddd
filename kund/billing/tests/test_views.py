"""The invoice list and invoice page (SPEC A-3, A-6, S-4)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kund.billing.models import Invoice
from kund.billing.views import InvoiceListView
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
    assert f'<a href="/customers/{known.number}/" class="kund-customer-link">Maja Lundgren</a>' in html
    row = html[html.index(f'data-invoice="{forgotten_invoice.ref}"') :]
    row = row[: row.index("</tr>")]
    assert '<span class="kund-anonymized-customer">Xxxx Xxxx</span>' in row  # a private person (seed 001)
    assert "anonymized customer" in row
    assert f"/customers/{forgotten.number}/" not in html
    assert b'id="nav-invoices"' in response.content


def test_the_list_is_newest_first_and_pages_by_position_without_counting(client, bookkeeper, monkeypatch):
    # given: 5 invoices, two on the same day, 2 per page
    customer = erasure_cases.anonymizable()  # its invoice is 35 days old
    erasure_cases.invoice(customer, days_ago=400)
    erasure_cases.invoice(customer, days_ago=1)
    erasure_cases.invoice(customer, days_ago=1)
    erasure_cases.invoice(customer, days_ago=90)
    expected = [i.ref for i in Invoice.objects.order_by("-date", "-number")]
    monkeypatch.setattr(InvoiceListView, "per_page", 2)
    url = reverse("billing:invoice_list")

    # when: the user pages to the oldest invoices and back
    with CaptureQueriesContext(connection) as queries:
        pages = [client.get(url)]
    while pages[-1].context["page"].has_next:
        pages.append(client.get(url, {"before": pages[-1].context["page"].next_cursor}))
    back = client.get(url, {"after": pages[-1].context["page"].previous_cursor})

    # then
    assert [i.ref for p in pages for i in p.context["invoices"]] == expected
    assert [len(p.context["invoices"]) for p in pages] == [2, 2, 1]
    assert not pages[0].context["page"].has_previous and pages[-1].context["page"].has_previous
    assert [i.ref for i in back.context["invoices"]] == expected[2:4]
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]
    assert not [q["sql"] for q in queries.captured_queries if "OFFSET" in q["sql"].upper()]
    assert 'id="page-older" href="?before=' in pages[0].content.decode()


@pytest.mark.parametrize("cursor", ["drop table", "2026-13-01_5", "2026-01-01_x", ""])
def test_a_junk_cursor_shows_the_first_page(client, bookkeeper, cursor):
    erasure_cases.anonymizable()

    response = client.get(reverse("billing:invoice_list"), {"before": cursor, "after": cursor})

    assert response.status_code == 200
    assert len(response.context["invoices"]) == 1


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
    assert f'href="/customers/{customer.number}/"' in response.content.decode()
