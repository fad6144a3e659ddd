"""Customers for the mass-erasure and selection tests: private persons and companies created on a chosen
day, with purchases (orders, invoices, receipts) on chosen days, built with the register's service; and
a fast bulk builder for the runs of thousands (the crash test); and the review lists read back."""

import csv
import io
import itertools
import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.utils import timezone

from kund.billing.models import Invoice, Receipt
from kund.core.models import RegisterSettings
from kund.customers.models import Customer
from kund.customers.services import allocate_customer_numbers, customer_create
from kund.sales.models import Order

_numbers = itertools.count(820_000)

FIRST_NAMES = ["Astrid", "Gunnar", "Karin", "Lars", "Maja", "Nils", "Sofia", "Oskar", "Elsa", "Erik"]
LAST_NAMES = ["Berg", "Holm", "Lund", "Nyström", "Sandberg", "Ek", "Wallin", "Forsberg", "Hedlund", "Ström"]


def moment(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def private(first: str = "Karin", last: str = "Holm", *, created: date, hour: int = 12, **data) -> Customer:
    slug = f"{first}.{last}".lower().replace("ö", "o").replace("å", "a").replace("ä", "a")
    fields = {
        "kind": Customer.Kind.PRIVATE,
        "first_name": first,
        "last_name": last,
        "email": f"{slug}@example.se",
        "phone": "08-612 34 56",
        "invoice_address1": "Hantverkargatan 5",
        "invoice_postal_code": "112 21",
        "invoice_city": "Stockholm",
        "created_at": moment(created, hour),
    }
    fields.update(data)
    return customer_create(actor=None, data=fields)


def company(name: str = "Rörfirma Holm AB", *, created: date) -> Customer:
    return customer_create(
        actor=None,
        data={
            "kind": Customer.Kind.COMPANY,
            "name": name,
            "organisation_number": "556677-8899",
            "email": "info@rorfirmaholm.example.se",
            "created_at": moment(created),
        },
    )


def order(customer: Customer, day: date, *, delivered: bool = True, invoiced: bool = True) -> Order:
    return Order.objects.create(
        customer=customer,
        number=next(_numbers),
        date=day,
        delivered=delivered,
        invoiced=invoiced,
        total=Decimal("2450.00"),
        invoice_name=customer.name,
    )


def invoice(customer: Customer, day: date, *, paid: bool = True) -> Invoice:
    return Invoice.objects.create(
        customer=customer,
        number=next(_numbers),
        date=day,
        due_date=day + timedelta(days=30),
        total=Decimal("2450.00"),
        paid=paid,
        customer_number=customer.number,
        customer_name=customer.name,
    )


def receipt(customer: Customer, day: date) -> Receipt:
    return Receipt.objects.create(
        customer=customer,
        number=next(_numbers),
        date=day,
        total=Decimal("189.00"),
        customer_number=customer.number,
        customer_name=customer.name,
    )


PURCHASES = {"order": order, "invoice": invoice, "receipt": receipt}


def user_with(username: str, *codenames: str):
    User = get_user_model()
    user = User.objects.create_user(username, f"{username}@kund.test", "pw")
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return User.objects.get(pk=user.pk)


def mass_eraser(username: str = "malin"):
    """A user with the mass-erasure right (M-6) and the view right, not an administrator."""
    return user_with(username, "mass_erase_customers", "view_customer")


def enable_crm(on: bool = True) -> None:
    settings = RegisterSettings.load()
    settings.crm_enabled = on
    settings.save(update_fields=["crm_enabled"])


def bulk_private_customers(count: int, *, seed: int = 7, first_day: date = date(2015, 1, 5)) -> list[int]:
    """`count` private customers created a day apart from `first_day`, in bulk: a third never purchased,
    the rest with a settled order, invoice and receipt (so they are anonymized), and every twentieth with
    an undelivered order as well (so it is blocked). Returns their ids, oldest first."""
    rng = random.Random(seed)
    numbers = allocate_customer_numbers(count)
    customers = []
    for i, number in enumerate(numbers):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        customers.append(
            Customer(
                number=number,
                kind=Customer.Kind.PRIVATE,
                first_name=first,
                last_name=last,
                name=f"{first} {last}",
                email=f"{first}.{last}.{i}@example.se".lower().replace("ö", "o"),
                phone=f"070-{i:07d}",
                invoice_address1=f"Storgatan {i % 90 + 1}",
                invoice_city="Göteborg",
                created_at=moment(first_day + timedelta(days=i // 4)),
            )
        )
    Customer.objects.bulk_create(customers, batch_size=1000)
    ids = list(
        Customer.objects.filter(number__in=numbers).order_by("created_at", "pk").values_list("pk", flat=True)
    )
    orders, invoices, receipts = [], [], []
    for i, pk in enumerate(ids):
        if i % 3 == 0:
            continue
        day = first_day + timedelta(days=i // 4 + 10)
        orders.append(Order(customer_id=pk, number=next(_numbers), date=day, delivered=True, invoiced=True))
        if i % 20 == 1:
            orders.append(
                Order(customer_id=pk, number=next(_numbers), date=day, delivered=False, invoiced=False)
            )
        invoices.append(
            Invoice(
                customer_id=pk,
                number=next(_numbers),
                date=day,
                due_date=day + timedelta(days=30),
                total=Decimal("990.00"),
                paid=True,
                customer_number="-",
                customer_name="-",
            )
        )
        receipts.append(
            Receipt(
                customer_id=pk,
                number=next(_numbers),
                date=day,
                total=Decimal("99.00"),
                customer_number="-",
                customer_name="-",
            )
        )
    Order.objects.bulk_create(orders, batch_size=1000)
    Invoice.objects.bulk_create(invoices, batch_size=1000)
    Receipt.objects.bulk_create(receipts, batch_size=1000)
    return ids


def read_list(source, delimiter: str = ",") -> list[dict]:
    """A review list (M-4, B-5) as the reader's spreadsheet reads it: a response, bytes or a file written
    by the command line, which must start with the byte-order mark every list Kund hands out has."""
    if hasattr(source, "read_bytes"):
        source = source.read_bytes()
    content = getattr(source, "content", source)
    if isinstance(content, str):
        content = content.encode("utf-8")
    assert content.startswith(b"\xef\xbb\xbf"), content[:40]
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))
