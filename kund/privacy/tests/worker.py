"""A real `kund db_worker` process on the test database, for the tests that need background work to run
beside them (the crash test, the browser walk of a mass run)."""

import os
import subprocess
import sys
import time
from urllib.parse import quote

import pytest
from django.db import connection

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


def database_url() -> str:
    """The URL of the test database this test runs on, for the worker process."""
    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{s['NAME']}"
    credentials = quote(s["USER"] or "")
    if s.get("PASSWORD"):
        credentials += ":" + quote(s["PASSWORD"])
    host = s["HOST"] or "localhost"
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgres://{credentials}@{host}{port}/{s['NAME']}"


def start_worker(**settings: str) -> subprocess.Popen:
    """A worker; `settings` are environment variables for it, e.g. KUND_ERASURE_JOB_LEASE_SECONDS="3"."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "kund.settings.worker_test",
        "DATABASE_URL": database_url(),
        "KUND_LOG_LEVEL": "WARNING",
        **settings,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "kund", "db_worker", "--no-startup-delay", "--interval", "0.1", "--no-reload"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )


def wait_for(predicate, *, timeout: float, worker: subprocess.Popen, what: str = "") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        if worker.poll() is not None:
            pytest.fail(f"the worker stopped: {worker.stderr.read().decode()[-2000:]}")
        time.sleep(0.02)
    pytest.fail(f"timed out after {timeout} s waiting for {what or 'the worker'}")
