"""One customer for each case of the erasure page (SPEC E-1): deletable with documents, ready to anonymize
with kept free text, blocked, already anonymized. Built with the register's service and the models, with
everyday Swedish details, so the pages under test show what a user would see."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile

from kund.billing.models import Invoice
from kund.crm.models import Agreement
from kund.customers.models import Customer, CustomField, CustomFieldValue
from kund.customers.services import customer_create
from kund.documents.models import Document
from kund.privacy.services import anonymize_customers
from kund.sales.models import Order

_numbers = itertools.count(71_000)


def _private(
    first: str, last: str, *, email: str, city: str = "Västerås", postal: str = "722 14"
) -> Customer:
    return customer_create(
        actor=None,
        data={
            "kind": Customer.Kind.PRIVATE,
            "first_name": first,
            "last_name": last,
            "email": email,
            "phone": "021-13 57 90",
            "invoice_address1": "Kopparbergsvägen 8",
            "invoice_postal_code": postal,
            "invoice_city": city,
            "info": "",
        },
    )


def order(customer: Customer, *, delivered=True, invoiced=True, days_ago=40, **fields) -> Order:
    return Order.objects.create(
        customer=customer,
        number=next(_numbers),
        date=date.today() - timedelta(days=days_ago),
        delivered=delivered,
        invoiced=invoiced,
        total=Decimal("1450.00"),
        invoice_name=customer.name,
        invoice_address=customer.invoice_address1,
        invoice_postal_code=customer.invoice_postal_code,
        invoice_city=customer.invoice_city,
        **fields,
    )


def invoice(customer: Customer, *, paid=True, days_ago=35, for_order: Order | None = None) -> Invoice:
    day = date.today() - timedelta(days=days_ago)
    return Invoice.objects.create(
        customer=customer,
        order=for_order,
        number=next(_numbers),
        date=day,
        due_date=day + timedelta(days=30),
        total=Decimal("1450.00"),
        paid=paid,
        customer_number=customer.number,
        customer_name=customer.name,
        customer_address=customer.invoice_address1,
        customer_postal_code=customer.invoice_postal_code,
        customer_city=customer.invoice_city,
        customer_country="SE",
        customer_email=customer.email,
    )


def deletable() -> Customer:
    """No linked transactions; two documents that a delete takes with it (D-1)."""
    customer = _private("Sven", "Holmberg", email="sven.holmberg@example.se")
    for title in ("Offertförfrågan kök", "Ritning altan"):
        Document.objects.create(
            customer=customer, title=title, file=ContentFile(b"%PDF-1.4\n", name="doc.pdf")
        )
    return customer


def anonymizable() -> Customer:
    """An order delivered and invoiced, its invoice paid; an internal comment to review by hand (A-2)."""
    customer = _private("Maja", "Lundgren", email="maja.lundgren@example.se", city="Örebro", postal="702 11")
    Customer.objects.filter(pk=customer.pk).update(internal_info="Ring före leverans, portkod 4411")
    customer.refresh_from_db()
    placed = order(customer, internal_comment="Lämna paketet hos grannen Berit")
    invoice(customer, for_order=placed)
    door_code, _created = CustomField.objects.get_or_create(name="Portkod")
    CustomFieldValue.objects.create(customer=customer, field=door_code, value="4411")
    Document.objects.create(
        customer=customer, title="Serviceavtal Lundgren", file=ContentFile(b"%PDF-1.4\n", name="avtal.pdf")
    )
    return customer


def blocked() -> tuple[Customer, Order, Invoice, Agreement]:
    """An order not delivered, an invoice not paid and an ongoing agreement (E-3)."""
    customer = _private("Olof", "Bergqvist", email="olof.bergqvist@example.se", city="Gävle", postal="803 20")
    open_order = order(customer, delivered=False, invoiced=False, days_ago=3)
    unpaid = invoice(customer, paid=False, days_ago=5)
    agreement = Agreement.objects.create(
        customer=customer,
        number=next(_numbers),
        description="Serviceavtal värmepump",
        started_on=date.today() - timedelta(days=400),
        recipient=customer.name,
        monthly_amount=Decimal("249.00"),
    )
    return customer, open_order, unpaid, agreement


def anonymized() -> Customer:
    customer = anonymizable()
    anonymize_customers(customer_ids=[customer.pk])
    customer.refresh_from_db()
    return customer
