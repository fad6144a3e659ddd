"""B-7, SPEC §9 and §8: `kund requests add|list|notify|purge` — what it prints, and its exit statuses: 0
done, 1 not done for a business reason, 2 bad input with one line and no traceback."""

import io
import json
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kund.demo.testing.factories import Person, make_customer
from kund.requests import services
from kund.requests.models import DataRequest

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[3]
ROW_KEYS = {
    "id",
    "ref",
    "kind",
    "customer",
    "channel",
    "received",
    "deadline",
    "extension_months",
    "state",
    "overdue",
    "due_soon",
    "closed",
    "receipt",
    "responsible",
}


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("requests", *args, stdout=out, stderr=err)
        return 0, out.getvalue(), err.getvalue()
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)


@pytest.fixture
def customer(db):
    return make_customer(
        person=Person(first_name="Sune", last_name="Mattsson", email="sune.mattsson@example.se")
    )


def test_add_registers_a_request_and_prints_its_deadline(handler, customer):
    # when
    status, out, _err = run(
        "add",
        "--customer",
        customer.number,
        "--kind",
        "erasure",
        "--received",
        "2026-01-31",
        "--as",
        handler.username,
    )

    # then
    assert status == 0
    request = DataRequest.objects.get()
    assert (request.customer, request.kind, request.deadline) == (customer, "erasure", date(2026, 2, 28))
    assert request.responsible == handler
    assert out.strip() == (
        f"request {request.ref} registered: erasure for customer {customer.number}, "
        "received 2026-01-31, deadline 2026-02-28"
    )


def test_add_json_prints_the_request(handler, customer):
    status, out, _err = run(
        "add",
        *("--customer", customer.number, "--kind", "access", "--received", "2026-03-14"),
        *("--channel", "phone", "--json", "--as", handler.username),
    )
    assert status == 0
    row = json.loads(out)
    assert set(row) == ROW_KEYS
    assert row["kind"] == "access" and row["channel"] == "phone" and row["customer"] == customer.number
    assert (row["received"], row["deadline"], row["state"]) == ("2026-03-14", "2026-04-14", "received")


def test_list_json_shape_and_the_overdue_filter(handler, customer):
    # given an overdue request, one due within a week, one later, and a closed one
    today = timezone.localdate()
    other = make_customer(person=Person(first_name="Ebba", last_name="Lund", email="ebba.lund@example.se"))
    third = make_customer(person=Person(first_name="Per", last_name="Wik", email="per.wik@example.se"))
    overdue = services.request_register(
        actor=handler, kind="erasure", received_on=today - timedelta(days=70), customer=customer
    )
    soon = services.request_register(
        actor=handler,
        kind="access",
        received_on=services.deadlines.add_months(today, -1) + timedelta(days=3),
        customer=other,
    )
    later = services.request_register(actor=handler, kind="access", received_on=today, customer=third)
    closed = services.request_register(actor=handler, kind="access", received_on=today, contact="Anna Ros")
    services.request_refuse(request=closed, actor=handler, reason="Ingen kund")

    # when
    status, out, _err = run("list", "--json", "--as", handler.username)
    overdue_status, overdue_out, _err = run("list", "--overdue", "--json", "--as", handler.username)

    # then: open requests by deadline, each with the documented keys
    assert status == overdue_status == 0
    rows = json.loads(out)["requests"]
    assert [r["ref"] for r in rows] == [overdue.ref, soon.ref, later.ref]
    assert all(set(r) == ROW_KEYS for r in rows)
    assert [(r["overdue"], r["due_soon"]) for r in rows] == [(True, False), (False, True), (False, False)]
    assert json.loads(overdue_out) == {"requests": [rows[0]]}
    # no name, no contact, no reason in the output
    assert "Anna" not in out and "Mattsson" not in out


def test_list_prints_a_line_per_request(handler, customer):
    services.request_register(actor=handler, kind="erasure", received_on=date(2025, 1, 3), customer=customer)
    status, out, _err = run("list", "--as", handler.username)
    assert status == 0
    assert customer.number in out and "deadline 2025-02-03 OVERDUE" in out
    assert run("list", "--overdue", "--as", handler.username)[0] == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((), "say what to do"),
        (("delete",), "say what to do"),
        (("add", "--kind", "erasure", "--received", "2026-01-31"), "needs --customer, --kind and --received"),
        (
            ("add", "--customer", "{number}", "--kind", "rectification", "--received", "2026-01-31"),
            "bad --kind",
        ),
        (("add", "--customer", "{number}", "--kind", "erasure", "--received", "31/1/2026"), "bad --received"),
        (
            ("add", "--customer", "{number}", "--kind", "erasure", "--received", "2026-02-30"),
            "bad --received",
        ),
        (("add", "--customer", "{number}", "--kind", "erasure", "--received", "2099-01-01"), "future"),
        (("add", "--customer", "{number}", "--kind", "erasure", "--received", "2017-12-31"), "GDPR"),
        (
            (
                "add",
                "--customer",
                "{number}",
                "--kind",
                "erasure",
                "--received",
                "2026-01-31",
                "--channel",
                "fax",
            ),
            "bad --channel",
        ),
        (
            ("add", "--customer", "999999999", "--kind", "erasure", "--received", "2026-01-31"),
            "unknown customer",
        ),
        (("purge", "--as", "{user}"), "without a user"),
    ],
)
def test_bad_input_is_exit_2_with_one_line_and_changes_nothing(handler, customer, args, message):
    args = [a.format(number=customer.number, user=handler.username) for a in args]
    if "--as" not in args:
        args += ["--as", handler.username]
    status, out, err = run(*args)
    assert status == 2
    assert message in err and "\n" not in err.strip()
    assert not DataRequest.objects.exists()


def test_a_business_refusal_is_exit_1(handler, viewer, customer):
    # a second open erasure request of the same customer
    services.request_register(actor=handler, kind="erasure", received_on=date(2026, 1, 31), customer=customer)
    args = ("add", "--customer", customer.number, "--kind", "erasure", "--received", "2026-02-02")
    status, _out, err = run(*args, "--as", handler.username)
    assert status == 1 and "already has an open request" in err

    # a user without the right, to add or to list
    assert run(*args, "--as", viewer.username)[0] == 1
    status, _out, err = run("list", "--as", viewer.username)
    assert status == 1 and "does not have the right" in err
    assert DataRequest.objects.count() == 1


def test_notify_and_purge_run_without_a_user_and_print_json(handler, customer):
    services.request_register(actor=handler, kind="erasure", received_on=date(2025, 1, 3), customer=customer)
    assert json.loads(run("notify", "--json")[1]) == {"notified": 1}
    assert json.loads(run("notify", "--json")[1]) == {"notified": 0}
    purged = json.loads(run("purge", "--json")[1])
    assert purged["cleared"] == 0 and date.fromisoformat(purged["closed_before"]) < timezone.localdate()


def test_the_kund_command_exits_2_with_one_line_and_no_traceback(tmp_path):
    """The real command line, in its own process, on its own database: argparse and Django's error
    handling must not turn bad input into a usage dump or a traceback."""
    env = {
        "PATH": "/usr/bin:/bin",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'kund.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "kund.settings.test",
        "PYTHONPATH": str(ROOT),
    }
    # when: bad input is found before the database is asked anything
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "kund",
            "requests",
            "add",
            "--customer",
            "1",
            "--kind",
            "erasure",
            "--received",
            "igår",
        ],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )

    # then
    assert result.returncode == 2
    assert result.stderr.strip() == "CommandError: bad --received date 'igår': use YYYY-MM-DD"
