"""kund/core/models.py: the register settings, numbered records, and customer_link, which keeps the records
the law keeps when someone tries to delete their customer (SPEC E-1, A-3)."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError

from kund.billing.models import Invoice, Receipt
from kund.core.models import RegisterSettings
from kund.customers.models import Customer
from kund.sales.models import Order


def _customer(number: str) -> Customer:
    return Customer.objects.create(number=number, name="Lena Ek", invoice_address1="Storgatan 1")


def _invoice(customer: Customer) -> Invoice:
    return Invoice.objects.create(
        customer=customer,
        number=int(customer.number),
        date=date(2020, 3, 1),
        due_date=date(2020, 3, 31),
        total=Decimal("995.00"),
        paid=True,
        customer_number=customer.number,
        customer_name=customer.name,
        customer_address=customer.invoice_address1,
    )


def _receipt(customer: Customer) -> Receipt:
    return Receipt.objects.create(
        customer=customer,
        number=int(customer.number),
        date=date(2020, 3, 1),
        total=Decimal("129.00"),
        customer_number=customer.number,
        customer_name=customer.name,
    )


VOUCHERS = {"invoice": _invoice, "receipt": _receipt}


@pytest.mark.django_db
@pytest.mark.parametrize("voucher", VOUCHERS)
def test_a3_deleting_a_customer_through_the_orm_cannot_remove_its_vouchers(voucher):
    # given
    customer = _customer("9100")
    kept = VOUCHERS[voucher](customer)

    # when
    with pytest.raises(ProtectedError), transaction.atomic():
        customer.delete()

    # then
    assert type(kept).objects.filter(pk=kept.pk, customer=customer).exists()
    assert Customer.objects.filter(pk=customer.pk).exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("voucher", VOUCHERS)
def test_a3_raw_delete_of_a_customer_with_vouchers_fails_in_the_database(voucher):
    """The foreign key itself refuses, not only Django's PROTECT: a DELETE written by hand fails too.
    (Django declares its foreign keys deferred, so the refusal comes at the commit of the statement.)"""
    # given
    customer = _customer("9200")
    kept = VOUCHERS[voucher](customer)

    # when
    with pytest.raises(IntegrityError), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {Customer._meta.db_table} WHERE id = %s", [customer.pk])

    # then
    assert Customer.objects.filter(pk=customer.pk).exists()
    assert type(kept).objects.filter(pk=kept.pk).exists()


@pytest.mark.django_db
def test_e1_other_linked_records_protect_the_customer_as_well():
    # given
    customer = _customer("9300")
    Order.objects.create(customer=customer, number=9300, date=date(2021, 5, 1))

    # when / then
    with pytest.raises(ProtectedError), transaction.atomic():
        customer.delete()


@pytest.mark.django_db
def test_r1_register_settings_default_to_one_to_ten_characters_and_crm_off():
    # when
    register = RegisterSettings.load()

    # then
    assert (register.pk, register.number_min_length, register.number_max_length) == (1, 1, 10)
    assert register.crm_enabled is False
    assert RegisterSettings.load().pk == 1
    assert RegisterSettings.objects.count() == 1


def test_r1_minimum_length_cannot_exceed_the_maximum():
    with pytest.raises(ValidationError) as exc:
        RegisterSettings(number_min_length=6, number_max_length=5).clean()
    assert "number_min_length" in exc.value.message_dict


def test_numbered_record_shows_its_reference():
    assert str(Order(number=1042)) == "O-1042"
    assert Invoice(number=7).ref == "F-7"
