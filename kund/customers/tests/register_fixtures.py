"""Users and customers for the register's page tests. Import the fixtures with
`from kund.customers.tests.register_fixtures import *`."""

import itertools
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from kund.customers.models import Customer
from kund.customers.services import customer_create

__all__ = ["make_user", "person", "company", "seller", "other_seller", "anonymized", "anonymize"]

_usernames = itertools.count(1)


def make_user(*rights: str, username: str | None = None):
    """A user holding exactly these customer rights (codenames)."""
    user = get_user_model().objects.create_user(username or f"user{next(_usernames)}", password="pw-not-used")
    if rights:
        user.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="customers", codename__in=rights)
        )
    return get_user_model().objects.get(pk=user.pk)  # a fresh object: no permission cache


def new_private(actor=None, **overrides) -> Customer:
    data = {
        "kind": Customer.Kind.PRIVATE,
        "first_name": "Ingrid",
        "last_name": "Lindqvist",
        "organisation_number": "19811218-9876",
        "email": "ingrid.lindqvist@example.se",
        "phone": "070-123 45 67",
        "invoice_address1": "Storgatan 12",
        "invoice_postal_code": "753 20",
        "invoice_city": "Uppsala",
        "invoice_country": "SE",
        "birth_date": date(1981, 12, 18),
    }
    data.update(overrides)
    return customer_create(actor=actor, data=data)


def new_company(actor=None, **overrides) -> Customer:
    data = {
        "kind": Customer.Kind.COMPANY,
        "name": "Öhrlings Byggservice AB",
        "organisation_number": "556036-0793",
        "contact_person": "Per Åkesson",
        "email": "info@ohrlings-bygg.se",
        "phone": "08-123 456 78",
        "invoice_address1": "Industrivägen 4",
        "invoice_postal_code": "172 66",
        "invoice_city": "Sundbyberg",
        "invoice_country": "SE",
    }
    data.update(overrides)
    return customer_create(actor=actor, data=data)


def anonymize(customer: Customer) -> Customer:
    """Test set-up only: mark the customer anonymized as the erasure engine leaves it (a person's name
    Xxxx Xxxx, a company's Xxxx)."""
    Customer.objects.filter(pk=customer.pk).update(
        anonymized_at=timezone.now(),
        first_name="Xxxx",
        last_name="Xxxx",
        name="Xxxx" if customer.kind == Customer.Kind.COMPANY else "Xxxx Xxxx",
        email="",
        contact_person="Xxxx",
        organisation_number="",
    )
    return Customer.objects.get(pk=customer.pk)


@pytest.fixture
def person(db) -> Customer:
    return new_private()


@pytest.fixture
def company(db) -> Customer:
    return new_company()


@pytest.fixture
def seller(db):
    return make_user(username="sara.seller")


@pytest.fixture
def other_seller(db):
    return make_user(username="olle.other")


@pytest.fixture
def anonymized(db) -> Customer:
    return anonymize(new_private(first_name="Kalle", last_name="Glömd", email="kalle@example.se"))
