"""Production (SPEC §9): settings from the environment, and `kund serve` — migrations checked first, then
gunicorn and the background workers, with an access log that never holds a query string."""

import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from kund.core.management.commands import serve
from kund.privacy import jobs, runner
from kund.privacy.tests.massdata import enable_crm, mass_eraser, private
from kund.privacy.tests.worker import DATABASE_TASKS, database_url

ROOT = Path(__file__).resolve().parents[3]
SHOW_SETTINGS = """
import json
from django.conf import settings
print(json.dumps({
    "debug": settings.DEBUG,
    "hosts": settings.ALLOWED_HOSTS,
    "origins": settings.CSRF_TRUSTED_ORIGINS,
    "proxy_ssl": settings.SECURE_PROXY_SSL_HEADER,
    "secure_cookies": [settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE],
    "storage": settings.STORAGES["default"],
    "static": settings.STORAGES["staticfiles"]["BACKEND"],
    "email": [settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS, settings.DEFAULT_FROM_EMAIL],
    "db_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
}))
"""


def kund(*args: str, timeout: float = 60, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("KUND_") and k != "DATABASE_URL"}
    return subprocess.run(
        [sys.executable, "-m", "kund", *args],
        env={**clean, "DJANGO_SETTINGS_MODULE": "kund.settings.production", "PYTHONPATH": str(ROOT), **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=ROOT,
    )


def test_production_refuses_to_start_without_a_secret_key_in_one_line(tmp_path):
    # when
    result = kund("check", DATABASE_URL=f"sqlite:///{tmp_path / 'kund.sqlite3'}")

    # then
    assert result.returncode == 2
    assert result.stderr.startswith("kund: KUND_SECRET_KEY is not set")
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


def test_production_takes_its_settings_from_the_environment(tmp_path):
    # given
    env = {
        "KUND_SECRET_KEY": "a-secret-for-this-test-only",
        "KUND_DEBUG": "1",  # ignored in production
        "DATABASE_URL": f"sqlite:///{tmp_path / 'kund.sqlite3'}",
        "KUND_ALLOWED_HOSTS": "kund.example.se,kund.internal",
        "KUND_CSRF_TRUSTED_ORIGINS": "https://kund.example.se",
        "KUND_BEHIND_TLS_PROXY": "1",
        "KUND_STORAGE_BACKEND": "django.core.files.storage.InMemoryStorage",
        "KUND_STORAGE_OPTIONS": '{"location": "kund"}',
        "KUND_EMAIL_HOST": "smtp.example.se",
        "KUND_EMAIL_PORT": "587",
        "KUND_EMAIL_USE_TLS": "1",
        "KUND_DEFAULT_FROM_EMAIL": "kund@example.se",
    }

    # when
    result = kund("shell", "--no-imports", "-c", SHOW_SETTINGS, **env)

    # then
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["debug"] is False
    assert shown["hosts"] == ["kund.example.se", "kund.internal"]
    assert shown["origins"] == ["https://kund.example.se"]
    assert shown["proxy_ssl"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert shown["secure_cookies"] == [True, True]
    assert shown["storage"] == {
        "BACKEND": "django.core.files.storage.InMemoryStorage",
        "OPTIONS": {"location": "kund"},
    }
    assert shown["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"
    assert shown["email"] == ["smtp.example.se", 587, True, "kund@example.se"]
    assert shown["db_max_age"] == 60


def test_serve_refuses_to_start_with_migrations_not_applied(tmp_path):
    # given a database nobody has migrated
    env = {
        "KUND_SECRET_KEY": "a-secret-for-this-test-only",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'new.sqlite3'}",
    }

    # when
    result = kund("serve", "--bind", "127.0.0.1:1", **env)

    # then it says so in one line, and started nothing
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "migration(s)" in lines[0] and "kund migrate" in lines[0]
    assert "web server" not in result.stderr


@pytest.mark.django_db(transaction=True)
@override_settings(TASKS=DATABASE_TASKS)
def test_serve_leaves_a_task_for_an_erasure_job_whose_workers_all_stopped_before_it_starts_its_own(
    monkeypatch,
):
    # given a mass job whose only worker died with its machine, holding a chunk, its task lost
    enable_crm()
    eraser = mass_eraser()
    for day in range(1, 4):
        private("Nils", f"Hedlund{day}", created=date(2015, 1, day))
    job = jobs.plan_mass_job(actor=eraser, criteria="never-purchased", through=date(2020, 12, 31))
    jobs.start_job(actor=eraser, job=job, enqueue=False)
    held = runner.claim_chunk(job.pk, worker="db-1:4242")
    # and the supervisor held back, so that no process starts
    monkeypatch.setattr(serve.Supervisor, "run", lambda supervisor: None)

    # when the machine starts again: `kund serve --no-web`
    err = io.StringIO()
    call_command("serve", "--no-web", "--task-workers", "1", stdout=io.StringIO(), stderr=err)

    # then a task of the job waits for the dead worker's lease to run out, with nobody resuming it
    waiting = DBTaskResult.objects.get(task_path="kund.privacy.tasks.run_erasure_job", status="READY")
    assert waiting.args_kwargs == {"args": [job.pk], "kwargs": {}}
    assert waiting.run_after == held.lease_until
    assert f"erasure jobs {job.pk} have a task waiting" in err.getvalue()
    # and the daily retention run is queued too
    assert DBTaskResult.objects.filter(task_path="kund.retention.tasks.run_retention").count() == 1


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> int:
    request = urllib.request.Request(url)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback only)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_serve_runs_gunicorn_and_the_workers_and_logs_no_query_string(tmp_path):
    # given the migrated test database
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("KUND_") and k != "DATABASE_URL"},
        "DJANGO_SETTINGS_MODULE": "kund.settings.production",
        "PYTHONPATH": str(ROOT),
        "KUND_SECRET_KEY": "a-secret-for-this-test-only",
        "DATABASE_URL": database_url(),
        "KUND_SECURE_COOKIES": "0",
        "KUND_STATIC_ROOT": str(tmp_path / "static"),
        "KUND_MEDIA_ROOT": str(tmp_path / "media"),
    }

    # when it is served with one web worker and one background worker
    server = subprocess.Popen(
        [sys.executable, "-m", "kund", "serve", "--bind", f"127.0.0.1:{port}"]
        + ["--web-workers", "1", "--task-workers", "1"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        login, search = 0, 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and server.poll() is None:
            try:
                login = _get(f"http://127.0.0.1:{port}/accounts/login/")
                break
            except OSError:
                time.sleep(0.5)
        opener = urllib.request.build_opener(_NoRedirect)
        try:
            opener.open(f"http://127.0.0.1:{port}/customers/?q=astrid.berg%40example.se", timeout=10)
        except urllib.error.HTTPError as error:
            search = error.code
        static = _get(f"http://127.0.0.1:{port}/static/vendor/htmx/htmx.min.js")
        children = subprocess.run(
            ["ps", "-o", "args=", "--ppid", str(server.pid)], capture_output=True, text=True
        ).stdout
    finally:
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=90)

    # then the pages and the static files were served, and a worker ran beside gunicorn
    assert (login, search, static) == (200, 302, 200), output[-3000:]
    assert "gunicorn" in children and "db_worker" in children
    # and everything stopped cleanly on one SIGTERM
    assert server.returncode == 0, output[-3000:]
    # and the access log has the path of the search, without what was searched
    assert '"GET /customers/ HTTP/1.1" 302' in output
    assert "astrid" not in output and "example.se" not in output
