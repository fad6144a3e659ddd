"""Benchmark of the start page's dashboard (SPEC B-11) on a big register. Target: p95 at most 300 ms with
1,000,000 customers.

    .venv/bin/python bench/dashboard_bench.py --database-url sqlite:////path/to/kund.sqlite3 [--repeat 40]
        [--requests 300]

The database must be migrated and seeded (`kund seed_demo --customers N`; list_bench.py's --pad-to makes
a seeded register bigger in a fraction of the time). The script adds what the dashboard shows and a seed
may lack — data-subject requests without a customer, spread over the last months so some are overdue and
some due soon, until there are --requests of them — and a superuser to sign in as. DEBUG is off as in
production. The page is requested through Django's test Client after a few warm-up requests; the script
prints p50, p95 and the maximum of the whole page, the time of each of its figures alone, and the page's
number of queries.
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGET_MS = 300


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def add_requests(wanted: int, actor) -> int:
    """Requests without a customer, received over the last 60 days, until there are `wanted`."""
    from django.utils import timezone

    from kund.requests.deadlines import deadline_for
    from kund.requests.models import DataRequest

    have = DataRequest.objects.count()
    today = timezone.localdate()
    rows = []
    for i in range(have, wanted):
        received = today - timedelta(days=i % 60)
        rows.append(
            DataRequest(
                kind=DataRequest.Kind.ERASURE if i % 3 else DataRequest.Kind.ACCESS,
                contact=f"Bench request {i}",
                received_on=received,
                deadline=deadline_for(received),
                responsible=actor,
                created_by=actor,
            )
        )
    DataRequest.objects.bulk_create(rows, batch_size=1000)
    return len(rows)


def timed(function, repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="the seeded register (default: $DATABASE_URL)")
    parser.add_argument("--repeat", type=int, default=40, help="requests of the page (after warm-up)")
    parser.add_argument("--requests", type=int, default=300, help="data-subject requests to have")
    options = parser.parse_args()

    url = options.database_url or os.environ.get("DATABASE_URL")
    if not url:
        parser.error("give --database-url (or set DATABASE_URL) to a seeded database")
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kund.settings.local")
    os.environ["KUND_ALLOWED_HOSTS"] = "testserver"
    # As in production: DEBUG off, so templates are parsed once (cached loader) and queries not logged.
    os.environ["KUND_DEBUG"] = "0"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from kund.customers.models import Customer
    from kund.dashboard import selectors

    total = Customer.objects.count()
    if not total:
        parser.error("the database holds no customers: seed it first")
    user = get_user_model().objects.filter(username="dashboard-bench").first()
    if user is None:
        user = get_user_model().objects.create_superuser("dashboard-bench", "bench@kund.test", None)
    added = add_requests(options.requests, user)
    client = Client()
    client.force_login(user)
    home = reverse("home")

    def page() -> None:
        response = client.get(home)
        if response.status_code != 200:
            raise SystemExit(f"HTTP {response.status_code} for the dashboard")

    for _ in range(3):
        page()
    with CaptureQueriesContext(connection) as queries:
        page()

    print(
        f"{connection.vendor}, {total:,} customers, {options.requests} requests ({added} added); "
        f"{options.repeat} requests of the page after 4 warm-up requests; {len(queries)} queries a page"
    )
    print(f"{'what':34} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    parts = {
        "the whole page": page,
        "  customers by kind and status": lambda: selectors.customers_by_kind_and_status(user),
        "  erasures per month": lambda: selectors.erasures_per_month(),
        "  requests due": lambda: selectors.requests_due(user),
    }
    p95_page = 0.0
    for name, function in parts.items():
        timings = timed(function, options.repeat)
        p95 = percentile(timings, 0.95)
        if name == "the whole page":
            p95_page = p95
        print(f"{name:34} {statistics.median(timings):8.1f} {p95:8.1f} {max(timings):8.1f}", flush=True)
    within = p95_page <= TARGET_MS
    print(f"dashboard p95: {p95_page:.1f} ms ({'within' if within else 'OVER'} the {TARGET_MS} ms target)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
