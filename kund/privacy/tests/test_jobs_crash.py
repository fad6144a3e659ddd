"""Workers killed mid-run (kill -9): every customer ends deleted, anonymized or ignored exactly once, the
erasure log has exactly one row per erased customer (SPEC M-5, B-2), and the workers still running take
over the dead one's chunk when its lease runs out, without anyone resuming the job (SPEC §9).

This runs the real thing: `kund db_worker` processes on the test database, with the database task
backend, a job of a few thousand customers, SIGKILL while a chunk is being erased, and a lease shortened
to a few seconds so that the take-over comes quickly.
"""

import signal
import subprocess
import time
from datetime import date

import pytest
from django.db import connection
from django.test import override_settings

from kund.audit.erasure_log import verify_chain
from kund.audit.models import ErasureLogEntry
from kund.customers.models import Customer
from kund.privacy import jobs
from kund.privacy.models import ErasureJob, ErasureJobChunk, ErasureJobItem
from kund.privacy.tests.massdata import bulk_private_customers, enable_crm, mass_eraser
from kund.privacy.tests.worker import DATABASE_TASKS, start_worker, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LEASE = "3"  # seconds; a chunk of 50 customers takes a fraction of that


def _worker(**settings) -> subprocess.Popen:
    return start_worker(KUND_ERASURE_JOB_LEASE_SECONDS=LEASE, KUND_ERASURE_CHUNK_SIZE="50", **settings)


def _pid(worker_name: str) -> int:
    return int(worker_name.rsplit(":", 1)[1])


def _state(job) -> str:
    return ErasureJob.objects.values_list("state", flat=True).get(pk=job.pk)


def _chunks(job, state: str) -> list[tuple[int, str]]:
    return list(ErasureJobChunk.objects.filter(job=job, state=state).values_list("number", "worker"))


def _plan(customers: int):
    enable_crm()
    eraser = mass_eraser()
    ids = bulk_private_customers(customers)
    job = jobs.plan_mass_job(actor=eraser, criteria="both", through=date(2025, 1, 1), limit=customers)
    assert job.total == customers
    assert job.planned_delete and job.planned_anonymize and job.planned_ignored
    return eraser, ids, job


def _kill_while_erasing(job, workers: list[subprocess.Popen], *, after_each_did: int = 0):
    """SIGKILL a worker while it holds a chunk, once every worker has finished `after_each_did` chunks.
    Each candidate is frozen (SIGSTOP) before its chunks are looked at, so that it cannot finish the chunk
    between the look and the kill. Returns the killed worker's process, its chunk's number and its task."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        done_by = [_pid(name) for _number, name in _chunks(job, "done")]
        if all(done_by.count(w.pid) >= after_each_did for w in workers):
            for worker in workers:
                worker.send_signal(signal.SIGSTOP)
                held = _chunks(job, "running")
                held = [number for number, name in held if _pid(name) == worker.pid]
                if held:
                    worker.send_signal(signal.SIGKILL)
                    worker.wait()
                    assert _state(job) == ErasureJob.State.RUNNING, "the kill came after the end"
                    chunk = ErasureJobChunk.objects.get(job=job, number=held[0])
                    return worker, chunk.number, chunk.task_result_id
                worker.send_signal(signal.SIGCONT)
        assert _state(job) != ErasureJob.State.DONE, "the run ended before the kill; make it longer"
        for worker in workers:
            if worker.poll() is not None:
                pytest.fail(f"a worker stopped: {worker.stderr.read().decode()[-2000:]}")
        time.sleep(0.01)
    pytest.fail("no worker held a chunk after doing its first ones")


def _stop(workers):
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)
    for worker in workers:
        try:
            worker.wait(timeout=15)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def _assert_everyone_erased_exactly_once(job, ids, *, lost_task: str):
    job.refresh_from_db()
    assert job.state == ErasureJob.State.DONE
    assert not ErasureJobItem.objects.filter(job=job, result="pending").exists()
    assert job.processed == job.total == len(ids)
    assert job.failed == 0
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

    # and the task the killed worker was running is marked failed, not left running for ever
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.get(pk=lost_task).status == "FAILED"


def test_a_worker_killed_mid_run_is_replaced_and_its_chunk_taken_over_without_a_resume():
    # given a planned mass run over a few thousand private customers of every sort
    _eraser, ids, job = _plan(2000)

    # when it is started for a real worker, and the worker is killed -9 while erasing a chunk
    worker = _worker()
    try:
        with override_settings(TASKS=DATABASE_TASKS):
            jobs.start_job(actor=job.created_by, job=job)
        _killed, chunk, lost_task = _kill_while_erasing(job, [worker], after_each_did=3)
    finally:
        _stop([worker])
    assert job.items.filter(result="pending").exists()

    # and a new worker is started, nobody resuming anything
    worker = _worker()
    try:
        wait_for(lambda: _state(job) == "done", timeout=120, worker=worker, what="the end of the run")
    finally:
        _stop([worker])

    # then the killed worker's chunk was erased by the new one, and every customer exactly once
    taken_over = ErasureJobChunk.objects.get(job=job, number=chunk)
    assert taken_over.state == "done" and taken_over.attempts == 2
    assert _pid(taken_over.worker) == worker.pid
    _assert_everyone_erased_exactly_once(job, ids, lost_task=lost_task)


def test_three_workers_share_one_job_and_finish_the_chunks_of_one_killed_mid_run():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has one writer: its workers take a job's chunks one at a time (test above)")

    # given a planned mass run, and three workers
    _eraser, ids, job = _plan(3000)
    workers = [_worker() for _ in range(3)]
    try:
        # when it is started, and one of them is killed -9 while erasing a chunk, once each has done some
        with override_settings(TASKS=DATABASE_TASKS):
            jobs.start_job(actor=job.created_by, job=job)
        killed, chunk, lost_task = _kill_while_erasing(job, workers, after_each_did=2)
        survivors = [w for w in workers if w is not killed]
        wait_for(lambda: _state(job) == "done", timeout=120, worker=survivors[0], what="the end of the run")
        assert all(w.poll() is None for w in survivors)
    finally:
        _stop(workers)

    # then each worker erased chunks of the job, the killed one's chunk was finished by a survivor
    done = ErasureJobChunk.objects.filter(job=job)
    assert set(done.values_list("state", flat=True)) == {"done"}
    assert {_pid(name) for name in done.values_list("worker", flat=True)} == {w.pid for w in workers}
    taken_over = done.get(number=chunk)
    assert taken_over.attempts == 2
    assert _pid(taken_over.worker) in {w.pid for w in survivors}
    # and every customer ended exactly once, the log one chain with one row per erased customer
    _assert_everyone_erased_exactly_once(job, ids, lost_task=lost_task)
