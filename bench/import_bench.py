"""Benchmark of the register upload (SPEC R-8): `kund import_customers` of a 100,000-row CSV file in
Windows-1252 with `;`, into a fresh SQLite database. Target: under 60 seconds.

    .venv/bin/python bench/import_bench.py [--rows 100000] [--keep]

Prints the time to generate the file, to read and check it (--dry-run) and to import it, and rows per
second. The database and the file live in a temporary directory, removed afterwards unless --keep.
"""

import argparse
import io
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--keep", action="store_true", help="keep the database and the file")
    options = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="kund-import-bench-"))
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir / 'bench.sqlite3'}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "kund.settings.local"
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from kund.customers.columns import COLUMNS
    from kund.customers.models import Customer
    from kund.customers.tests.test_import import csv_bytes, register_rows

    call_command("migrate", verbosity=0)
    get_user_model().objects.create_superuser("bench", "bench@kund.test", "bench")

    started = time.perf_counter()
    rows = register_rows(options.rows, seed=2026)
    path = workdir / "register.csv"
    headers = [swedish for _e, swedish, _a in COLUMNS]
    path.write_bytes(csv_bytes(headers, rows, delimiter=";", encoding="cp1252"))
    generated = time.perf_counter() - started
    size = path.stat().st_size / 1e6
    print(f"generated {options.rows} rows ({size:.1f} MB, cp1252, ';') in {generated:.1f} s")

    started = time.perf_counter()
    call_command("import_customers", str(path), "--dry-run", stdout=io.StringIO())
    checked = time.perf_counter() - started
    print(f"read and checked (--dry-run) in {checked:.1f} s")

    started = time.perf_counter()
    out = io.StringIO()
    call_command("import_customers", str(path), stdout=out)
    imported = time.perf_counter() - started
    print(out.getvalue().strip())
    print(
        f"import_customers: {imported:.1f} s, {options.rows / imported:,.0f} rows/s "
        f"(target: under 60 s) — customers in the database: {Customer.objects.count()}"
    )
    if options.keep:
        print(f"kept: {workdir}")
    else:
        for child in workdir.iterdir():
            child.unlink()
        workdir.rmdir()


if __name__ == "__main__":
    main()
