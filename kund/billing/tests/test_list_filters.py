"""The invoice list's search and filters: by number or by customer, found as the customer list finds it
(R-2), paid or not, dated between two days; paging keeps them; a bad filter says why and shows nothing."""

from datetime import date
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from kund.billing.models import Invoice
from kund.customers.tests.register_fixtures import new_company, new_private

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _user(*codenames, username="lena.bookkeeper"):
    user = get_user_model().objects.create_user(username, f"{username}@kund.test", "pw")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="customers", codename__in=codenames)
    )
    return user


@pytest.fixture
def bookkeeper(client):
    user = _user("view_customer")
    client.force_login(user)
    return user


def invoice(customer, number: int, day: date, *, paid: bool = True) -> Invoice:
    return Invoice.objects.create(
        customer=customer, number=number, date=day, due_date=day, total=Decimal("1250.00"), paid=paid
    )


@pytest.fixture
def invoices():
    ingrid = new_private(phone="090-761 11 99", invoice_city="Umeå")
    nordkyl = new_company(name="Nordkyl Service AB", organisation_number="", email="order@nordkyl.se")
    return {
        "ingrid-march": invoice(ingrid, 7001, date(2025, 3, 10)),
        "ingrid-may": invoice(ingrid, 7002, date(2025, 5, 2), paid=False),
        "nordkyl-april": invoice(nordkyl, 7003, date(2025, 4, 15)),
        "nordkyl-june": invoice(nordkyl, 7004, date(2025, 6, 1), paid=False),
    }


def shown(response) -> list[int]:
    return [i.number for i in response.context["invoices"]]


def listing(client, **params):
    return client.get(reverse("billing:invoice_list"), params)


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"q": "F-7003"}, [7003]),  # the invoice's reference
        ({"q": "7002"}, [7002]),  # its number
        ({"q": "qvist"}, [7002, 7001]),  # part of the customer's name
        ({"q": "nordkyl"}, [7004, 7003]),
        ({"q": "umea"}, [7002, 7001]),  # the customer's city, without diacritics
        ({"q": "+46 90 761 11 99"}, [7002, 7001]),  # the customer's phone, written another way
        ({"paid": "no"}, [7004, 7002]),
        ({"paid": "yes"}, [7003, 7001]),
        ({"date_from": "2025-04-01", "date_to": "2025-05-31"}, [7002, 7003]),
        ({"q": "nordkyl", "paid": "no"}, [7004]),
        ({"date_from": "2025-03-10", "date_to": "2025-03-10"}, [7001]),  # both days included
    ],
)
def test_the_invoice_list_searches_and_filters(client, bookkeeper, invoices, params, expected):
    assert shown(listing(client, **params)) == expected


def test_the_customer_number_finds_its_invoices(client, bookkeeper, invoices):
    customer = invoices["nordkyl-april"].customer

    assert shown(listing(client, q=customer.number)) == [7004, 7003]


@pytest.mark.parametrize(
    "params,field",
    [
        ({"date_from": "2025-06-01", "date_to": "2025-01-01"}, "date_to"),  # the wrong way round
        ({"date_from": "0202-03-01"}, "date_from"),  # a year mistyped
        ({"date_to": "2025-13-45"}, "date_to"),
        ({"paid": "maybe"}, "paid"),
    ],
)
def test_a_bad_filter_says_why_and_shows_nothing(client, bookkeeper, invoices, params, field):
    response = listing(client, **params)

    html = response.content.decode()
    assert response.status_code == 200
    assert shown(response) == []
    assert 'id="filter-errors"' in html
    assert field in response.context["filterset"].errors


def test_no_match_says_what_was_searched(client, bookkeeper, invoices):
    response = listing(client, q="zzq", paid="no")

    html = response.content.decode()
    assert "No invoices match." in html
    assert "Searched for “zzq” as a number and among the customers" in html
    assert "With the filters: Paid: No" in html


def test_paging_keeps_the_search_and_filters(client, bookkeeper, invoices, monkeypatch):
    from kund.billing.views import InvoiceListView

    monkeypatch.setattr(InvoiceListView, "per_page", 1)

    # given the first page of a search with a filter
    first = listing(client, q="nordkyl", date_from="2025-01-01")
    older = first.context["page"].next_cursor

    # when the user follows "Older"
    html = first.content.decode()
    link = f"?q=nordkyl&amp;date_from=2025-01-01&amp;before={older}"
    second = listing(client, q="nordkyl", date_from="2025-01-01", before=older)

    # then the link kept the search and the filter
    assert link in html
    assert shown(first) == [7004] and shown(second) == [7003]


def test_a5_an_anonymized_customer_is_not_found_through_its_invoices(client, bookkeeper, invoices):
    from kund.customers.tests.register_fixtures import anonymize

    anonymize(invoices["nordkyl-april"].customer)

    assert shown(listing(client, q="xxxx")) == []
    assert shown(listing(client, q="nordkyl")) == []
    assert shown(listing(client, q="F-7004")) == [7004]  # the invoice itself is still found by number


def test_r9_search_finds_only_the_invoices_of_customers_the_user_may_see(client, invoices):
    from kund.customers.services import customer_assign

    technician = _user("view_assigned_customer", username="tomas.tekniker")
    customer_assign(customer=invoices["ingrid-may"].customer, actor=None, responsible=technician)
    client.force_login(technician)

    assert shown(listing(client, q="service")) == []  # Nordkyl Service AB is not theirs
    assert shown(listing(client, q="7003")) == []
    assert shown(listing(client, q="qvist")) == [7002, 7001]


def test_a_search_that_matches_many_customers_walks_the_list(client, bookkeeper, invoices, monkeypatch):
    """On SQLite a search the index finds more often than the probe is checked on each invoice's customer;
    the result is the same."""
    from kund.customers import selectors

    monkeypatch.setattr(selectors, "PROBE", 1)

    assert shown(listing(client, q="qvist")) == [7002, 7001]
    assert shown(listing(client, q="nordkyl", paid="yes")) == [7003]
