"""Customers are addressed by their customer number (/customers/2958/ is customer 2958); links made when
cards were found by internal id go through /customers/id/<id>/, which redirects."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import URLPattern, get_resolver, reverse

from kund.customers.models import Customer
from kund.customers.services import RESERVED_NUMBERS, customer_create, validate_customer_number
from kund.customers.tests.register_fixtures import *  # noqa: F403
from kund.customers.tests.register_fixtures import make_user, new_company, new_private


@pytest.fixture
def viewer(db, client):
    user = make_user("view_customer", username="vera.viewer")
    client.force_login(user)
    return user


@pytest.fixture
def numbered(db) -> Customer:
    """A customer whose number is not its id, as in every register that began anywhere but at 1."""
    new_private()
    customer = customer_create(
        actor=None, number="2958", data={"kind": "company", "name": "Umeå Kyl & Värme AB"}
    )
    assert str(customer.pk) != customer.number
    return customer


def test_the_card_is_found_by_customer_number(client, viewer, numbered):
    # when
    response = client.get("/customers/2958/")

    # then
    assert response.status_code == 200
    assert response.context["customer"] == numbered
    assert reverse("customers:detail", args=[numbered.number]) == "/customers/2958/"


def test_a_number_with_letters_and_hyphens_is_an_address_too(client, viewer, db):
    customer = customer_create(actor=None, number="K-100", data={"kind": "company", "name": "Kylab AB"})

    response = client.get("/customers/K-100/")

    assert response.status_code == 200 and response.context["customer"] == customer


def test_the_internal_id_is_not_a_customer_address(client, viewer, numbered):
    assert client.get(f"/customers/{numbered.pk}/").status_code == 404


def test_an_old_link_by_id_redirects_to_the_card(client, viewer, numbered):
    response = client.get(f"/customers/id/{numbered.pk}/")

    assert response.status_code == 302
    assert response["Location"] == "/customers/2958/"


def test_an_old_link_by_id_to_a_customer_the_user_may_not_see_does_not_exist(client, db, numbered):
    # given a user who may see only the customers assigned to them
    client.force_login(make_user("view_assigned_customer"))

    # then the redirect does not tell the number of somebody else's customer
    assert client.get(f"/customers/id/{numbered.pk}/").status_code == 404
    assert client.get(f"/customers/id/{numbered.pk + 1000}/").status_code == 404


def test_the_list_and_every_page_of_a_customer_link_by_number(client, viewer, numbered):
    listing = client.get(reverse("customers:list")).content.decode()
    card = client.get("/customers/2958/").content.decode()

    assert 'href="/customers/2958/"' in listing
    assert f'href="/customers/{numbered.pk}/"' not in listing
    assert 'href="/customers/2958/history/"' in card or "/customers/2958/records/" in card


@pytest.mark.parametrize("number", sorted(RESERVED_NUMBERS) + ["NEW", "Rights"])
def test_r1_a_page_name_cannot_be_a_customer_number(db, number):
    with pytest.raises(ValidationError) as raised:
        validate_customer_number(number)

    assert "cannot be a customer number" in str(raised.value)


def test_r1_the_reserved_numbers_are_exactly_the_register_pages_beside_the_cards():
    # given the first path segment of each fixed page under /customers/
    resolver = get_resolver().url_patterns
    customers = next(p for p in resolver if getattr(p, "namespace", None) == "customers")
    fixed = set()
    for pattern in customers.url_patterns:
        assert isinstance(pattern, URLPattern)
        first = str(pattern.pattern).split("/")[0]
        if first and "<" not in first and "." not in first:
            fixed.add(first)

    # then each is reserved: no customer number can hide one of them
    assert fixed == RESERVED_NUMBERS


def test_r8_an_imported_page_name_is_refused_as_customer_number(db):
    from kund.customers.importing import check_file

    report = check_file(b"customer_number;kind;name\nrights;company;Rights AB\n9001;company;Nio AB\n")

    assert [(error.line, error.column) for error in report.errors] == [(2, "customer_number")]
    assert "cannot be a customer number" in report.errors[0].reason


def test_a_company_card_link_in_the_invoice_list_uses_the_number(client, viewer, numbered):
    from kund.demo.testing.factories import add_transactions

    add_transactions(numbered)
    other = new_company(organisation_number="")
    add_transactions(other)

    html = client.get(reverse("billing:invoice_list")).content.decode()

    assert 'href="/customers/2958/"' in html
    assert f'href="/customers/{other.number}/"' in html
