"""order_create: the register's rules for a new order (R-5, R-6, A-4)."""

import pytest
from django.core.exceptions import ValidationError

from kund.customers.models import Customer
from kund.customers.services import customer_assign, customer_set_status
from kund.customers.tests.register_fixtures import *  # noqa: F403
from kund.customers.tests.register_fixtures import anonymize
from kund.sales.models import Order
from kund.sales.services import order_create


@pytest.mark.django_db
def test_r6_new_order_is_assigned_to_the_customers_responsible_user(person, seller):
    # given
    customer_assign(customer=person, actor=None, responsible=seller)

    # when
    order = order_create(customer=person, actor=seller, data={"customer_reference": "Ingrid"})

    # then
    assert order.responsible == seller
    assert order.customer == person
    assert order.invoice_address == "Storgatan 12"
    assert order.invoice_city == "Uppsala"


@pytest.mark.django_db
def test_r6_order_of_a_customer_without_responsible_user_is_unassigned(company):
    order = order_create(customer=company, actor=None)

    assert order.responsible is None
    assert order.invoice_name == "Öhrlings Byggservice AB"


@pytest.mark.django_db
def test_order_numbers_follow_each_other(person, company):
    first = order_create(customer=person, actor=None)
    second = order_create(customer=company, actor=None)

    assert second.number == first.number + 1


@pytest.mark.django_db
def test_r5_inactive_customer_cannot_be_chosen_for_a_new_order(person):
    # given
    customer_set_status(customer=person, actor=None, status=Customer.Status.INACTIVE)

    # when / then
    with pytest.raises(ValidationError, match="inactive"):
        order_create(customer=person, actor=None)
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_a4_anonymized_customer_cannot_be_chosen_for_a_new_order(person):
    anonymize(person)

    with pytest.raises(ValidationError, match="anonymized"):
        order_create(customer=person, actor=None)
    assert not Order.objects.exists()


@pytest.mark.django_db
def test_order_create_refuses_fields_it_does_not_set(person):
    with pytest.raises(ValueError, match="responsible"):
        order_create(customer=person, actor=None, data={"responsible": None})
