"""Benchmark of the customer list and search pages (SPEC R-2) on a big register. Target: p95 under 150 ms
per page type on SQLite with 1,000,000 customers, 50 ms for a search by phone, identity or customer
number.

    DATABASE_URL=sqlite:////path/to/kund.sqlite3 .venv/bin/python bench/list_bench.py [--repeat 40]
        [--pad-to 1000000]

The database must be migrated and seeded (`kund seed_demo --customers N`). --pad-to copies the seeded
customers (with new numbers, without their linked records) until the table holds that many rows: the list
and search read the customer table only, so copies measure them as well as a full seed would, in a
fraction of the time. DEBUG is off as in production (templates cached, queries not logged). Each page
type is requested through Django's test Client, signed in as a user with the view right, with a few
warm-up requests first; the script prints p50 and p95 in milliseconds.
"""

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def pad(target: int) -> None:
    """Copy existing customers, numbered "<number>-<copy>", until the table holds `target` rows."""
    from django.db import connection, transaction

    from kund.customers.models import Customer

    columns = [
        f.column for f in Customer._meta.concrete_fields if not f.generated and f.name not in {"id", "number"}
    ]
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    table = Customer._meta.db_table
    seeded = Customer.objects.count()
    copy = 1
    while (count := Customer.objects.count()) < target:
        wanted = min(seeded, target - count)
        started = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (number, {names}) "
                f"SELECT number || '-{copy}', {names} FROM {table} "
                f"WHERE number NOT LIKE '%-%' ORDER BY id LIMIT {wanted}"
            )
        print(f"padded {wanted:,} copies (round {copy}) in {time.perf_counter() - started:.1f} s", flush=True)
        copy += 1
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=40, help="requests per page type (after warm-up)")
    parser.add_argument("--pad-to", type=int, default=0, help="copy customers until the table has this many")
    parser.add_argument("--seed", type=int, default=2026)
    options = parser.parse_args()

    if not os.environ.get("DATABASE_URL"):
        parser.error("set DATABASE_URL to a seeded database")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kund.settings.local")
    os.environ["KUND_ALLOWED_HOSTS"] = "testserver"
    # As in production: DEBUG off, so templates are parsed once (cached loader) and queries not logged.
    os.environ.setdefault("KUND_DEBUG", "0")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.test import Client
    from django.urls import reverse

    from kund.customers.models import Customer, CustomerGroup

    if options.pad_to:
        pad(options.pad_to)

    total = Customer.objects.count()
    rng = random.Random(options.seed)
    user, _created = get_user_model().objects.get_or_create(username="list-bench")
    user.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client = Client()
    client.force_login(user)

    # Real values to search for: a sample of customers spread over the table.
    top = Customer.objects.order_by("-id").values_list("id", flat=True).first() or 0
    sample = list(
        Customer.objects.not_anonymized()
        .filter(id__in=[rng.randint(1, top) for _ in range(400)])
        .values(
            "id",
            "number",
            "name",
            "last_name",
            "email",
            "contact_person",
            "invoice_city",
            "invoice_address1",
            "phone",
            "mobile",
            "organisation_number",
            "kind",
        )
    )
    if not sample:
        parser.error("the database holds no customers: seed it first")
    group = CustomerGroup.objects.order_by("?").first()
    url = reverse("customers:list")

    def pick(key: str, length: int | None = None) -> str:
        values = [row[key] for row in sample if row[key]]
        value = rng.choice(values)
        return value[:length] if length else value

    def inside(key: str, length: int) -> str:
        """A piece from the middle of a value: what a substring search is for ("qvist")."""
        values = [row[key] for row in sample if len(row[key] or "") > length + 1]
        value = rng.choice(values)
        start = rng.randint(1, len(value) - length)
        return value[start : start + length]

    def phone_otherwise() -> str:
        """A stored phone number written the other way: 090-761 11 99 as +46 90 761 11 99."""
        number = "".join(ch for ch in pick("phone") if ch.isdigit())
        return f"+46 {number[1:3]} {number[3:6]} {number[6:]}"

    def personal_number_without_century() -> str:
        values = [row["organisation_number"] for row in sample if row["kind"] == "private"]
        return rng.choice([v for v in values if len(v) == 13])[2:]

    def street() -> str:
        return pick("invoice_address1").split()[0]

    pages = {
        "list, first page": lambda: (url, {}),
        "list, page 40": lambda: (url, {"page": 40}),
        "list, sorted by name": lambda: (url, {"sort": "name"}),
        "list, newest first": lambda: (url, {"sort": "-created"}),
        "list, detailed view": lambda: (url, {"view": "detailed"}),
        "search, 2 letters": lambda: (url, {"q": pick("name", 2)}),
        "search, name prefix (4)": lambda: (url, {"q": pick("name", 4)}),
        "search, whole last name": lambda: (url, {"q": pick("last_name")}),
        "search, contact person": lambda: (url, {"q": pick("contact_person", 5)}),
        "search, whole e-mail": lambda: (url, {"q": pick("email")}),
        "search, no match": lambda: (url, {"q": f"qzx{rng.randint(0, 999)}"}),
        "search, 3 letters inside a name": lambda: (url, {"q": inside("last_name", 3)}),
        "search, 5 letters inside a name": lambda: (url, {"q": inside("name", 5)}),
        "search, e-mail domain": lambda: (url, {"q": pick("email").split("@")[-1]}),
        "search, city": lambda: (url, {"q": pick("invoice_city")}),
        "search, street": lambda: (url, {"q": street()}),
        "search, name and city": lambda: (url, {"q": f"{pick('last_name')} {pick('invoice_city')}"}),
        "search, phone written otherwise": lambda: (url, {"q": phone_otherwise()}),
        "search, personal number (10)": lambda: (url, {"q": personal_number_without_century()}),
        "search, customer number": lambda: (url, {"q": pick("number")}),
        "search + sort by name": lambda: (url, {"q": pick("name", 3), "sort": "name"}),
        "filter, companies inactive": lambda: (url, {"kind": "company", "status": "inactive"}),
        "filter, group": lambda: (url, {"group": group.pk if group else ""}),
        "filter, created in a month": lambda: (
            url,
            {"created_from": "2022-03-01", "created_to": "2022-03-31"},
        ),
        "filter, country NO": lambda: (url, {"country": "NO"}),
        "card": lambda: (reverse("customers:detail", args=[rng.choice(sample)["number"]]), {}),
    }

    # Targets: 150 ms a page; a search by phone, identity or customer number 50 ms.
    fast = {"search, phone written otherwise", "search, personal number (10)", "search, customer number"}
    print(f"{total:,} customers; {options.repeat} requests a page type after 3 warm-up requests")
    print(f"{'page':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'target':>7}")
    worst = 0.0
    over = []
    for name, request in pages.items():
        for _ in range(3):
            client.get(*request())
        timings = []
        for _ in range(options.repeat):
            path, params = request()
            started = time.perf_counter()
            response = client.get(path, params)
            timings.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise SystemExit(f"{name}: HTTP {response.status_code} for {path} {params}")
        p95 = percentile(timings, 0.95)
        worst = max(worst, p95)
        target = 50 if name in fast else 150
        if p95 > target:
            over.append(name)
        print(
            f"{name:34} {statistics.median(timings):8.1f} {p95:8.1f} {max(timings):8.1f} {target:7}",
            flush=True,
        )
    print(f"worst p95: {worst:.1f} ms; over the target: {', '.join(over) or 'none'}")


if __name__ == "__main__":
    main()
