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


# --- seed 004: the responsible technician is told of everything new ---------------------------------------


@pytest.mark.django_db
def test_seed004_every_new_order_notifies_the_responsible_user(person, seller, other_seller):
    """Seed 004: "få notifikation om alla ordrar och felanmälningar som berör kunden" — not only of the
    assignment; the customer is not notified."""
    from kund.customers.models import Notification

    # given
    customer_assign(customer=person, actor=other_seller, responsible=seller)

    # when
    first = order_create(customer=person, actor=other_seller)
    second = order_create(customer=person, actor=other_seller)

    # then
    notes = Notification.objects.filter(recipient=seller, verb=Notification.Verb.NEW_ORDER)
    assert sorted(notes.values_list("record_ref", flat=True)) == sorted([first.ref, second.ref])
    assert set(notes.values_list("customer_id", flat=True)) == {person.pk}


@pytest.mark.django_db
def test_seed004_an_order_of_a_customer_without_responsible_user_notifies_nobody(company):
    from kund.customers.models import Notification

    order_create(customer=company, actor=None)

    assert not Notification.objects.exists()


@pytest.mark.django_db
def test_seed004_the_register_setting_puts_the_assigned_user_in_our_reference(person, seller):
    """Seed 004: "Klicka i 'Lägg tilldelad i vår referens'" — for Kund's own orders."""
    from kund.core.models import RegisterSettings

    # given
    seller.first_name, seller.last_name = "Sara", "Säljare"
    seller.save()
    customer_assign(customer=person, actor=None, responsible=seller)
    unset = order_create(customer=person, actor=None)
    RegisterSettings.objects.filter(pk=RegisterSettings.load().pk).update(assigned_as_our_reference=True)

    # when
    order = order_create(customer=person, actor=None)
    given = order_create(customer=person, actor=None, data={"our_reference": "Kundtjänst"})

    # then
    assert unset.our_reference == ""  # the setting is off by default
    assert order.our_reference == "Sara Säljare"
    assert given.our_reference == "Kundtjänst"  # what the caller gives wins
