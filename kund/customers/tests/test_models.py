"""The domain model carries every field SPEC §4 names, on the model it names, with that meaning.

The table below is SPEC §4's anonymization table ("what changes") and "what is kept" (A-1, A-2), row by
row: (model, field, kind of field, words of its meaning). The meaning is checked against the field's
English verbose name, so a field renamed into something else fails here.
"""

import pytest
from django.db import models
from django.utils import translation

from kund.billing.models import AgreementInvoice, Invoice, PaymentReminder, Receipt, ReminderFee
from kund.crm.models import Activity, Agreement, EmailMessage
from kund.customers.models import Branch, CreditFile, CreditInfo, Customer, CustomFieldValue
from kund.documents.models import Document
from kund.sales.models import Delivery, DropshipOrder, InboundDelivery, Order, Purchase, Quote, TradeInvoice
from kund.support.models import SupportTicket, TicketReply

TEXT = models.CharField  # EmailField and URLField are CharFields too
LONG = models.TextField
EMAIL = models.EmailField
DECIMAL = models.DecimalField
BOOL = models.BooleanField
DATE = models.DateField
FK = models.ForeignKey
FILE = models.FileField


def _address_copy(prefix: str) -> list[tuple[str, type, str]]:
    """Name, attention, address, postal code and city of a copied address (quotes, orders, …)."""
    return [
        (f"{prefix}_name", TEXT, f"{prefix} name"),
        (f"{prefix}_attention", TEXT, f"{prefix} attention"),
        (f"{prefix}_address", TEXT, f"{prefix} address"),
        (f"{prefix}_postal_code", TEXT, f"{prefix} postal code"),
        (f"{prefix}_city", TEXT, f"{prefix} city"),
    ]


def _customer_address(prefix: str, label: str, *, attention: bool) -> list[tuple[str, type, str]]:
    rows = [
        (f"{prefix}_company_name", TEXT, f"{label}: company name"),
        (f"{prefix}_address1", TEXT, f"{label}: line 1"),
        (f"{prefix}_address2", TEXT, f"{label}: line 2"),
        (f"{prefix}_address3", TEXT, f"{label}: line 3"),
        (f"{prefix}_city", TEXT, f"{label}: city"),
        (f"{prefix}_latitude", DECIMAL, f"{label}: latitude"),
        (f"{prefix}_longitude", DECIMAL, f"{label}: longitude"),
    ]
    if attention:
        rows.append((f"{prefix}_attention", TEXT, f"{label}: attention"))
    return rows


