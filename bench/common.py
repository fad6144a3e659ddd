"""What the erasure and mass-erasure benchmarks share: a work copy of a seeded register, a timer, and the
naive per-object way of erasing that both measure the engine against."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def kund(*args, env):
    subprocess.run([sys.executable, "-m", "kund", *args], check=True, env=env, cwd=ROOT)


def reference_loop() -> float:
    """Seconds a fixed pure-Python loop takes (best of three). Printed beside the figures: shared
    machines drift in speed, and this says how fast the machine was while they were measured."""

    def loop():
        total = 0
        for i in range(10_000_000):
            total += i
        return total

    return min(timed(loop)[0] for _ in range(3))


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def database_to_use(*, database_url: str | None, source: Path, customers: int, work: Path) -> str:
    """The DATABASE_URL to benchmark on: the given one (migrated; seeded later by the caller when empty),
    or a fresh, migrated copy of the seeded SQLite file `source` — never the file itself — seeded once
    with `kund seed_demo` when missing."""
    env = dict(os.environ)
    if database_url:
        env["DATABASE_URL"] = database_url
        kund("migrate", "-v0", env=env)
        return database_url
    if not source.exists():
        print(f"seeding {customers:,} customers into {source} (once; later runs reuse it)", flush=True)
        source.parent.mkdir(parents=True, exist_ok=True)
        env["DATABASE_URL"] = f"sqlite:///{source}"
        kund("migrate", "-v0", env=env)
        kund("seed_demo", "--customers", str(customers), "--seed", "1", env=env)
    else:
        # A register seeded by an older Kund gets the current schema once, not in every copy.
        env["DATABASE_URL"] = f"sqlite:///{source}"
        kund("migrate", "-v0", env=env)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    print(f"copying {source} to {work}", flush=True)
    shutil.copyfile(source, work)
    if Path(f"{source}-wal").exists():  # a seeder's last writes may still sit in the write-ahead log
        shutil.copyfile(f"{source}-wal", f"{work}-wal")
    env["DATABASE_URL"] = f"sqlite:///{work}"
    kund("migrate", "-v0", env=env)  # a register seeded by an older Kund gets the current schema
    return env["DATABASE_URL"]


def seeded_source(args) -> Path:
    """The seeded SQLite register a benchmark copies: --source, or var/bench-N.sqlite3."""
    return Path(args.source or ROOT / "var" / f"bench-{args.customers}.sqlite3")


def temporary_work(source: Path, label: str) -> Path:
    """Where a benchmark that writes a lot keeps its copy: KUND_BENCH_WORK_DIR, else the temporary folder."""
    folder = Path(os.environ.get("KUND_BENCH_WORK_DIR") or tempfile.gettempdir())
    return folder / f"{source.stem}-{label}-work.sqlite3"


def start_django(args, *, work: Path) -> None:
    """Point Kund at the database to benchmark (database_to_use: --database-url, or a fresh copy of the
    seeded register at `work`) and set Django up, with the local settings and quiet logs."""
    os.environ["DATABASE_URL"] = database_to_use(
        database_url=args.database_url, source=seeded_source(args), customers=args.customers, work=work
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kund.settings.local")
    os.environ.setdefault("KUND_LOG_LEVEL", "WARNING")
    import django

    django.setup()


def seed_if_empty(args) -> None:
    """A --database-url given empty is seeded once (later runs reuse it)."""
    from kund.customers.models import Customer

    if args.database_url and not Customer.objects.exists():
        kund("seed_demo", "--customers", str(args.customers), "--seed", "1", env=dict(os.environ))


def bench_actor():
    """The user the benchmarks erase as: a superuser named bench, made the first time."""
    from django.contrib.auth import get_user_model

    User = get_user_model()
    return User.objects.filter(username="bench").first() or User.objects.create_superuser(
        "bench", "bench@kund.invalid", None
    )


def naive_erase(pk: int, actor, *, only: str | None = None) -> str | None:
    """The naive reference: one customer per transaction, one exists() per table to decide, then every
    row loaded and saved or deleted one object at a time, and its log row. `only` ("delete" or
    "anonymize") leaves a customer alone unless that is what applies. Returns what was done."""
    from decimal import Decimal

    from django.db import transaction
    from django.utils import timezone

    from kund.audit import erasure_log
    from kund.customers.models import Customer
    from kund.privacy import policy

    today = timezone.localdate()
    with transaction.atomic():
        customer = Customer.objects.select_for_update().filter(pk=pk).first()
        if customer is None or customer.anonymized_at is not None:
            return None
        for table in policy.BLOCKER_TABLES:
            for blocker in table.blockers:
                if (
                    table.model_class.objects.filter(**{table.link: pk})
                    .filter(blocker.condition(today))
                    .exists()
                ):
                    return None
        linked = False
        for table in policy.TRANSACTION_TABLES:
            if table.model_class.objects.filter(**{table.link: pk}).exists():
                linked = True
        action = "anonymize" if linked else "delete"
        if only is not None and action != only:
            return None
        if action == "delete":
            for table in policy.TABLES:
                if table.deleted_with_customer:
                    for obj in table.model_class.objects.filter(**{table.link: pk}):
                        obj.delete()
            customer.delete()
        else:
            for table in (*policy.TABLES, policy.CUSTOMER):
                objects = (
                    [customer]
                    if table is policy.CUSTOMER
                    else table.model_class.objects.filter(**{table.link: pk})
                )
                for obj in objects:
                    if table.rows == policy.DELETE_ROWS:
                        obj.delete()
                        continue
                    for name, rule in table.assignments().items():
                        if rule is policy.XXXX:
                            setattr(obj, name, policy.ANONYMIZED_NAME)
                        elif rule is policy.CLEAR:
                            setattr(obj, name, None if obj._meta.get_field(name).null else "")
                        elif rule is policy.YEAR_ONLY:
                            value = getattr(obj, name)
                            setattr(obj, name, value.replace(month=1, day=1) if value else value)
                        elif rule is policy.ZERO:
                            setattr(obj, name, Decimal("0"))
                        elif rule is policy.NO:
                            setattr(obj, name, False)
                    if table is policy.CUSTOMER:
                        obj.anonymized_at = timezone.now()
                    obj.save()
        erasure_log.append(
            [{"customer_number": customer.number, "action": action, "counts": {}}],
            actor_username=actor.get_username(),
            at=timezone.now(),
        )
    return action
