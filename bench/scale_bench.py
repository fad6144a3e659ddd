"""Benchmark of one mass-erasure job shared by several workers (SPEC §9), on PostgreSQL.

    python bench/scale_bench.py --database-url postgres://kund:kund@127.0.0.1:54329/kund_bench_scale \\
        [--customers 100000] [--run 100000] [--workers 1,2,3] [--repeat 1]

The database given is the template: seeded with `kund seed_demo` when empty, and a mass job of --run
customers planned in it once. Each measured run works on a fresh copy of it (CREATE DATABASE … TEMPLATE),
starts that job, and lets N real `kund db_worker` processes (production settings: persistent connections)
erase it. Printed for each N: customers per second (the job's own clock, first claim to done), the ratio
to one worker, how many chunks each worker erased, the CPU the workers and the copy's PostgreSQL backends
used (utime + stime from /proc/<pid>/stat), and the serialized share: the part of the chunks' time spent
holding the erasure log's chain head (lock to commit; every chunk passes it one at a time), with the time
chunks waited for it. From the one-worker run's serialized share s, Amdahl's law predicts the speed-up of
N machines, 1 / (s + (1 - s) / N), and the CPU split says how many PostgreSQL cores they would need.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import bench_actor, kund, reference_loop  # noqa: E402

TICKS = os.sysconf("SC_CLK_TCK")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="the template database (PostgreSQL)")
    parser.add_argument("--customers", type=int, default=100_000, help="register to seed when empty")
    parser.add_argument("--run", type=int, default=100_000, help="most customers selected for the job")
    parser.add_argument("--workers", default="1,2,3", help="worker counts to measure, in order")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each worker count")
    parser.add_argument("--criteria", default="both")
    parser.add_argument("--through", help="YYYY-MM-DD (default: a year ago)")
    return parser.parse_args()


def with_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, or None when it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS  # fields 14 and 15 of stat(5)


class CpuWatch:
    """Samples the CPU of a set of processes; keeps each one's last value, so one that exits still counts
    up to its last sample."""

    def __init__(self):
        self.first: dict[int, float] = {}
        self.last: dict[int, float] = {}

    def sample(self, pids) -> None:
        for pid in pids:
            value = cpu_seconds(pid)
            if value is None:
                continue
            self.first.setdefault(pid, value)
            self.last[pid] = value

    def used(self) -> float:
        return sum(self.last[pid] - self.first[pid] for pid in self.last)


def main():
    args = parse_args()
    template = urlsplit(args.database_url).path.lstrip("/")
    ensure_database(args.database_url)
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kund.settings.local")
    os.environ.setdefault("KUND_LOG_LEVEL", "WARNING")
    kund("migrate", "-v0", env=dict(os.environ))
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from kund.customers.models import Customer

    if connection.vendor != "postgresql":
        sys.exit("scale_bench needs PostgreSQL: SQLite has one writer, so its workers take turns")
    if not Customer.objects.exists():
        print(f"seeding {args.customers:,} customers into {template} (once; later runs reuse it)", flush=True)
        kund("seed_demo", "--customers", str(args.customers), "--seed", "1", env=dict(os.environ))
    job_id = plan_job(args)
    total = Customer.objects.count()
    User = get_user_model()
    assert User.objects.filter(username="bench").exists()
    connection.close()

    print(f"== one mass job, many workers: PostgreSQL, {total:,} customers, template {template}")
    print(f"machine: {os.cpu_count()} cores; reference loop {reference_loop():.2f} s (lower is faster)")
    runs = []
    for count in [int(n) for n in args.workers.split(",")]:
        for _ in range(args.repeat):
            runs.append(measure(args, template, job_id, count))
    report(runs)


def plan_job(args) -> int:
    """The job every run erases: planned in the template once, found again by later invocations."""

    from kund.core.models import RegisterSettings
    from kund.privacy import jobs, mass
    from kund.privacy.models import ErasureJob

    actor = bench_actor()
    register = RegisterSettings.load()
    register.crm_enabled = True
    register.save(update_fields=["crm_enabled"])
    through = date.fromisoformat(args.through) if args.through else date.today() - timedelta(days=366)
    planned = ErasureJob.objects.filter(
        state=ErasureJob.State.PLANNED, criteria=args.criteria, through=through, limit=args.run
    ).first()
    if planned is not None:
        return planned.pk
    started = time.perf_counter()
    ids = list(
        mass.select_customers(criteria=args.criteria, through=through, limit=args.run).values_list(
            "pk", flat=True
        )
    )
    rows = mass.plan_rows(ids)
    job = jobs._create_job(
        kind=ErasureJob.Kind.MASS,
        rows=rows,
        actor=actor,
        criteria=args.criteria,
        through=through,
        limit=args.run,
    )
    print(f"planned job {job.pk} of {job.total:,} customers in {time.perf_counter() - started:.1f} s")
    return job.pk


def psql_admin(url: str, sql: str, *params) -> list[tuple]:
    """One statement on the server's maintenance database (CREATE DATABASE cannot run in a transaction)."""
    import psycopg

    with psycopg.connect(with_name(url, "postgres"), autocommit=True) as admin:
        cursor = admin.execute(sql, params or None)
        return cursor.fetchall() if cursor.description else []