ANONYMIZED: dict[type[models.Model], list[tuple[str, type, str]]] = {
    # customer: names → Xxxx; organisation and VAT number → empty; information by e-mail / post → no
    Customer: [
        ("first_name", TEXT, "first name"),
        ("last_name", TEXT, "last name"),
        ("name", TEXT, "customer name"),
        ("organisation_number", TEXT, "organisation number"),
        ("vat_number", TEXT, "vat number"),
        ("email_consent", BOOL, "information by e-mail"),
        ("post_consent", BOOL, "information by post"),
        *_customer_address("invoice", "invoice address", attention=True),
        *_customer_address("visit", "visiting address", attention=False),
        *_customer_address("delivery", "delivery address", attention=False),
        # customer contact; the birth date keeps its year
        ("contact_person", TEXT, "contact person"),
        ("phone", TEXT, "phone"),
        ("mobile", TEXT, "mobile"),
        ("fax", TEXT, "fax"),
        ("email", EMAIL, "e-mail"),
        ("website", models.URLField, "website"),
        ("birth_date", DATE, "birth date"),
    ],
    # credit-check / rating information and its PDF files → deleted
    CreditInfo: [("customer", FK, "customer"), ("rating", TEXT, "rating"), ("provider", TEXT, "provider")],
    CreditFile: [("credit_info", FK, "credit info"), ("file", FILE, "file")],
    # branches: name → Xxxx, everything else → empty
    Branch: [
        ("name", TEXT, "name"),
        ("address", TEXT, "address"),
        ("postal_code", TEXT, "postal code"),
        ("city", TEXT, "city"),
        ("country", TEXT, "country"),
        ("phone", TEXT, "phone"),
        ("email", EMAIL, "e-mail"),
        ("contact", TEXT, "contact"),
    ],
    # activities and events: subject, text and contact name / e-mail / phone
    Activity: [
        ("subject", TEXT, "subject"),
        ("text", LONG, "text"),
        ("contact_name", TEXT, "contact name"),
        ("contact_email", EMAIL, "contact e-mail"),
        ("contact_phone", TEXT, "contact phone"),
    ],
    # support tickets: name → Xxxx; e-mail, phone, subject, text, replies, internal comment → empty
    SupportTicket: [
        ("name", TEXT, "name"),
        ("email", EMAIL, "e-mail"),
        ("phone", TEXT, "phone"),
        ("subject", TEXT, "subject"),
        ("text", LONG, "text"),
        ("internal_comment", LONG, "internal comment"),
    ],
    TicketReply: [("ticket", FK, "ticket"), ("text", LONG, "text")],
    # e-mail history (quotes, orders, invoices, documents)
    EmailMessage: [
        ("name", TEXT, "name"),
        ("email", EMAIL, "e-mail"),
        ("phone", TEXT, "phone"),
        ("subject", TEXT, "subject"),
        ("text", LONG, "text"),
        ("replies", LONG, "replies"),
        ("internal_comment", LONG, "internal comment"),
        ("document_kind", TEXT, "document"),
    ],
    # quotes (invoice and delivery address)
    Quote: [
        ("customer_reference", TEXT, "customer reference"),
        *_address_copy("invoice"),
        *_address_copy("delivery"),
    ],
    # orders (invoice and delivery address)
    Order: [
        ("customer_reference", TEXT, "customer reference"),
        ("customer_order_reference", TEXT, "customer order reference"),
        ("notification_mobile", TEXT, "mobile for notifications"),
        *_address_copy("invoice"),
        *_address_copy("delivery"),
    ],
    # deliveries
    Delivery: [
        ("customer_reference", TEXT, "customer reference"),
        ("notification_mobile", TEXT, "mobile for notifications"),
        *_address_copy("delivery"),
    ],
    # trade invoices: customer → Xxxx; name, address, …, recipient org/VAT no, name, e-mail, phone → empty
    TradeInvoice: [
        ("customer_display", TEXT, "customer"),
        ("name", TEXT, "name"),
        ("address", TEXT, "address"),
        ("postal_code", TEXT, "postal code"),
        ("city", TEXT, "city"),
        ("recipient_org_number", TEXT, "recipient organisation number"),
        ("recipient_vat_number", TEXT, "recipient vat number"),
        ("recipient_name", TEXT, "recipient name"),
        ("email", EMAIL, "e-mail"),
        ("phone", TEXT, "phone"),
    ],
    # dropship orders (both addresses): order reference, phone, mobile, customer name, attention, …
    DropshipOrder: [
        ("order_reference", TEXT, "order reference"),
        ("phone", TEXT, "phone"),
        ("mobile", TEXT, "mobile"),
        *_address_copy("invoice"),
        *_address_copy("delivery"),
    ],
    # purchases linked to dropship orders (delivery address), and their inbound deliveries the same
    Purchase: [
        ("dropship_order", FK, "dropship order"),
        ("order_reference", TEXT, "order reference"),
        ("phone", TEXT, "phone"),
        ("mobile", TEXT, "mobile"),
        ("published_comment", LONG, "published comment"),
        *_address_copy("delivery"),
    ],
    InboundDelivery: [
        ("purchase", FK, "purchase"),
        ("order_reference", TEXT, "order reference"),
        ("phone", TEXT, "phone"),
        ("mobile", TEXT, "mobile"),
        ("published_comment", LONG, "published comment"),
        *_address_copy("delivery"),
    ],
    # agreements (never ongoing): customer reference → Xxxx, recipient → Xxxx, e-mail → empty
    Agreement: [
        ("customer_reference", TEXT, "customer reference"),
        ("recipient", TEXT, "recipient"),
        ("email", EMAIL, "e-mail"),
        ("ended_on", DATE, "ended on"),
    ],
    # payment reminders: the customer details on them → empty
    PaymentReminder: [
        ("customer_name", TEXT, "customer name"),
        ("customer_address", TEXT, "address"),
        ("customer_postal_code", TEXT, "postal code"),
        ("customer_city", TEXT, "city"),
        ("customer_email", EMAIL, "e-mail"),
    ],
    # receipts: the legal copy stays; where it was sent → empty
    Receipt: [("sent_to_email", EMAIL, "sent to e-mail"), ("sent_to_mobile", TEXT, "sent to mobile")],
}

