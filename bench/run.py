"""`make bench`: every benchmark in turn, on one seeded SQLite register.

The register has KUND_BENCH_CUSTOMERS customers (default 1,000,000; seeded once into
var/bench-N.sqlite3 by `kund seed_demo`, then reused). Each benchmark works on its own copy or only
reads, and prints its figures with the targets and the naive reference measured in the same run. The
list benchmark runs a second time on var/bench-N-padded.sqlite3, a register whose numbers are not in
creation order (a tenth seeded, then copied under new numbers; made once).
Set KUND_BENCH_DATABASE_URL=postgres://… to run the erasure and mass benchmarks on PostgreSQL too (on a
register of up to 300,000 customers, seeded there when empty; the runs erase customers from it), and the
benchmarks of running past one machine: one mass job shared by 1, 2 and 3 workers (scale_bench.py) and
gunicorn under 50 users (load_bench.py), on a register of their own in the database of the same name
with `_scale` appended (KUND_BENCH_SCALE_CUSTOMERS, default 100,000; seeded once, then only copied).
"""

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def kund(*args: str, env) -> None:
    print(f"\n$ kund {' '.join(args)}", flush=True)
    subprocess.run([PYTHON, "-m", "kund", *args], cwd=ROOT, env=env, check=True)


def run(*args: str, env=None) -> int:
    print(f"\n$ {' '.join(args)}", flush=True)
    return subprocess.run([PYTHON, *args], cwd=ROOT, env=env).returncode


def main() -> int:
    customers = int(os.environ.get("KUND_BENCH_CUSTOMERS", "1000000"))
    source = ROOT / "var" / f"bench-{customers}.sqlite3"
    failures = 0
    # The erasure benchmark seeds the register when it is missing; the others then reuse it.
    failures += run("bench/erasure_bench.py", "--customers", str(customers), "--source", str(source)) != 0
    failures += run("bench/mass_bench.py", "--source", str(source)) != 0
    failures += run("bench/search_bench.py", "--customers", str(customers), "--source", str(source)) != 0
    failures += run("bench/residue_bench.py", "--customers", str(customers), "--source", str(source)) != 0
    failures += run("bench/list_bench.py", env={**os.environ, "DATABASE_URL": f"sqlite:///{source}"}) != 0
    failures += run("bench/records_bench.py", env={**os.environ, "DATABASE_URL": f"sqlite:///{source}"}) != 0
    failures += run("bench/dashboard_bench.py", "--database-url", f"sqlite:///{source}") != 0
    failures += run("bench/api_bench.py", env={**os.environ, "DATABASE_URL": f"sqlite:///{source}"}) != 0
    # The same lists on a register whose numbers are not in creation order: a tenth of the customers
    # seeded, then copied under new numbers until there are as many (made once, then reused).
    padded = ROOT / "var" / f"bench-{customers}-padded.sqlite3"
    padded_env = {**os.environ, "DATABASE_URL": f"sqlite:///{padded}"}
    if not padded.exists():
        kund("migrate", "-v0", env=padded_env)
        kund("seed_demo", "--customers", str(max(customers // 10, 1000)), "--seed", "2", env=padded_env)
    failures += run("bench/list_bench.py", "--pad-to", str(customers), env=padded_env) != 0
    failures += run("bench/import_bench.py") != 0
    pg = os.environ.get("KUND_BENCH_DATABASE_URL")
    if pg:
        # Seeded there when empty, and erased from run after run: batches in proportion to the register.
        small = min(customers, 300_000)
        failures += (
            run(
                "bench/erasure_bench.py",
                *("--database-url", pg, "--customers", str(small), "--big-batch", str(small // 8)),
            )
            != 0
        )
        failures += (
            run(
                "bench/mass_bench.py",
                "--database-url",
                pg,
                "--run",
                str(small // 3),
                "--bare",
                str(small // 15),
            )
            != 0
        )
        name = urlsplit(pg).path.lstrip("/")
        scale = urlunsplit(urlsplit(pg)._replace(path=f"/{name}_scale"))
        scale_customers = os.environ.get("KUND_BENCH_SCALE_CUSTOMERS", "100000")
        failures += (
            run(
                "bench/scale_bench.py",
                *(
                    "--database-url",
                    scale,
                    "--customers",
                    scale_customers,
                    "--run",
                    "100000",
                    "--repeat",
                    "3",
                ),
            )
            != 0
        )
        failures += run("bench/load_bench.py", "--database-url", scale) != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