def ensure_database(url: str) -> None:
    name = urlsplit(url).path.lstrip("/")
    if not psql_admin(url, "SELECT 1 FROM pg_database WHERE datname = %s", name):
        psql_admin(url, f'CREATE DATABASE "{name}"')


def measure(args, template: str, job_id: int, workers: int) -> dict:
    from django.db import connection

    from kund.privacy import jobs
    from kund.privacy.models import ErasureJob, ErasureJobChunk

    copy = f"{template}_run"
    started = time.perf_counter()
    psql_admin(args.database_url, f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
    psql_admin(args.database_url, f'CREATE DATABASE "{copy}" TEMPLATE "{template}"')
    copied = time.perf_counter() - started
    url = with_name(args.database_url, copy)
    connection.close()
    connection.settings_dict["NAME"] = copy

    media = tempfile.mkdtemp(prefix="kund-scale-media-")
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kund.settings.production",
        "KUND_SECRET_KEY": os.environ.get("KUND_SECRET_KEY", "bench-only-not-a-secret"),
        "DATABASE_URL": url,
        "KUND_MEDIA_ROOT": media,  # empty: deleting a file costs every run the same (nothing)
        "KUND_LOG_LEVEL": "WARNING",
    }
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "kund",
                "db_worker",
                "--no-startup-delay",
                "--interval",
                "0.1",
                "--no-reload",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    worker_cpu, postgres_cpu = CpuWatch(), CpuWatch()
    try:
        connection.ensure_connection()
        own = connection.connection.info.backend_pid

        def backends() -> list[int]:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s", [copy, own]
                )
                return [pid for (pid,) in cursor.fetchall()]

        deadline = time.monotonic() + 120
        while len(backends()) < workers and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # the workers are polling: what they used to start up is not counted
        worker_cpu.sample(p.pid for p in procs)
        postgres_cpu.sample(backends())

        job = ErasureJob.objects.get(pk=job_id)
        jobs.start_job(actor=job.created_by, job=job)
        while ErasureJob.objects.filter(pk=job_id, state__in=["queued", "running"]).exists():
            worker_cpu.sample(p.pid for p in procs)
            postgres_cpu.sample(backends())
            if any(p.poll() is not None for p in procs):
                raise SystemExit("a worker stopped")
            time.sleep(0.2)
        worker_cpu.sample(p.pid for p in procs)
        postgres_cpu.sample(backends())
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(timeout=60)

    job = ErasureJob.objects.get(pk=job_id)
    assert job.state == "done" and job.failed == 0, f"the job ended {job.state}, failed {job.failed}"
    chunks = list(ErasureJobChunk.objects.filter(job_id=job_id))
    erased = job.deleted + job.anonymized
    seconds = (job.finished_at - job.started_at).total_seconds()
    from kund.audit.erasure_log import verify_chain

    check = verify_chain()
    assert check.ok, check.problem
    run = {
        "workers": workers,
        "customers": job.total,
        "erased": erased,
        "seconds": seconds,
        "rate": job.total / seconds,
        "chunks": Counter(c.worker for c in chunks),
        "chunk_seconds": sum(c.seconds for c in chunks),
        "serial_seconds": sum(c.serial_seconds for c in chunks),
        "wait_seconds": sum(c.wait_seconds for c in chunks),
        "mean_chunk": statistics.mean(c.seconds for c in chunks),
        "mean_serial": statistics.mean(c.serial_seconds for c in chunks),
        "worker_cpu": worker_cpu.used(),
        "postgres_cpu": postgres_cpu.used(),
        "log_rows": check.checked,
    }
    share = run["serial_seconds"] / run["chunk_seconds"]
    print(
        f"{workers} worker(s): {job.total:,} customers ({job.deleted:,} deleted, "
        f"{job.anonymized:,} anonymized, {job.ignored:,} ignored) "
        f"in {seconds:.1f} s = {run['rate']:,.0f} customers/s; "
        f"chunks per worker {sorted(run['chunks'].values(), reverse=True)}; "
        f"serialized {share * 100:.2f} % of chunk time ({run['mean_serial'] * 1000:.0f} ms of "
        f"{run['mean_chunk']:.2f} s per chunk), waited for it {run['wait_seconds']:.2f} s in all; "
        f"CPU workers {run['worker_cpu']:.1f} s, PostgreSQL backends {run['postgres_cpu']:.1f} s; "
        f"log verified ({check.checked:,} rows); copy made in {copied:.1f} s",
        flush=True,
    )
    connection.close()
    connection.settings_dict["NAME"] = template
    return run