FROZEN_COPY = [  # invoices, agreement invoices and receipts: unchanged
    ("customer_number", TEXT, "customer number"),
    ("customer_name", TEXT, "customer name"),
    ("customer_address", TEXT, "address"),
    ("customer_postal_code", TEXT, "postal code"),
    ("customer_city", TEXT, "city"),
    ("customer_org_number", TEXT, "organisation number"),
    ("customer_vat_number", TEXT, "vat number"),
]

KEPT: dict[type[models.Model], list[tuple[str, type, str]]] = {
    # A-1 on the customer: gender, postal codes, customer group, region and country of every address
    Customer: [
        ("gender", TEXT, "gender"),
        ("group", FK, "customer group"),
        *[
            (f"{prefix}_{part}", TEXT, f"{label}: {part.replace('_', ' ')}")
            for prefix, label in (
                ("invoice", "invoice address"),
                ("visit", "visiting address"),
                ("delivery", "delivery address"),
            )
            for part in ("postal_code", "region", "country")
        ],
        # kept but possibly personal
        ("info", LONG, "info"),
        ("internal_info", LONG, "internal information"),
        ("anonymized_at", models.DateTimeField, "anonymized at"),
    ],
    CustomFieldValue: [("value", LONG, "value")],
    Document: [("file", FILE, "file"), ("title", TEXT, "title")],
    # A-1 on quotes, orders, deliveries, dropship, purchases: comments, terms, region and country
    **{
        model: [
            ("published_comment", LONG, "published comment"),
            ("terms", LONG, "terms"),
            ("internal_comment", LONG, "internal comment"),
            ("delivery_region", TEXT, "delivery region"),
            ("delivery_country", TEXT, "delivery country"),
        ]
        for model in (Quote, Order, Delivery, DropshipOrder, Purchase)
    },
    Activity: [("date", models.DateTimeField, "date"), ("kind", TEXT, "type"), ("user", FK, "user")],
    Invoice: [*FROZEN_COPY, ("customer_email", EMAIL, "e-mail"), ("paid", BOOL, "paid")],
    AgreementInvoice: [*FROZEN_COPY, ("agreement", FK, "agreement")],
    Receipt: FROZEN_COPY,
    ReminderFee: [("reminder", FK, "reminder"), ("amount", DECIMAL, "amount")],
}


def _rows(table):
    return [
        pytest.param(model, name, kind, meaning, id=f"{model.__name__}.{name}")
        for model, fields in table.items()
        for name, kind, meaning in fields
    ]


def _check(model, name, kind, meaning):
    field = model._meta.get_field(name)
    assert isinstance(field, kind), (
        f"{model.__name__}.{name} is a {type(field).__name__}, not a {kind.__name__}"
    )
    with translation.override("en"):
        verbose = str(field.verbose_name).lower()
    words = meaning.lower()
    assert words in verbose, f"{model.__name__}.{name} means {verbose!r}, not {meaning!r}"


@pytest.mark.parametrize(("model", "name", "kind", "meaning"), _rows(ANONYMIZED))
def test_spec4_every_field_the_anonymization_table_names_exists(model, name, kind, meaning):
    _check(model, name, kind, meaning)


@pytest.mark.parametrize(("model", "name", "kind", "meaning"), _rows(KEPT))
def test_a1_a2_a3_every_field_spec4_keeps_exists(model, name, kind, meaning):
    _check(model, name, kind, meaning)


@pytest.mark.parametrize(
    "model",
    [Invoice, AgreementInvoice, Receipt, PaymentReminder, ReminderFee, Order, Quote, Activity, Agreement],
)
def test_e1_linked_records_point_at_their_customer_with_protect(model):
    field = model._meta.get_field("customer")
    assert field.related_model is Customer
    assert field.remote_field.on_delete is models.PROTECT


@pytest.mark.parametrize("model", [Branch, CreditInfo, CustomFieldValue, Document])
def test_d1_what_is_only_the_customers_goes_with_it(model):
    assert model._meta.get_field("customer").remote_field.on_delete is models.CASCADE
