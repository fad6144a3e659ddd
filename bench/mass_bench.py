"""Benchmark of mass erasure (SPEC §5): a background job over 100,000 customers of a 1,000,000-customer
register, against the bare batch executor and the naive per-object way, all measured in the same run.

Works on a copy of a seeded SQLite database (by default var/bench-1000000.sqlite3, the one `make bench`
shares, seeded once with `kund seed_demo` when missing), or on the PostgreSQL database given by
--database-url:

    python bench/mass_bench.py [--source FILE] [--run 100000] [--bare 20000] [--naive-sample 400]
    python bench/mass_bench.py --database-url postgres://… --customers 100000 --run 20000

The customers selected by the criteria (oldest first) are dealt at random into three groups with the same
mix of cases: the job's run, the bare executor's, and the naive sample. Prints customers per second for
each, the job against the naive way (target: at least 40×) and what the job machinery — progress rows,
per-customer outcomes and all — costs over the bare executor (target: at most 25 %).
"""

import argparse
import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import (  # noqa: E402
    bench_actor,
    naive_erase,
    reference_loop,
    seed_if_empty,
    seeded_source,
    start_django,
    temporary_work,
    timed,
)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000, help="size of the register to seed")
    parser.add_argument("--source", help="a seeded SQLite file to copy")
    parser.add_argument("--database-url", help="benchmark on this database (PostgreSQL); seeded if empty")
    parser.add_argument("--run", type=int, default=100_000, help="customers in the job's run")
    parser.add_argument("--bare", type=int, default=20_000, help="customers for the bare executor")
    parser.add_argument("--naive-sample", type=int, default=400, help="customers for the naive way")
    parser.add_argument("--criteria", default="both")
    parser.add_argument("--through", help="YYYY-MM-DD (default: a year ago)")
    return parser.parse_args()


def main():
    args = parse_args()
    start_django(args, work=temporary_work(seeded_source(args), "mass"))
    from django.db import connection

    from kund.audit.models import ErasureLogEntry
    from kund.core.models import RegisterSettings
    from kund.customers.models import Customer
    from kund.privacy import jobs, mass, runner
    from kund.privacy.models import ErasureJob
    from kund.privacy.services import erase_customers

    seed_if_empty(args)
    actor = bench_actor()
    register = RegisterSettings.load()
    register.crm_enabled = True
    register.save(update_fields=["crm_enabled"])
    through = date.fromisoformat(args.through) if args.through else date.today() - timedelta(days=366)
    total = Customer.objects.count()
    print(f"== mass-erasure benchmark on {connection.vendor}, {total:,} customers, through {through}")
    print(f"machine speed: reference loop {reference_loop():.2f} s (lower is faster)")

    # --- selection and verification (M-1..M-4) ------------------------------------------------------
    wanted = args.run + args.bare + args.naive_sample
    select_time, ids = timed(
        lambda: list(
            mass.select_customers(criteria=args.criteria, through=through, limit=wanted).values_list(
                "pk", flat=True
            )
        )
    )
    verify_time, rows = timed(lambda: mass.plan_rows(ids))
    print(
        f"select {len(ids):,} of {wanted:,} wanted: {select_time:.2f} s (one query); "
        f"verify (plan) them: {verify_time:.2f} s"
    )
    if len(ids) < wanted:
        scale = len(ids) / wanted
        args.run, args.bare, args.naive_sample = (
            int(args.run * scale),
            int(args.bare * scale),
            max(50, int(args.naive_sample * scale)),
        )
        print(f"fewer selected than wanted: scaled to run {args.run:,}, bare {args.bare:,}")

    # Deal the selected customers at random into the three groups, each kept oldest first.
    order = {row.customer_id: i for i, row in enumerate(rows)}
    dealt = list(rows)
    random.Random(1).shuffle(dealt)
    naive_rows = sorted(dealt[: args.naive_sample], key=lambda r: order[r.customer_id])
    bare_rows = sorted(
        dealt[args.naive_sample : args.naive_sample + args.bare], key=lambda r: order[r.customer_id]
    )
    job_rows = sorted(dealt[args.naive_sample + args.bare :][: args.run], key=lambda r: order[r.customer_id])

    def erasable(group):
        return [r.customer_id for r in group if r.action in ("delete", "anonymize")]

    # --- the job, with the bare executor's run split around it (same database state on average) --------
    bare_ids = erasable(bare_rows)
    half = len(bare_ids) // 2
    bare_first, _ = timed(lambda: erase_customers(customer_ids=bare_ids[:half], actor=actor))

    plan_time, job = timed(
        lambda: jobs._create_job(  # the rows are the run's share of the verification above
            kind=ErasureJob.Kind.MASS,
            rows=job_rows,
            actor=actor,
            criteria=args.criteria,
            through=through,
            limit=args.run,
        )
    )
    jobs.start_job(actor=actor, job=job, enqueue=False)
    # Account for the machinery directly too: the time the job spends outside the engine, plus the time
    # its per-chunk record takes inside the engine's transactions.
    spent = {"engine": 0.0, "record": 0.0}

    def clocked(fn, key):
        def wrapper(*a, **k):
            start = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent[key] += time.perf_counter() - start

        return wrapper

    runner.erase_customers = clocked(runner.erase_customers, "engine")
    runner._settle = clocked(runner._settle, "record")
    job_time, _ = timed(lambda: jobs.run_job(job_id=job.pk))
    machinery = job_time - spent["engine"] + spent["record"]
    job.refresh_from_db()
    job_erasable = job.planned_delete + job.planned_anonymize

    bare_second, _ = timed(lambda: erase_customers(customer_ids=bare_ids[half:], actor=actor))
    bare_time = bare_first + bare_second

    # --- the naive way on a sample ------------------------------------------------------------------
    naive_ids = erasable(naive_rows)
    naive_time, _ = timed(lambda: [naive_erase(pk, actor) for pk in naive_ids])

    job_rate = job_erasable / job_time
    bare_rate = len(bare_ids) / bare_time
    naive_rate = len(naive_ids) / naive_time
    logged = ErasureLogEntry.objects.filter(job_id=job.pk).count()
    print(
        f"job: {job.total:,} customers ({job.planned_delete:,} delete, {job.planned_anonymize:,} anonymize, "
        f"{job.planned_ignored:,} ignored at verification); stored in {plan_time:.2f} s; "
        f"run {job_time:.2f} s = {job_rate:,.0f} customers/s; result deleted {job.deleted:,}, anonymized "
        f"{job.anonymized:,}, ignored {job.ignored:,}, failed {job.failed:,}; log rows {logged:,}"
    )
    print(
        f"bare erase_customers: {len(bare_ids):,} customers in {bare_time:.2f} s "
        f"= {bare_rate:,.0f} customers/s"
    )
    print(
        f"naive per-object way: {len(naive_ids):,} customers in {naive_time:.2f} s "
        f"= {naive_rate:,.1f} customers/s"
    )
    print(
        f"job vs naive: {job_rate / naive_rate:.1f}x (target >= 40x); "
        f"job machinery over the bare executor: {(bare_rate / job_rate - 1) * 100:+.1f} % by the two rates, "
        f"{machinery / (job_time - machinery) * 100:+.1f} % by the job's own clock "
        f"({machinery:.2f} s of {job_time:.2f} s) (target <= 25 %)"
    )
    assert job.failed == 0 and logged == job.deleted + job.anonymized, "the run did not finish cleanly"


if __name__ == "__main__":
    main()