def amdahl(serial: float, machines: int) -> float:
    return 1 / (serial + (1 - serial) / machines)


def report(runs: list[dict]) -> None:
    by_count: dict[int, list[dict]] = {}
    for run in runs:
        by_count.setdefault(run["workers"], []).append(run)
    base = statistics.median(r["rate"] for r in by_count.get(1, runs[:1]))
    print("\nworkers | customers/s (median) | ratio to 1 | chunks per worker | serialized share | waited")
    for count, group in sorted(by_count.items()):
        rate = statistics.median(r["rate"] for r in group)
        share = statistics.median(r["serial_seconds"] / r["chunk_seconds"] for r in group)
        print(
            f"{count} | {rate:,.0f} | {rate / base:.2f}x | "
            + "; ".join(str(sorted(r["chunks"].values(), reverse=True)) for r in group)
            + f" | {share * 100:.2f} % | {statistics.median(r['wait_seconds'] for r in group):.2f} s"
        )
    one = by_count.get(1, runs[:1])
    serial = statistics.median(r["serial_seconds"] / r["chunk_seconds"] for r in one)
    rate = statistics.median(r["rate"] for r in one)
    worker_cpu = sum(r["worker_cpu"] for r in one) / sum(r["customers"] for r in one)
    postgres_cpu = sum(r["postgres_cpu"] for r in one) / sum(r["customers"] for r in one)
    print(
        f"\nCPU per 1,000 customers with one worker: the worker {worker_cpu * 1000:.2f} s, its PostgreSQL "
        f"backend {postgres_cpu * 1000:.2f} s ({postgres_cpu / (worker_cpu + postgres_cpu) * 100:.0f} % of "
        f"the two); at {rate:,.0f} customers/s one worker keeps {rate * worker_cpu:.2f} of its own cores "
        f"and {rate * postgres_cpu:.2f} PostgreSQL cores busy"
    )
    for machines in (4, 16):
        print(
            f"Amdahl, serial share {serial * 100:.2f} %: {machines} workers (one per machine) -> "
            f"{amdahl(serial, machines):.1f}x (target on 16: >= 10x), if the primary has "
            f"{machines * rate * postgres_cpu:.1f} cores to spare for them"
        )


if __name__ == "__main__":
    main()
