"""A worker killed mid-run (kill -9) and restarted: every customer ends deleted, anonymized or ignored
exactly once, and the erasure log has exactly one row per erased customer (SPEC M-5, B-2).

This runs the real thing: `kund db_worker` as a separate process on the test database, with the database
task backend, a job of a few thousand customers, SIGKILL while chunks are committing, `kund
resume_erasure_jobs`, and a second worker that finishes the job.
"""

import signal
from datetime import date, timedelta

import pytest
from django.test import override_settings

from kund.audit.erasure_log import verify_chain
from kund.audit.models import ErasureLogEntry
from kund.customers.models import Customer
from kund.privacy import jobs
from kund.privacy.models import ErasureJob, ErasureJobItem
from kund.privacy.tests.massdata import bulk_private_customers, enable_crm, mass_eraser
from kund.privacy.tests.worker import DATABASE_TASKS, start_worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CUSTOMERS = 4000


def _processed(job) -> int:
    return ErasureJob.objects.values_list("processed", flat=True).get(pk=job.pk)


def test_a_worker_killed_mid_run_and_restarted_erases_everyone_exactly_once():
    # given a planned mass run over a few thousand private customers of every sort
    enable_crm()
    eraser = mass_eraser()
    ids = bulk_private_customers(CUSTOMERS)
    job = jobs.plan_mass_job(actor=eraser, criteria="both", through=date(2025, 1, 1), limit=CUSTOMERS)
    assert job.total == CUSTOMERS
    assert job.planned_delete and job.planned_anonymize and job.planned_ignored

    # when it is started for a real worker, and the worker is killed -9 in the middle of the run
    with override_settings(TASKS=DATABASE_TASKS):
        jobs.start_job(actor=eraser, job=job)
    worker = start_worker()
    try:
        settled_at_start = job.planned_ignored
        wait_for(
            lambda: _processed(job) >= settled_at_start + 600,
            timeout=60,
            worker=worker,
            what="the first chunks",
        )
    finally:
        worker.send_signal(signal.SIGKILL)
        worker.wait()
    killed_at = _processed(job)
    job.refresh_from_db()
    assert job.state == ErasureJob.State.RUNNING, "the kill came after the end; make the run longer"
    assert killed_at < job.total

    # and the job is resumed and a new worker started
    with override_settings(TASKS=DATABASE_TASKS):
        assert jobs.resume_stale_jobs(stale_after=timedelta(0)) == [job.pk]
    worker = start_worker()
    try:
        wait_for(
            lambda: ErasureJob.objects.values_list("state", flat=True).get(pk=job.pk) == "done",
            timeout=90,
            worker=worker,
            what="the end of the run",
        )
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=10)

    # then every selected customer ended deleted, anonymized or ignored, exactly once
    job.refresh_from_db()
    assert not ErasureJobItem.objects.filter(job=job, result="pending").exists()
    assert job.processed == job.total == CUSTOMERS
    assert job.deleted + job.anonymized + job.ignored == CUSTOMERS and job.failed == 0
    assert (job.deleted, job.anonymized, job.ignored) == (
        job.planned_delete,
        job.planned_anonymize,
        job.planned_ignored,
    )
    results = dict(ErasureJobItem.objects.filter(job=job).values_list("customer_id", "result"))
    assert set(results) == set(ids)
    remaining = dict(Customer.objects.filter(pk__in=ids).values_list("pk", "anonymized_at"))
    for pk, result in results.items():
        if result == "deleted":
            assert pk not in remaining
        elif result == "anonymized":
            assert remaining[pk] is not None
        else:
            assert remaining[pk] is None

    # and the erasure log has exactly one row per erased customer, its chain intact
    log = list(ErasureLogEntry.objects.values_list("customer_number", "action", "job_id"))
    numbers = [number for number, _action, _job in log]
    assert len(numbers) == len(set(numbers)) == job.deleted + job.anonymized
    erased = dict(
        ErasureJobItem.objects.filter(job=job, result__in=["deleted", "anonymized"]).values_list(
            "customer_number", "result"
        )
    )
    assert {n: {"delete": "deleted", "anonymize": "anonymized"}[a] for n, a, _j in log} == erased
    assert {j for _n, _a, j in log} == {job.pk}
    assert verify_chain().ok

    # and the task the killed worker left running is marked failed, not left running forever
    from django_tasks_db.models import DBTaskResult

    assert not DBTaskResult.objects.filter(status="RUNNING").exists()
