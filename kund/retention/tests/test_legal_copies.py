"""The built-in rule (B-6): the legal copy of an anonymized customer's details on invoices, agreement invoices
and receipts is cleared once 7 years have passed after the end of its fiscal year — exactly those copies,
no other (with the calendar year: vouchers of year Y from 1 January of Y + 8)."""

import io
import json
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.test import override_settings

from kund.billing.models import AgreementInvoice, Invoice, Receipt
from kund.crm.models import Agreement
from kund.demo.testing.factories import Person, add_transactions, make_customer
from kund.privacy.services import anonymize_customers
from kund.retention import services
from kund.retention.models import RetentionRun
from kund.retention.tests.conftest import local

pytestmark = pytest.mark.django_db

PERSON = Person(first_name="Ingrid", last_name="Lindqvist", street="Storgatan 12", city="Uppsala")
FROZEN = {
    "customer_name": PERSON.full_name,
    "customer_address": PERSON.street,
    "customer_postal_code": "114 55",
    "customer_city": PERSON.city,
    "customer_country": "SE",
    "customer_org_number": "19811218-9876",
    "customer_vat_number": "SE198112189876",
}
CLEARED = {
    "customer_name": "Xxxx",
    "customer_address": "",
    "customer_postal_code": "114 55",  # kept for statistics, as on the customer
    "customer_city": "",
    "customer_country": "SE",
    "customer_org_number": "",
    "customer_vat_number": "",
}
_numbers = iter(range(880_000, 890_000))


def vouchers(customer, day: date) -> dict:
    """An invoice, an agreement invoice and a receipt of `day`, each with the full legal copy."""
    frozen = {**FROZEN, "customer_number": customer.number}
    agreement = Agreement.objects.create(
        customer=customer, number=next(_numbers), started_on=day, ended_on=day, monthly_amount=Decimal("1")
    )
    money = {"total": Decimal("100.00")}
    return {
        "invoice": Invoice.objects.create(
            customer=customer,
            number=next(_numbers),
            date=day,
            due_date=day + timedelta(days=30),
            paid=True,
            customer_email=PERSON.email,
            **money,
            **frozen,
        ),
        "agreement_invoice": AgreementInvoice.objects.create(
            customer=customer,
            agreement=agreement,
            number=next(_numbers),
            date=day,
            due_date=day,
            paid=True,
            **money,
            **frozen,
        ),
        "receipt": Receipt.objects.create(
            customer=customer, number=next(_numbers), date=day, **money, **frozen
        ),
    }


def copy_of(voucher) -> dict:
    voucher.refresh_from_db()
    return {name: getattr(voucher, name) for name in FROZEN}


@pytest.fixture
def book(db):
    """An anonymized customer with vouchers from the last day of 2017 and the first and last days of 2018,
    and a customer who is not anonymized, with vouchers of 2010."""
    gone = make_customer(person=PERSON)
    add_transactions(gone, person=PERSON)
    old = vouchers(gone, date(2017, 12, 31))
    early_2018 = vouchers(gone, date(2018, 1, 1))
    late_2018 = vouchers(gone, date(2018, 12, 31))
    assert anonymize_customers(customer_ids=[gone.pk]).anonymized
    kept = make_customer(person=PERSON, number="870001")
    return {
        "old": old,
        "early_2018": early_2018,
        "late_2018": late_2018,
        "active": vouchers(kept, date(2010, 5, 5)),
    }


def run_on(clock, day: date) -> dict:
    clock.set(local(day, hour=3))
    out = io.StringIO()
    call_command("retention", "run", "--json", stdout=out)
    return json.loads(out.getvalue())["rules"][-1]


def test_b6_vouchers_of_2017_are_cleared_in_2025_those_of_2018_in_2026(book, clock):
    # given the last day of 2024: nothing is past its period yet
    assert run_on(clock, date(2024, 12, 31))["cleared"] == 0
    for group in book.values():
        for voucher in group.values():
            assert copy_of(voucher)["customer_name"] == PERSON.full_name

    # when 1 January 2025 comes
    result = run_on(clock, date(2025, 1, 1))

    # then exactly the three vouchers of 2017 are cleared, field by field as the policy says
    assert result["cleared"] == result["legal_copies"] == 3
    for voucher in book["old"].values():
        assert copy_of(voucher) == CLEARED
    assert book["old"]["invoice"].customer_email == ""
    assert book["old"]["invoice"].customer_number == book["old"]["receipt"].customer_number != ""
    # and nothing else of a voucher changes
    assert book["old"]["invoice"].total == Decimal("100.00") and book["old"]["invoice"].date == date(
        2017, 12, 31
    )
    # and no other copy: those of 2018, and a customer's who is not anonymized, however old
    for name in ("early_2018", "late_2018", "active"):
        for voucher in book[name].values():
            assert copy_of(voucher) == FROZEN, name
    assert book["early_2018"]["invoice"].customer_email == PERSON.email

    # when the same day's run comes again, nothing more is cleared
    assert run_on(clock, date(2025, 1, 1))["cleared"] == 0

    # when 31 December 2025 comes, still not those of 2018; on 1 January 2026, all of them
    assert run_on(clock, date(2025, 12, 31))["cleared"] == 0
    assert run_on(clock, date(2026, 1, 1))["cleared"] == 6
    for name in ("early_2018", "late_2018"):
        for voucher in book[name].values():
            assert copy_of(voucher) == CLEARED
    for voucher in book["active"].values():
        assert copy_of(voucher) == FROZEN

    # and each clearing is on record as a run of the built-in rule
    assert list(
        RetentionRun.objects.filter(builtin=True).order_by("created_at").values_list("cleared", flat=True)
    ) == [
        3,
        6,
    ]


def test_b6_the_dry_run_counts_what_the_run_clears(book, clock):
    clock.set(local(date(2026, 1, 1)))
    out = io.StringIO()
    call_command("retention", "run", "--dry-run", "--json", stdout=out)
    dry = json.loads(out.getvalue())["rules"][-1]
    assert dry["legal_copies"] == dry["selected"] == 9 and "cleared" not in dry
    for voucher in book["old"].values():
        assert copy_of(voucher) == FROZEN
    assert services.clear_legal_copies().cleared == 9


@override_settings(KUND_FISCAL_YEAR_END="06-30")
def test_b6_a_fiscal_year_from_july_to_june(book, clock):
    # with fiscal years July–June, a voucher of 31 December 2017 belongs to the year ending 30 June 2018
    assert run_on(clock, date(2025, 6, 30))["cleared"] == 0
    assert run_on(clock, date(2025, 7, 1))["cleared"] == 6  # 2017-12-31 and 2018-01-01
    for voucher in book["late_2018"].values():
        assert copy_of(voucher) == FROZEN
