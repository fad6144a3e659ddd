"""Load benchmark of the web server in production (SPEC §9): gunicorn through `kund serve` on PostgreSQL,
50 concurrent signed-in users on loopback opening the customer list, searching it and opening cards.

    python bench/load_bench.py --database-url postgres://kund:kund@127.0.0.1:54329/kund_bench_scale \\
        [--users 50] [--web-workers 4] [--requests 3000] [--seconds 120] [--think 1.0]

The register given is copied first (the run signs users in, which writes sessions) and the copy served
with the production settings (plain HTTP on loopback: KUND_SECURE_COOKIES=0). Each user is a thread with
its own session, signed in beforehand; it repeats list, search (by the first letters of a last name or an
e-mail address, as ?q=) and card, in turn, pausing a random 0 to 2 × --think seconds between requests
(--think 0: back to back, a stress test), after a few unmeasured requests that warm every gunicorn worker
up. The run is bounded: it stops after --requests requests or
--seconds seconds, whichever comes first. Printed: requests, errors (anything but 200, or no answer),
p50 / p95 / p99 latency for each kind, and the CPU time per request of the gunicorn workers and of the
copy's PostgreSQL backends (utime + stime from /proc), which says what the load needs on machines of its
own. Targets: no error; p95 at most 300 ms.
"""

import argparse
import http.client
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from common import kund, reference_loop  # noqa: E402
from scale_bench import CpuWatch  # noqa: E402

SECRET = "bench-only-not-a-secret"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", required=True, help="a seeded register (PostgreSQL), copied first")
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--requests", type=int, default=3000, help="stop after this many requests")
    parser.add_argument("--seconds", type=float, default=120, help="stop after this long")
    parser.add_argument("--think", type=float, default=1.0, help="mean pause between a user's requests (s)")
    return parser.parse_args()


def with_name(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


def copy_database(url: str) -> str:
    import psycopg

    source = urlsplit(url).path.lstrip("/")
    copy = f"{source}_web"
    with psycopg.connect(with_name(url, "postgres"), autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{source}"')
    return with_name(url, copy)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    args = parse_args()
    url = copy_database(args.database_url)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kund.settings.production",
        "KUND_SECRET_KEY": SECRET,
        "DATABASE_URL": url,
        "KUND_SECURE_COOKIES": "0",
        "KUND_STATIC_ROOT": tempfile.mkdtemp(prefix="kund-load-static-"),
        "KUND_LOG_LEVEL": "WARNING",
        "KUND_ACCESS_LOG": os.devnull,
    }
    os.environ.update({k: env[k] for k in ("DJANGO_SETTINGS_MODULE", "KUND_SECRET_KEY", "DATABASE_URL")})
    kund("migrate", "-v0", env=env)
    import django

    django.setup()
    sessions, targets, total = prepare(args.users)

    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "kund", "serve", "--bind", f"127.0.0.1:{port}"]
        + ["--web-workers", str(args.web_workers), "--task-workers", "0"],
        env=env,
        cwd=ROOT,
    )
    try:
        wait_until_up(port, server)
        print(
            f"== web load: gunicorn with {args.web_workers} workers on PostgreSQL, {total:,} customers, "
            f"{args.users} users, think time {args.think:g} s mean"
        )
        print(f"machine: {os.cpu_count()} cores; reference loop {reference_loop():.2f} s (lower is faster)")
        warm_up(port, sessions[0], targets, 5 * args.web_workers)
        results = run_users(
            args, port, sessions, targets, cpu=Cpu(server.pid, urlsplit(url).path.lstrip("/"))
        )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
    report(results)


def prepare(users: int):
    """Signed-in sessions for `users` users who may view every customer, and what they will open."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from django.test import Client

    from kund.customers.models import Customer

    User = get_user_model()
    viewer_rights = Permission.objects.filter(codename__in=["view_customer", "change_customer"])
    sessions = []
    for n in range(users):
        user, created = User.objects.get_or_create(username=f"loaduser{n}")
        if created:
            user.user_permissions.add(*viewer_rights)
        client = Client()
        client.force_login(user)
        sessions.append(client.cookies["sessionid"].value)
    rng = random.Random(1)
    ids = list(Customer.objects.order_by("?").values_list("pk", flat=True)[:2000])
    people = Customer.objects.filter(pk__in=ids[:400]).values_list("last_name", "email")
    terms = []
    for last_name, email in people:
        if last_name:
            terms.append(last_name[: rng.randint(2, 5)])
        if email:
            terms.append(email[: rng.randint(3, 8)])
    return sessions, {"ids": ids, "terms": terms}, Customer.objects.count()


def wait_until_up(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit("kund serve stopped")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/accounts/login/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not answer")


def children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


class Cpu:
    """The CPU of the gunicorn workers (the grandchildren of `kund serve`) and of the copy's backends."""

    def __init__(self, serve_pid: int, database: str):
        from django.db import connection

        self.serve_pid, self.database = serve_pid, database
        self.web, self.postgres = CpuWatch(), CpuWatch()
        connection.ensure_connection()
        self.own = connection.connection.info.backend_pid

    def sample(self) -> None:
        from django.db import connection

        self.web.sample(w for master in children(self.serve_pid) for w in children(master))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> %s", [self.database, self.own]
            )
            self.postgres.sample(pid for (pid,) in cursor.fetchall())


