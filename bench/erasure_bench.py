"""Benchmark of the erasure engine (issue: plan, delete, anonymize — set-based).

Works on a copy of a seeded database, so the seeded file can be reused run after run:

    python bench/erasure_bench.py [--customers 1000000] [--source var/bench-1000000.sqlite3]
    python bench/erasure_bench.py --database-url postgres://… --customers 100000

Prints, each against its reference measured in the same run:
- planning every customer vs a hand-written raw-SQL classification of the same customers;
- anonymizing and deleting batches of 500 and of 100,000 customers, in customers per second, vs the
  naive way (per-customer exists() checks and per-object save()/delete()) on a sample;
- erasing one customer with 1,000 linked rows: p50 and p95 over 20 customers.
"""

import argparse
import os
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import bench_actor, naive_erase, reference_loop, seeded_source, start_django, timed  # noqa: E402

RAW_CLASSIFICATION = """
SELECT c.id,
  CASE
    WHEN c.anonymized_at IS NOT NULL THEN 'already_anonymized'
    WHEN EXISTS (SELECT 1 FROM sales_order o
                 WHERE o.customer_id = c.id AND (NOT o.delivered OR NOT o.invoiced))
      OR EXISTS (SELECT 1 FROM billing_invoice i WHERE i.customer_id = c.id AND NOT i.paid)
      OR EXISTS (SELECT 1 FROM billing_agreementinvoice ai WHERE ai.customer_id = c.id AND NOT ai.paid)
      OR EXISTS (SELECT 1 FROM crm_agreement a WHERE a.customer_id = c.id
                 AND (a.ended_on IS NULL OR a.ended_on >= %s))
      THEN 'blocked'
    WHEN EXISTS (SELECT 1 FROM sales_order o WHERE o.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM billing_invoice i WHERE i.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM billing_receipt r WHERE r.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM crm_activity x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM crm_agreement x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM billing_agreementinvoice x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM crm_project x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM crm_projectgroupmembership x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM crm_resellerlink x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM crm_emailmessage x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM sales_quote x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM sales_delivery x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM sales_dropshiporder x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM sales_tradeinvoice x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM billing_paymentreminder x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM billing_reminderfee x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM support_supportticket x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM service_installation x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM service_serviceorder x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM service_serviceprotocol x WHERE x.customer_id = c.id)
      OR EXISTS (SELECT 1 FROM service_faultreport x WHERE x.customer_id = c.id)
      THEN 'anonymize'
    ELSE 'delete'
  END
FROM customers_customer c
"""


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--customers", type=int, default=int(os.environ.get("KUND_BENCH_CUSTOMERS", 1_000_000))
    )
    parser.add_argument("--source", help="a seeded SQLite file to copy (made with seed_demo when missing)")
    parser.add_argument(
        "--database-url", help="benchmark on this database instead (PostgreSQL); seeded if empty"
    )
    parser.add_argument("--big-batch", type=int, default=100_000)
    parser.add_argument("--naive-sample", type=int, default=300)
    return parser.parse_args()


