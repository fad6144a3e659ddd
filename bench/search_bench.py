"""Benchmark of keeping the search index in step with the erasure engine (SPEC A-7, kund.customers.search).

Works on a copy of a seeded database, like the erasure benchmark:

    python bench/search_bench.py [--customers 1000000] [--source var/bench-1000000.sqlite3] [--batch 100000]
    python bench/search_bench.py --database-url postgres://… --batch 20000

Anonymizes customers with the erasure engine in batches, in turns: half with the search index kept in
step (SQLite: the FTS5 triggers; PostgreSQL: the pg_trgm GIN index), half without it (the triggers or
the GIN index dropped for the batch), ten rounds of each (KUND_BENCH_SEARCH_ROUNDS) with customers of
the same kind, and prints both total times and the extra share (target: at most 10 %). Then the
background merge of the SQLite index that takes the erased trigrams out of the file, which the erasure
itself does not wait for. On a shared machine the rounds vary by tens of percent: the totals over the
rounds are what to read.
"""

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import bench_actor, reference_loop, seeded_source, start_django, timed  # noqa: E402

ROUNDS = int(os.environ.get("KUND_BENCH_SEARCH_ROUNDS", 10))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--customers", type=int, default=int(os.environ.get("KUND_BENCH_CUSTOMERS", 1_000_000))
    )
    parser.add_argument("--source", help="a seeded SQLite file to copy (made with seed_demo when missing)")
    parser.add_argument("--database-url", help="benchmark on this database instead (PostgreSQL)")
    parser.add_argument("--batch", type=int, default=100_000, help="customers anonymized with the index")
    return parser.parse_args()


def main():
    args = parse_args()
    source = seeded_source(args)
    start_django(args, work=source.with_name(source.stem + "-search.sqlite3"))
    from django.db import connection

    from kund.customers import search
    from kund.customers.models import Customer
    from kund.privacy.planner import Action, plan_customers
    from kund.privacy.services import erase_customers

    actor = bench_actor()
    total = Customer.objects.count()
    print(f"== search index benchmark on {connection.vendor}, {total:,} customers")
    print(f"machine speed: reference loop {reference_loop():.2f} s (lower is faster)")
    plans = plan_customers(Customer.objects.all(), detail=False)
    pool = sorted(p.customer_id for p in plans.values() if p.action == Action.ANONYMIZE)
    part = min(args.batch // ROUNDS, len(pool) // (2 * ROUNDS + 1))
    size = part * ROUNDS
    if part < 1000:
        raise SystemExit(f"only {len(pool)} customers can be anonymized; seed a bigger register")
    # Customers of the same kind for both: every other slice of the pool, alternating; one to warm up.
    slices = [pool[i * part : (i + 1) * part] for i in range(2 * ROUNDS + 1)]
    warm_up, with_index, without_index = slices[-1], slices[0:-1:2], slices[1:-1:2]

    def anonymize(ids):
        result = erase_customers(customer_ids=ids, actor=actor, allowed=(Action.ANONYMIZE,))
        assert len(result.anonymized) == len(ids), result.counts()

    def without(ids):
        """Anonymize with the index not kept in step, and time only that. SQLite: the triggers are
        dropped for the batch, the batch's entries taken out of the index before and put back after it
        (untimed), so the index stays whole. PostgreSQL: the GIN index is dropped and built again."""
        table = search.FTS_TABLE
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                in_batch = f"FROM {Customer._meta.db_table} WHERE id IN ({','.join(map(str, ids))})"
                entries = f"SELECT 'delete', id, search_text {in_batch}"
                cursor.execute(f"INSERT INTO {table} ({table}, rowid, search_text) {entries}")
                for name in search.SQLITE_TRIGGERS:
                    cursor.execute(f"DROP TRIGGER {name}")
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            else:
                search.drop_search_index()
        try:
            return timed(lambda: anonymize(ids))[0]
        finally:
            with connection.cursor() as cursor:
                if connection.vendor == "sqlite":
                    for statement in search.SQLITE_TRIGGERS.values():
                        cursor.execute(statement)
                    cursor.execute(
                        f"INSERT INTO {table} (rowid, search_text) SELECT id, search_text {in_batch}"
                    )
                    cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                else:
                    search.ensure_search_index()

    def kept_in_step(ids):
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return timed(lambda: anonymize(ids))[0]

    kept, dropped = 0.0, 0.0
    anonymize(warm_up)  # not timed: the first erasure of a process finds every cache cold
    # The background merge is not part of the erasure: keep it out of the timing (it runs below).
    from kund.privacy import services

    real_compact = services.compact_after_erasure
    services.compact_after_erasure = lambda *a, **k: None
    try:
        for round_number in range(ROUNDS):
            # Turn about which goes first, so neither always finds the caches as the other left them.
            if round_number % 2:
                elapsed_without = without(without_index[round_number])
                elapsed_with = kept_in_step(with_index[round_number])
            else:
                elapsed_with = kept_in_step(with_index[round_number])
                elapsed_without = without(without_index[round_number])
            kept += elapsed_with
            dropped += elapsed_without
            print(
                f"round {round_number + 1}: {part:,} customers anonymized with the index kept in step "
                f"{elapsed_with:.2f} s, without the index {elapsed_without:.2f} s",
                flush=True,
            )
    finally:
        services.compact_after_erasure = real_compact
    extra = (kept - dropped) / dropped * 100
    print(
        f"anonymize {size:,} customers: with the search index kept in step {kept:.2f} s, without it "
        f"{dropped:.2f} s: {extra:+.1f} % (target <= 10 %)"
    )
    if connection.vendor == "sqlite":
        elapsed, steps = timed(search.compact_search_index)
        print(
            f"background merge of the search index after the erasures (takes the erased trigrams out of "
            f"the file; the erasure does not wait for it): {elapsed:.2f} s in {steps} steps"
        )
    print(f"machine speed at the end: reference loop {reference_loop():.2f} s")


if __name__ == "__main__":
    main()
