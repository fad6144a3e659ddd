"""Benchmark of the residue scan and redaction (SPEC B-5): anonymizing customers with it against without
it, in the same run on the same register, and the scan's false positives on the demo data's free text
that names no one.

Works on a copy of a seeded SQLite database (by default var/bench-N.sqlite3, the one `make bench`
shares, seeded once with `kund seed_demo` when missing), or on the PostgreSQL database given by
--database-url:

    python bench/residue_bench.py [--customers 1000000] [--source FILE] [--run 100000]
    python bench/residue_bench.py --customers 20000 --run 5000

The customers the engine would anonymize are dealt at random into two groups of --run customers (fewer
when the register has fewer: half of those it can anonymize each). Both are anonymized by the engine
(kund.privacy.services.erase_customers) in alternating parts — without, with, without, with, … — so
that both meet the database in the same states on average; "without" is the engine with its residue
step (kund.privacy.residue.redact_chunk) switched off. Prints both times, the ratio (target: at most 1.5×),
what the redaction took out, and the false-positive rate: of the kept free text rows that hold only the
demo data's non-personal text (its pools, with look-alikes such as order and article numbers, amounts,
dates, postal codes), the share in which the scan finds anything (target: 0).

The stored files are left where they are (their removal after commit is switched off in this process):
the copied register shares the seeded one's files, which later runs need.
"""

import argparse
import os
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import (  # noqa: E402
    bench_actor,
    reference_loop,
    seed_if_empty,
    seeded_source,
    start_django,
    temporary_work,
    timed,
)

# Each group is anonymized in this many parts (--parts), alternating without and with the residue step,
# so that both meet the database, and the machine's load, in the same states on average.
PARTS = 4


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--customers",
        type=int,
        default=int(os.environ.get("KUND_BENCH_CUSTOMERS", 1_000_000)),
        help="size of the register to seed (default: KUND_BENCH_CUSTOMERS or 1,000,000)",
    )
    parser.add_argument("--source", help="a seeded SQLite file to copy")
    parser.add_argument("--database-url", help="benchmark on this database (PostgreSQL); seeded if empty")
    parser.add_argument(
        "--run",
        type=int,
        default=int(os.environ.get("KUND_BENCH_RESIDUE_RUN", 100_000)),
        help="customers anonymized with the residue step, and as many without (default 100,000)",
    )
    parser.add_argument("--parts", type=int, default=PARTS, help="alternating parts of each group")
    return parser.parse_args()