def main():
    args = parse_args()
    source = seeded_source(args)
    start_django(args, work=source.with_name(source.stem + "-work.sqlite3"))
    from django.db import connection
    from django.utils import timezone

    from kund.customers.models import Customer
    from kund.privacy.planner import Action, plan_customers

    actor = bench_actor()
    vendor = connection.vendor
    if not Customer.objects.exists():
        from kund.demo.seeder import seed_demo

        print(f"seeding {args.customers} customers", flush=True)
        seed_demo(customers=args.customers, seed=1)
    total = Customer.objects.count()
    print(f"== erasure benchmark on {vendor}, {total} customers")
    print(f"machine speed: reference loop {reference_loop():.2f} s (lower is faster)")

    # --- planning every customer vs raw SQL ----------------------------------------------------------
    today = timezone.localdate()

    def raw():
        with connection.cursor() as cursor:
            cursor.execute(RAW_CLASSIFICATION, [today])
            return dict(cursor.fetchall())

    raw_time, raw_actions = timed(raw)
    plan_time, plans = timed(lambda: plan_customers(Customer.objects.all(), detail=False))
    assert {pk: str(p.action) for pk, p in plans.items()} == raw_actions, "the planner and raw SQL disagree"
    by_action = {a.value: sum(1 for p in plans.values() if p.action == a) for a in Action}
    print(
        f"plan all customers: {plan_time:.2f} s; raw-SQL classification {raw_time:.2f} s; "
        f"ratio {plan_time / raw_time:.2f} (target <= 2.0); {by_action}"
    )

    ids = {
        a: [p.customer_id for p in plans.values() if p.action == a] for a in (Action.DELETE, Action.ANONYMIZE)
    }
    del plans, raw_actions
    rates = {}
    for action in (Action.ANONYMIZE, Action.DELETE):
        pool = ids[action]
        naive_ids, pool = pool[: args.naive_sample], pool[args.naive_sample :]
        naive_time, _ = timed(lambda ids=naive_ids, a=action: [naive_erase(pk, actor, only=a) for pk in ids])
        naive_rate = len(naive_ids) / naive_time
        for size in (500, args.big_batch):
            if len(pool) < size:
                print(f"{action.value} batch of {size}: only {len(pool)} customers left; skipped")
                continue
            batch, pool = pool[:size], pool[size:]
            elapsed, result = timed(lambda batch=batch, a=action: erase(batch, actor, a))
            rate = len(batch) / elapsed
            rates[(action, size)] = (elapsed, rate)
            print(
                f"{action.value} {size} customers: {elapsed:.2f} s, {rate:,.0f} customers/s; naive way "
                f"{naive_rate:,.0f} customers/s (sample of {len(naive_ids)}); "
                f"ratio {rate / naive_rate:.1f}x; "
                f"{result.counts()}"
            )
    big = args.big_batch
    if (Action.ANONYMIZE, big) in rates and (Action.DELETE, big) in rates:
        a_time, d_time = rates[(Action.ANONYMIZE, big)][0], rates[(Action.DELETE, big)][0]
        print(
            f"anonymize {big}: {a_time:.2f} s (target <= 20 s on SQLite); delete/anonymize time ratio "
            f"{d_time / a_time:.2f} (target <= 2.0)"
        )

    # --- one customer with 1,000 linked rows ------------------------------------------------------
    times = []
    for _ in range(20):
        customer = heavy_customer(actor)
        elapsed, result = timed(lambda c=customer: erase([c.pk], actor, Action.ANONYMIZE))
        assert len(result.anonymized) == 1
        times.append(elapsed * 1000)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"one customer with 1,000 linked rows: p50 {statistics.median(times):.1f} ms, "
        f"p95 {p95:.1f} ms (target < 50 ms)"
    )
    print(f"machine speed at the end: reference loop {reference_loop():.2f} s")


def erase(ids, actor, action):
    from kund.privacy.services import erase_customers

    return erase_customers(customer_ids=ids, actor=actor, allowed=(action,))


def heavy_customer(actor):
    """A settled customer with 1,000 linked rows: orders, invoices, activities and e-mails."""
    from datetime import date, datetime
    from decimal import Decimal

    from django.utils import timezone

    from kund.billing.models import Invoice
    from kund.crm.models import Activity, EmailMessage
    from kund.customers.services import customer_create
    from kund.sales.models import Order

    customer = customer_create(
        actor=actor, data={"first_name": "Tung", "last_name": "Kund", "email": "tung.kund@example.se"}
    )
    start = (Order.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    day = date(2020, 1, 1)
    when = timezone.make_aware(datetime(2020, 1, 1))
    Order.objects.bulk_create(
        Order(
            customer=customer,
            number=start + i,
            date=day,
            delivered=True,
            invoiced=True,
            invoice_name="Tung Kund",
            delivery_name="Tung Kund",
        )
        for i in range(250)
    )
    first_invoice = (Invoice.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    Invoice.objects.bulk_create(
        Invoice(
            customer=customer,
            number=first_invoice + i,
            date=day,
            due_date=day,
            total=Decimal(100),
            paid=True,
            customer_number=customer.number,
            customer_name="Tung Kund",
        )
        for i in range(250)
    )
    first_activity = (Activity.objects.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    Activity.objects.bulk_create(
        Activity(
            customer=customer,
            number=first_activity + i,
            kind="call",
            date=when,
            subject="Samtal med Tung Kund",
            contact_name="Tung Kund",
        )
        for i in range(250)
    )
    EmailMessage.objects.bulk_create(
        EmailMessage(
            customer=customer,
            document_kind="invoice",
            sent_at=when,
            name="Tung Kund",
            email="tung.kund@example.se",
            subject="Faktura",
        )
        for _ in range(250)
    )
    return customer


if __name__ == "__main__":
    main()