def warm_up(port: int, session: str, targets: dict, rounds: int) -> None:
    """Unmeasured requests of each kind, so that every gunicorn worker has loaded its code and its first
    templates before the clock starts."""
    rng = random.Random(0)
    for _ in range(rounds):
        for path in (
            "/customers/",
            f"/customers/?q={quote(rng.choice(targets['terms']))}",
            f"/customers/{rng.choice(targets['ids'])}/",
        ):
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            connection.request("GET", path, headers={"Cookie": f"sessionid={session}"})
            connection.getresponse().read()
            connection.close()


def run_users(args, port: int, sessions: list[str], targets: dict, cpu: Cpu) -> dict:
    latencies: dict[str, list[float]] = defaultdict(list)
    errors: dict[str, int] = defaultdict(int)
    lock = threading.Lock()
    budget = {"left": args.requests}
    deadline = time.monotonic() + args.seconds
    started = time.monotonic()

    def user(number: int, session: str) -> None:
        rng = random.Random(number)
        kinds = ["list", "search", "card"]
        step = rng.randrange(3)
        time.sleep(rng.uniform(0, 2 * args.think) if args.think else 0)  # users do not all start at once
        while time.monotonic() < deadline:
            with lock:
                if budget["left"] <= 0:
                    return
                budget["left"] -= 1
            kind = kinds[step % 3]
            step += 1
            if kind == "list":
                path = "/customers/"
            elif kind == "search":
                path = f"/customers/?q={quote(rng.choice(targets['terms']))}"
            else:
                path = f"/customers/{rng.choice(targets['ids'])}/"
            begin = time.perf_counter()
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                connection.request("GET", path, headers={"Cookie": f"sessionid={session}"})
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
                connection.close()
            except OSError:
                ok = False
            elapsed = time.perf_counter() - begin
            with lock:
                latencies[kind].append(elapsed)
                if not ok:
                    errors[kind] += 1
            if args.think:
                time.sleep(rng.uniform(0, 2 * args.think))

    threads = [threading.Thread(target=user, args=(n, s), daemon=True) for n, s in enumerate(sessions)]
    cpu.sample()
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads) and time.monotonic() < deadline + 60:
        cpu.sample()
        time.sleep(0.5)
    cpu.sample()
    return {
        "latencies": latencies,
        "errors": errors,
        "seconds": time.monotonic() - started,
        "web_cpu": cpu.web.used(),
        "postgres_cpu": cpu.postgres.used(),
    }


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def report(results: dict) -> None:
    latencies, errors = results["latencies"], results["errors"]
    everything = [v for values in latencies.values() for v in values]
    count, failed = len(everything), sum(errors.values())
    print(
        f"{count:,} requests in {results['seconds']:.1f} s = {count / results['seconds']:.1f} requests/s; "
        f"errors {failed} (target 0)"
    )
    print("kind | requests | errors | p50 ms | p95 ms | p99 ms")
    for kind in ("list", "search", "card"):
        values = latencies.get(kind, [])
        if values:
            print(
                f"{kind} | {len(values):,} | {errors.get(kind, 0)} | "
                f"{statistics.median(values) * 1000:.0f} | {percentile(values, 95) * 1000:.0f} | "
                f"{percentile(values, 99) * 1000:.0f}"
            )
    if everything:
        print(f"all: p95 {percentile(everything, 95) * 1000:.0f} ms (target <= 300 ms)")
        web, postgres = results["web_cpu"] / count, results["postgres_cpu"] / count
        print(
            f"CPU per request: gunicorn {web * 1000:.1f} ms, PostgreSQL {postgres * 1000:.1f} ms; "
            f"{count / results['seconds'] * (web + postgres):.2f} cores busy on average "
            f"(this machine has {os.cpu_count()}, shared with whatever else runs on it)"
        )


if __name__ == "__main__":
    main()
