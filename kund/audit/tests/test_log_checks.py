"""B-2 in the web: "check the chain" runs the verification of `kund verify_erasure_log` — at once for a short
log, by the background worker with its progress for a long one — and records who asked and what it found."""

import io
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from kund.audit import erasure_log, log_checks
from kund.audit.models import ErasureLogCheck, ErasureLogEntry
from kund.customers.tests.register_fixtures import make_user

pytestmark = pytest.mark.django_db

State = ErasureLogCheck.State


def _append(n: int, start: int = 1000):
    records = [
        {"customer_number": str(start + i), "action": "anonymize", "counts": {"customers.Customer": 1}}
        for i in range(n)
    ]
    return erasure_log.append(records, actor_username="erik.privacy", at=timezone.now())


def test_b2_a_short_log_is_checked_at_once_and_the_check_is_recorded(admin_user):
    # given
    _append(5)

    # when
    check = log_checks.check_start(actor=admin_user)

    # then
    assert (check.state, check.ok, check.checked, check.total) == (State.DONE, True, 5, 5)
    assert check.requested_by == admin_user and check.finished_at is not None


def test_b2_a_long_log_is_checked_by_the_worker_after_the_request_commits(
    admin_user, settings, django_capture_on_commit_callbacks
):
    # given a log longer than is checked in a request
    settings.KUND_ERASURE_LOG_CHECK_INLINE_ROWS = 3
    _append(5)

    # when
    with django_capture_on_commit_callbacks() as queued:
        check = log_checks.check_start(actor=admin_user)

        # then it waits for the worker, with the chain's length from its head
        assert (check.state, check.total, check.checked) == (State.QUEUED, 5, 0)

    # when the worker runs it (the test settings' tasks run at once)
    for callback in queued:
        callback()

    # then
    check.refresh_from_db()
    assert (check.state, check.ok, check.checked) == (State.DONE, True, 5)


def test_b2_a_broken_chain_is_reported_as_the_command_reports_it(admin_user):
    # given a row changed behind the log's back
    _append(4)
    ErasureLogEntry.objects.filter(sequence=3).update(customer_number="4711")

    # when
    check = log_checks.check_start(actor=admin_user)
    with pytest.raises(CommandError) as command:
        call_command("verify_erasure_log", stdout=io.StringIO())

    # then the web and the command find the same break
    assert (check.ok, check.broken_at, check.code) == (False, 3, erasure_log.CHANGED)
    assert "broken at row 3: its content was changed" in str(command.value)


def test_b2_a_check_under_way_is_followed_not_started_twice_unless_it_stopped(admin_user):
    # given a check the worker is running, reporting
    _append(2)
    running = ErasureLogCheck.objects.create(requested_by=admin_user, state=State.RUNNING, total=2)

    # when / then another request follows it
    assert log_checks.check_start(actor=admin_user) == running

    # given that it went silent (its worker died)
    ErasureLogCheck.objects.filter(pk=running.pk).update(updated_at=timezone.now() - timedelta(minutes=6))
    running.refresh_from_db()

    # when / then it is shown as stopped, and a new check runs
    assert log_checks.is_stalled(running)
    fresh = log_checks.check_start(actor=admin_user)
    assert fresh.pk != running.pk and fresh.state == State.DONE and fresh.ok


def test_b2_a_check_that_fails_is_recorded_as_failed_with_no_detail_for_the_page(admin_user, monkeypatch):
    # given
    def broken(**kwargs):
        raise OSError("disk I/O error at /var/lib/kund/kund.sqlite3")

    monkeypatch.setattr(erasure_log, "verify_chain", broken)

    # when
    check = log_checks.check_start(actor=admin_user)

    # then
    assert (check.state, check.ok, check.error) == (State.FAILED, None, "OSError")


def test_b2_a_check_is_taken_up_once(admin_user):
    _append(1)
    check = ErasureLogCheck.objects.create(requested_by=admin_user, total=1)
    log_checks.check_run(check_id=check.pk)
    finished = ErasureLogCheck.objects.get(pk=check.pk).finished_at

    log_checks.check_run(check_id=check.pk)

    assert ErasureLogCheck.objects.get(pk=check.pk).finished_at == finished


def test_b2_only_who_may_read_the_log_checks_it():
    viewer = make_user("view_customer", "change_customer", username="sven.ek")

    with pytest.raises(PermissionDenied):
        log_checks.check_start(actor=viewer)
    assert not ErasureLogCheck.objects.exists()
