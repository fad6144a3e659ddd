"""`kund serve`: Kund in production on this machine — gunicorn and the background workers, supervised.

Refuses to start while the database has migrations not applied (one line says so). Then collects the
static files, queues what the workers must find waiting (a task of every unfinished erasure job, events
nobody queued, the daily retention run), starts gunicorn (kund.settings.gunicorn) and N `kund db_worker`
processes, starts again a worker that stops, and stops everything when it is asked to (SIGTERM, SIGINT)
or when gunicorn stops. On another machine, `kund serve --no-web` adds workers only: they share every
erasure job with the others.
"""

import os
import signal
import socket
import subprocess
import sys
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from kund.core.cli import KundCommand, bad_input, not_done

# A worker that keeps dying is started again at most this often.
RESTART_DELAY = 5.0


def unapplied_migrations() -> list[str]:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def _count(value: str) -> int:
    number = int(value)
    if number < 0:
        raise ValueError(value)
    return number


class Command(KundCommand):
    help = (
        "Run Kund in production on this machine: gunicorn and N background workers (kund db_worker), after "
        "checking that the database is migrated. --no-web runs workers only, to add them on another machine."
    )
    requires_migrations_checks = False  # checked here, as a refusal

    def add_arguments(self, parser):
        parser.add_argument(
            "--bind",
            default=os.environ.get("KUND_BIND", "127.0.0.1:8000"),
            help="address and port gunicorn listens on (KUND_BIND; default: %(default)s)",
        )
        parser.add_argument(
            "--web-workers",
            type=_count,
            default=os.environ.get("KUND_WEB_WORKERS", "4"),
            help="gunicorn worker processes (KUND_WEB_WORKERS; default: %(default)s)",
        )
        parser.add_argument(
            "--task-workers",
            type=_count,
            default=os.environ.get("KUND_TASK_WORKERS", "2"),
            help="background worker processes (KUND_TASK_WORKERS; default: %(default)s; one on SQLite)",
        )
        parser.add_argument("--no-web", action="store_true", help="background workers only")
        parser.add_argument(
            "--no-collectstatic", action="store_true", help="the static files were collected already"
        )

    def handle(self, *args, bind, web_workers, task_workers, no_web, no_collectstatic, **options):
        missing = unapplied_migrations()
        if missing:
            raise not_done(
                f"the database lacks {len(missing)} migration(s) ({missing[0]} first): "
                "run `kund migrate`, then start again"
            )
        web = not no_web and web_workers > 0
        if connection.vendor == "sqlite" and task_workers > 1:
            self.stderr.write("SQLite has one writer: starting one background worker, not more")
            task_workers = 1
        if not web and not task_workers:
            raise bad_input("nothing to run: no web server and no background worker")
        if web and not no_collectstatic:
            call_command("collectstatic", interactive=False, verbosity=0)
        if task_workers:
            self.queue_background_work()
        connection.close()  # the children open their own
        Supervisor(self, bind=bind, web_workers=web_workers if web else 0, task_workers=task_workers).run()

    def queue_background_work(self) -> None:
        """What the workers must find in the queue, whatever stopped before they start: a task of every
        unfinished erasure job (due when the leases of dead workers run out), the events to connected
        systems that are due and nobody has queued, and the daily retention run. Safe while the workers
        of other machines run: nothing they hold is taken from them."""
        from kund.privacy.runner import watch_active_jobs
        from kund.retention.services import ensure_scheduled
        from kund.webhooks.delivery import resume_lost

        jobs = watch_active_jobs()
        if jobs:
            self.stderr.write(f"kund serve: erasure jobs {', '.join(map(str, jobs))} have a task waiting")
        resume_lost()
        ensure_scheduled()


class Supervisor:
    def __init__(self, command: BaseCommand, *, bind: str, web_workers: int, task_workers: int):
        self.command = command
        self.bind = bind
        self.web_workers = web_workers
        self.task_workers = task_workers
        self.web: subprocess.Popen | None = None
        self.workers: list[subprocess.Popen | None] = [None] * task_workers
        self.started_at = [0.0] * task_workers
        self.stopping = False
        self.status = 0

    def say(self, message: str) -> None:
        self.command.stderr.write(f"kund serve: {message}")

    def start_web(self) -> None:
        self.web = subprocess.Popen(
            [
                sys.executable,
                *("-m", "gunicorn", "--config", "python:kund.settings.gunicorn"),
                *("--bind", self.bind, "--workers", str(self.web_workers)),
                "kund.wsgi:application",
            ],
            start_new_session=True,
        )
        self.say(f"web server on {self.bind}, {self.web_workers} worker(s), pid {self.web.pid}")

    def start_worker(self, index: int) -> None:
        worker_id = f"{socket.gethostname()}-{os.getpid()}-{index}"[-64:]
        self.workers[index] = subprocess.Popen(
            [sys.executable, "-m", "kund", "db_worker", "--no-reload", "--worker-id", worker_id],
            start_new_session=True,
        )
        self.started_at[index] = time.monotonic()

    def stop(self, signum=None, frame=None) -> None:
        self.stopping = True

    def run(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            signal.signal(signum, self.stop)
        if self.web_workers:
            self.start_web()
        for index in range(self.task_workers):
            self.start_worker(index)
        if self.task_workers:
            self.say(f"{self.task_workers} background worker(s)")
        try:
            while not self.stopping:
                self.watch()
                time.sleep(0.5)
        finally:
            self.shut_down()
        if self.status:
            sys.exit(self.status)

    def watch(self) -> None:
        if self.web is not None and self.web.poll() is not None:
            self.say(f"the web server stopped (exit {self.web.returncode}); stopping")
            self.status = self.web.returncode or 1
            self.stopping = True
            return
        for index, worker in enumerate(self.workers):
            if worker is None or worker.poll() is None:
                continue
            if time.monotonic() - self.started_at[index] < RESTART_DELAY:
                continue  # started again shortly: wait a little before the next try
            self.say(f"background worker {index + 1} stopped (exit {worker.returncode}); starting it again")
            self.start_worker(index)

    def shut_down(self) -> None:
        """SIGTERM to every child, once: gunicorn finishes the requests under way, a worker the chunk it
        erases (a second signal would stop it at once). The children run in sessions of their own so that
        a Ctrl-C in the terminal reaches this process only; under systemd, use KillMode=mixed."""
        children = [c for c in [self.web, *self.workers] if c is not None and c.poll() is None]
        for child in children:
            child.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 60
        for child in children:
            try:
                child.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
