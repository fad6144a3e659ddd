"""Writing sales records. An order is created only through order_create, which applies the register's
rules: an inactive (SPEC R-5), deceased or anonymized (A-4) customer or a prospect cannot be chosen, and
the order is assigned to the customer's responsible user (R-6), who is notified of it (seed 004) and, when
the register says so, put in the order's "our reference"."""

import datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from kund.core.models import RegisterSettings
from kund.customers.models import Customer, Notification
from kund.customers.services import ensure_customer_accepts, notify_responsible
from kund.sales.models import Order

ORDER_FIELDS = frozenset(
    f.name for f in Order._meta.concrete_fields if f.name not in {"id", "number", "customer", "responsible"}
)


def _customer_addresses(customer: Customer) -> dict:
    return {
        "invoice_name": customer.invoice_company_name or customer.name,
        "invoice_attention": customer.invoice_attention,
        "invoice_address": customer.invoice_address1,
        "invoice_postal_code": customer.invoice_postal_code,
        "invoice_city": customer.invoice_city,
        "invoice_region": customer.invoice_region,
        "invoice_country": customer.invoice_country,
        "delivery_name": customer.delivery_company_name or customer.name,
        "delivery_address": customer.delivery_address1 or customer.invoice_address1,
        "delivery_postal_code": customer.delivery_postal_code or customer.invoice_postal_code,
        "delivery_city": customer.delivery_city or customer.invoice_city,
        "delivery_region": customer.delivery_region or customer.invoice_region,
        "delivery_country": customer.delivery_country or customer.invoice_country,
    }


def order_create(*, customer: Customer, actor, data: dict | None = None) -> Order:
    """A new order for the customer, numbered after the highest so far, with the customer's addresses
    unless `data` gives others, and assigned to the customer's responsible user (R-6)."""
    data = dict(data or {})
    unknown = set(data) - ORDER_FIELDS
    if unknown:
        raise ValueError(f"not settable: {sorted(unknown)}")
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return _order_create(customer=customer, actor=actor, data=data)
        except IntegrityError:  # a concurrent order took the number; draw again
            continue
    raise ValidationError(_("Could not allocate an order number; try again."))


def _order_create(*, customer: Customer, actor, data: dict) -> Order:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    ensure_customer_accepts(customer, kind=Order._meta.label)
    number = (Order.objects.aggregate(top=Max("number"))["top"] or 0) + 1
    order = Order(
        customer=customer,
        number=number,
        responsible_id=customer.responsible_id,
        date=data.pop("date", None) or datetime.date.today(),
        **{**_customer_addresses(customer), **_our_reference(customer), **data},
    )
    order.full_clean(exclude=["number"], validate_unique=False)
    order.save()
    notify_responsible(customer=customer, actor=actor, verb=Notification.Verb.NEW_ORDER, record_ref=order.ref)
    return order


def _our_reference(customer: Customer) -> dict:
    """Seed 004's "Lägg tilldelad i vår referens": with the register setting on, the responsible user is
    the order's "our reference" (their full name, else their username)."""
    if customer.responsible_id is None or not RegisterSettings.load().assigned_as_our_reference:
        return {}
    responsible = customer.responsible
    return {"our_reference": (responsible.get_full_name() or responsible.get_username())[:200]}