def main():
    args = parse_args()
    start_django(args, work=temporary_work(seeded_source(args), "residue"))
    from django.core.files.storage import default_storage
    from django.db import connection
    from django.db.models import Max, Q

    from kund.audit.models import ErasureLogEntry
    from kund.customers.models import Customer
    from kund.privacy import residue
    from kund.privacy.planner import Action, plan_customers
    from kund.privacy.services import erase_customers

    seed_if_empty(args)
    actor = bench_actor()
    default_storage.delete = lambda name: None  # the seeded register's files stay for the next run

    total = Customer.objects.count()
    print(f"== residue benchmark (B-5) on {connection.vendor}, {total:,} customers")
    print(f"machine speed: reference loop {reference_loop():.2f} s (lower is faster)")

    # --- the customers to anonymize, dealt into two groups ---------------------------------------------
    plan_time, plans = timed(lambda: plan_customers(Customer.objects.all(), detail=False))
    anonymizable = sorted(pk for pk, plan in plans.items() if plan.action == Action.ANONYMIZE)
    run = min(args.run, len(anonymizable) // 2)
    print(
        f"planned every customer in {plan_time:.2f} s: {len(anonymizable):,} to anonymize; {run:,} per group"
    )
    dealt = list(anonymizable)
    random.Random(1).shuffle(dealt)
    with_ids, without_ids = sorted(dealt[:run]), sorted(dealt[run : 2 * run])

    # --- false positives: the demo data's free text that names no one -----------------------------------
    fp_time, (rows, false, samples) = timed(lambda: false_positives(with_ids + without_ids))
    print(
        f"false positives: {false:,} of {rows:,} kept text rows holding only non-personal demo text "
        f"(customers of both groups, {min(FP_SAMPLE, 2 * run):,} at most) "
        f"({false / max(rows, 1):.4%}; target 0) — scanned in {fp_time:.2f} s"
        + (f"; e.g. {samples}" if samples else "")
    )

    # --- anonymizing, without and with the residue step, in alternating parts -----------------------------
    # As a fresh worker: the scan has not yet learnt which kept texts repeat (residue._FREQUENT).
    residue._FREQUENT.clear()
    redact_chunk = residue.redact_chunk

    def without(ids):
        residue.redact_chunk = lambda *a, **k: {}
        try:
            return timed(lambda: erase_customers(customer_ids=ids, actor=actor))
        finally:
            residue.redact_chunk = redact_chunk

    def with_residue(ids):
        return timed(lambda: erase_customers(customer_ids=ids, actor=actor))

    def last_logged() -> int:
        return ErasureLogEntry.objects.aggregate(last=Max("sequence"))["last"] or 0

    times = {"without": 0.0, "with": 0.0}
    done = {"without": 0, "with": 0}
    logged_with = Q(pk__in=[])  # the erasure log rows of the runs with the residue step
    pairs = []  # each part's ratio: how much the machine's load moved the figures
    parts = max(1, args.parts)
    for part in range(parts):
        pair = {}
        for label, step, group in (("without", without, without_ids), ("with", with_residue, with_ids)):
            ids = group[part * len(group) // parts : (part + 1) * len(group) // parts]
            before = last_logged()
            seconds, result = step(ids)
            pair[label] = seconds
            times[label] += seconds
            done[label] += len(result.anonymized)
            assert not result.failed, f"{len(result.failed)} customers failed"
            if label == "with":
                logged_with |= Q(sequence__gt=before, sequence__lte=last_logged())
        pairs.append(pair["with"] / pair["without"])

    redacted: dict[str, int] = {}
    customers_with = 0
    for counts in ErasureLogEntry.objects.filter(logged_with).values_list("counts", flat=True).iterator():
        found = {
            key.removeprefix(residue.COUNTS_PREFIX): n
            for key, n in counts.items()
            if key.startswith(residue.COUNTS_PREFIX)
        }
        customers_with += bool(found)
        for label, n in found.items():
            redacted[label] = redacted.get(label, 0) + n
    ratio = times["with"] / times["without"]
    print(
        f"anonymize without the residue step: {done['without']:,} customers in {times['without']:.2f} s "
        f"= {done['without'] / times['without']:,.0f} customers/s"
    )
    print(
        f"anonymize with the residue step:    {done['with']:,} customers in {times['with']:.2f} s "
        f"= {done['with'] / times['with']:,.0f} customers/s; redacted in {customers_with:,} customers: "
        + ", ".join(f"{label} {n:,}" for label, n in sorted(redacted.items()))
        + " (rows; documents: deleted)"
    )
    print(
        f"with / without: {ratio:.2f}x (target <= 1.5x); by part, in {parts} alternating parts: "
        + ", ".join(f"{r:.2f}x" for r in pairs)
    )


FP_SAMPLE = 20_000  # customers whose kept text the false-positive rate is measured on, at most


def false_positives(customer_ids: list[int]) -> tuple[int, int, list[str]]:
    """Of the kept text rows of these customers (a sample of FP_SAMPLE at most) that hold only the demo
    data's non-personal text (the seeder's pools, look-alikes included), how many the residue scan finds
    anything in — scanned as the engine scans them, with each customer's own details — and a few of the
    texts it took."""
    from django.db import transaction

    from kund.demo import seeder
    from kund.privacy import residue, scope

    pools = {
        *seeder.CUSTOMER_INFO,
        *seeder.CUSTOMER_INTERNAL_INFO,
        *seeder.PUBLISHED_COMMENTS,
        *seeder.INTERNAL_COMMENTS,
        *seeder.TERMS_PRIVATE,
        *seeder.TERMS_COMPANY,
    }
    sample = sorted(random.Random(2).sample(customer_ids, min(FP_SAMPLE, len(customer_ids))))
    found = {
        (f.model, f.row_id, f.field) for findings in residue.scan_in_chunks(sample).values() for f in findings
    }
    rows = false = 0
    taken: set[str] = set()
    for start in range(0, len(sample), residue.SCAN_CHUNK):
        with transaction.atomic():
            scope.fill(sample[start : start + residue.SCAN_CHUNK])
            for source in residue.sources():
                fields = source.text_fields
                if not fields:
                    continue
                for pk, *texts in source.rows(scope.ids()).values_list("pk", *fields):
                    for name, text in zip(fields, texts, strict=True):
                        if text in pools:
                            rows += 1
                            if (source.table.model, pk, name) in found:
                                false += 1
                                taken.add(text)
    return rows, false, sorted(taken)[:3]


if __name__ == "__main__":
    main()
