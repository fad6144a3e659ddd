"""Benchmark of the invoice and order lists (SPEC A-6), their searches and filters, and the erasure page
of one customer (E-1) on a big register.

    DATABASE_URL=sqlite:////path/to/kund.sqlite3 .venv/bin/python bench/records_bench.py [--repeat 30]

The database must be migrated and seeded (`kund seed_demo --customers N`). The lists page by position
(keyset, kund/core/paging.py); as the reference, the same page found with OFFSET at the same depth is
timed too, which is what numbered pages would cost. Requests go through Django's test Client, signed in
as a user with the view and erasure rights, after a few warm-up requests; the script prints p50 and p95
in milliseconds. It reads only (besides the benchmark user and its session).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def timed(client, path: str, params: dict, repeat: int) -> list[float]:
    for _ in range(3):
        client.get(path, params)
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, params)
        timings.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"HTTP {response.status_code} for {path} {params}")
    return timings


# Searches and filters of the lists (a search by customer is the customer list's search).
FILTERS = {
    "invoices": {
        "not paid": {"paid": "no"},
        "paid": {"paid": "yes"},
        "dated in a month": {"date_from": "2022-03-01", "date_to": "2022-03-31"},
        "search, customer's city": {"q": "Umeå"},
        "search, 3 letters of a name": {"q": "son"},
        "search, part of a name": {"q": "qvist"},
        "search, customer and not paid": {"q": "berg", "paid": "no"},
        "search, invoice number": {"q": "F-1042"},
    },
    "orders": {
        "not delivered": {"delivered": "no"},
        "delivered, not invoiced": {"delivered": "yes", "invoiced": "no"},
        "dated in a month": {"date_from": "2022-03-01", "date_to": "2022-03-31"},
        "search, e-mail domain": {"q": "spray.se"},
        "search, part of a name and not delivered": {"q": "lind", "delivered": "no"},
    },
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="requests per page type (after warm-up)")
    parser.add_argument("--depth", type=int, default=100_000, help="rows before the deep page")
    options = parser.parse_args()
    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to a seeded database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kund.settings.local")
    os.environ["KUND_ALLOWED_HOSTS"] = "testserver"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from kund.billing.models import Invoice
    from kund.core.paging import cursor_of
    from kund.customers.models import Customer
    from kund.privacy.planner import classify
    from kund.sales.models import Order

    user, _created = get_user_model().objects.get_or_create(username="records-bench")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_customer", "erase_customer"]))
    client = Client()
    client.force_login(user)

    pages: dict[str, tuple[str, dict]] = {}
    offsets: dict[str, tuple] = {}
    for label, model, url in (
        ("invoices", Invoice, reverse("billing:invoice_list")),
        ("orders", Order, reverse("sales:order_list")),
    ):
        rows = model.objects.count()
        depth = min(options.depth, max(rows - 1, 0))
        deep = model.objects.order_by("-date", "-number")[depth] if rows else None
        pages[f"{label}, first page"] = (url, {})
        for name, params in FILTERS[label].items():
            pages[f"{label}, {name}"] = (url, params)
        if deep is not None:
            pages[f"{label}, page at row {depth:,}"] = (url, {"before": cursor_of(deep)})
            offsets[f"{label}, OFFSET {depth:,} (reference)"] = (model, depth)
        print(f"{rows:,} {label}")
    invoice = Invoice.objects.order_by("-date", "-number").first()
    if invoice:
        pages["invoice page"] = (reverse("billing:invoice_detail", args=[invoice.pk]), {})
    # One customer of each action, among the first thousand (classify is one query for them all).
    firsts: dict[str, int] = {}
    for pk, action in classify(Customer.objects.filter(pk__lte=1000)).values_list("pk", "erasure_action"):
        firsts.setdefault(action, pk)
    for action, pk in sorted(firsts.items()):
        pages[f"erasure page, {action}"] = (reverse("privacy:customer_erasure", args=[pk]), {})

    print(f"{Customer.objects.count():,} customers on {connection.vendor}; {options.repeat} requests a page")
    print(f"{'page':50} {'p50 ms':>8} {'p95 ms':>8}")
    for name, (path, params) in pages.items():
        timings = timed(client, path, params, options.repeat)
        print(f"{name:50} {statistics.median(timings):8.1f} {percentile(timings, 0.95):8.1f}", flush=True)
    for name, (model, depth) in offsets.items():
        timings = []
        for _ in range(max(3, options.repeat // 5)):
            started = time.perf_counter()
            list(model.objects.select_related("customer").order_by("-date", "-number")[depth : depth + 51])
            timings.append((time.perf_counter() - started) * 1000)
        print(f"{name:50} {statistics.median(timings):8.1f} {percentile(timings, 0.95):8.1f}", flush=True)


if __name__ == "__main__":
    main()
