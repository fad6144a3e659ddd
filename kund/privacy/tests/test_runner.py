"""One erasure job shared by any number of workers (SPEC §9): its customers cut into chunks that each worker
claims under a lease, a chunk whose lease ran out taken over by another worker, and a task left in the
queue to look again when a worker finds only chunks that others hold. The real worker processes are in
test_jobs_crash.py."""

import threading
from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.utils import timezone
from django_tasks.base import TaskContext
from django_tasks_db.models import DBTaskResult

from kund.audit.erasure_log import verify_chain
from kund.audit.models import ErasureLogEntry
from kund.customers.models import Customer
from kund.privacy import runner
from kund.privacy.jobs import plan_mass_job, run_job, start_job
from kund.privacy.models import ErasureJob, ErasureJobChunk
from kund.privacy.tasks import run_erasure_job
from kund.privacy.tests.massdata import enable_crm, mass_eraser, private
from kund.privacy.tests.worker import DATABASE_TASKS
from kund.webhooks.models import Delivery
from kund.webhooks.services import subscription_create

pytestmark = pytest.mark.django_db
THROUGH = date(2020, 12, 31)
SHARED_WRITES = "has_select_for_update_skip_locked"


@pytest.fixture
def eraser():
    enable_crm()
    return mass_eraser()


def started_job(eraser, customers: int) -> ErasureJob:
    """A started job over `customers` never-buyers (all to delete): chunks of 50."""
    for i in range(customers):
        private("Maja", f"Forsberg{i}", created=date(2015, 1, 1) + timedelta(days=i))
    job = plan_mass_job(actor=eraser, criteria="never-purchased", through=THROUGH)
    return start_job(actor=eraser, job=job, enqueue=False)


def expire(chunk: ErasureJobChunk) -> None:
    ErasureJobChunk.objects.filter(pk=chunk.pk).update(lease_until=timezone.now() - timedelta(seconds=1))


def test_a_job_is_cut_into_chunks_and_each_is_claimed_by_one_worker(eraser):
    # given a started job of 120 customers
    job = started_job(eraser, 120)

    # when one worker claims a chunk, and another one asks while the first still holds it
    first = runner.claim_chunk(job.pk, worker="web-1:4242")
    second = runner.claim_chunk(job.pk, worker="web-2:4343")

    # then the job is cut in the order of its items, and the first chunk is the first worker's
    assert [(c.number, c.size) for c in job.chunks.all()] == [(1, 50), (2, 50), (3, 20)]
    assert (first.number, first.state, first.worker, first.attempts) == (1, "running", "web-1:4242", 1)
    assert first.lease_until is not None
    job.refresh_from_db()
    assert job.state == ErasureJob.State.RUNNING and job.started_at is not None
    if getattr(connection.features, SHARED_WRITES):
        # PostgreSQL: the second worker takes the next chunk, erasing beside the first
        assert (second.number, second.worker) == (2, "web-2:4343")
    else:
        # SQLite, one writer: a job's chunks are taken one at a time
        assert second is None


def test_a_chunk_whose_lease_ran_out_is_taken_over_and_its_lost_task_marked_failed(
    eraser, django_capture_on_commit_callbacks
):
    # given a chunk claimed by a worker that then died: its task is left running in the queue
    job = started_job(eraser, 60)
    with override_settings(TASKS=DATABASE_TASKS):
        lost = run_erasure_job.enqueue(job.pk)
    DBTaskResult.objects.get(pk=lost.id).claim("dead-worker")
    chunk = runner.claim_chunk(job.pk, worker="db-3:999", task_result_id=str(lost.id))

    # when its lease runs out and another worker runs the job
    expire(chunk)
    with django_capture_on_commit_callbacks(execute=True):
        finished = run_job(job_id=job.pk)

    # then the other worker erased the dead one's chunk, every customer once
    assert finished.state == ErasureJob.State.DONE
    assert (finished.deleted, finished.processed) == (60, 60)
    chunk.refresh_from_db()
    assert (chunk.state, chunk.attempts, chunk.worker) == ("done", 2, runner.worker_name())
    assert not Customer.objects.exists()
    assert ErasureLogEntry.objects.filter(job_id=job.pk).count() == 60
    # and the queue no longer says the dead worker's task is running
    assert DBTaskResult.objects.get(pk=lost.id).status == "FAILED"


def test_a_worker_that_finds_only_chunks_held_by_others_leaves_one_task_to_look_again(eraser):
    # given a job whose first chunk another worker holds
    job = started_job(eraser, 60)
    held = runner.claim_chunk(job.pk, worker="db-2:777")

    # when two more workers run the job, with the database queue
    with override_settings(TASKS=DATABASE_TASKS):
        after = run_job(job_id=job.pk)
        run_job(job_id=job.pk)

    # then the job is not done, and one task waits to look again when the holder's lease runs out
    assert after.state == ErasureJob.State.RUNNING
    waiting = DBTaskResult.objects.get(status="READY")
    assert waiting.run_after == held.lease_until
    assert waiting.args_kwargs == {"args": [job.pk], "kwargs": {}}
    assert waiting.task_path == "kund.privacy.tasks.run_erasure_job"
    if getattr(connection.features, SHARED_WRITES):
        assert job.chunks.get(number=2).state == "done"  # the chunk nobody held was erased meanwhile

    # when the lease runs out and that task runs
    expire(held)
    with override_settings(TASKS=DATABASE_TASKS):
        finished = run_job(job_id=job.pk)

    # then the held chunk was taken over and the job finished
    assert finished.state == ErasureJob.State.DONE
    assert (finished.deleted, finished.processed) == (60, 60)
    assert job.chunks.get(number=1).attempts == 2


@pytest.mark.django_db(transaction=True)
def test_a_claim_skips_the_chunk_another_worker_is_claiming_instead_of_waiting_for_it(eraser):
    if not getattr(connection.features, SHARED_WRITES):
        pytest.skip("SQLite has no row locks: its writers take turns")
    # given a job cut into chunks, and another worker in the middle of claiming the first one
    job = started_job(eraser, 120)
    ErasureJobChunk.objects.filter(pk=runner.claim_chunk(job.pk, worker="w:1").pk).update(
        state="pending", lease_until=None
    )
    locked, release = threading.Event(), threading.Event()

    def claiming():
        try:
            with transaction.atomic():
                ErasureJobChunk.objects.select_for_update().get(job=job, number=1)
                locked.set()
                release.wait(20)
        finally:
            connection.close()

    other = threading.Thread(target=claiming, daemon=True)
    other.start()
    assert locked.wait(20)

    # when this worker claims
    try:
        chunk = runner.claim_chunk(job.pk, worker="w:2")
    finally:
        release.set()
        other.join(20)

    # then it took the next chunk rather than waiting for the first
    assert chunk.number == 2


@pytest.mark.django_db(transaction=True)
def test_each_chunk_records_its_worker_and_its_time_in_the_erasure_logs_serialized_append(eraser):
    # given a started job of 120 customers
    job = started_job(eraser, 120)

    # when it runs
    run_job(job_id=job.pk)

    # then each chunk says who erased it, how long that took, and how much of it held the log's head
    chunks = list(job.chunks.all())
    assert len(chunks) == 3
    for chunk in chunks:
        assert (chunk.state, chunk.worker, chunk.attempts) == ("done", runner.worker_name(), 1)
        assert 0 < chunk.serial_seconds < chunk.seconds
        assert chunk.wait_seconds >= 0
        assert chunk.lease_until is None and chunk.finished_at is not None
    assert verify_chain().ok


def test_a_task_erases_one_chunk_and_leaves_a_task_in_its_place_while_chunks_are_left(
    eraser, django_capture_on_commit_callbacks
):
    # given a started job of 120 customers (three chunks) and no task in the queue
    job = started_job(eraser, 120)

    # when a task of the job runs, as a worker of the database queue runs it
    with override_settings(TASKS=DATABASE_TASKS), django_capture_on_commit_callbacks(execute=True):
        task = run_erasure_job.enqueue(job.pk)
        DBTaskResult.objects.get(pk=task.id).claim("worker-1")
        run_erasure_job.call(TaskContext(task_result=task), job.pk)

    # then it erased one chunk, and one task waits to go on at once
    assert list(job.chunks.values_list("state", flat=True)) == ["done", "pending", "pending"]
    waiting = DBTaskResult.objects.get(status="READY", task_path="kund.privacy.tasks.run_erasure_job")
    assert waiting.args_kwargs == {"args": [job.pk], "kwargs": {}}
    assert waiting.task_result.task.run_after is None


def test_a_chunks_record_is_written_before_the_erasure_log_which_holds_its_head_until_the_commit(eraser):
    # given a job, watched where the engine records its outcomes
    job = started_job(eraser, 60)
    seen = []
    settle = runner._settle

    def watched(job_id, outcomes):
        seen.append((ErasureLogEntry.objects.count(), {o.receipt for o in outcomes}))
        return settle(job_id, outcomes)

    # when it runs
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(runner, "_settle", watched)
        run_job(job_id=job.pk)

    # then the outcomes were recorded before the chunk's log rows were appended, and got their receipts
    assert seen == [(0, {""}), (50, {""})]
    assert ErasureLogEntry.objects.filter(job_id=job.pk).count() == 60


def test_a_jobs_events_to_connected_systems_carry_the_receipts_of_the_log_appended_before_them(eraser):
    # given a connected system subscribed to deletions, and a job of 60 customers to delete (two chunks)
    subscription_create(
        actor=None, url="http://127.0.0.1:9/kund", events=["customer.deleted"], name="Bokföring"
    )
    job = started_job(eraser, 60)

    # when the job runs
    run_job(job_id=job.pk)

    # then each erased customer's event is in the outbox with its own receipt from the erasure log
    logged = set(ErasureLogEntry.objects.filter(job_id=job.pk).values_list("customer_number", "hash"))
    assert len(logged) == 60
    assert set(Delivery.objects.values_list("customer_number", "receipt")) == logged


def test_a_job_whose_workers_all_stopped_gets_a_task_when_the_workers_start_again(eraser):
    # given a job whose only worker died holding its first chunk, its task gone from the queue, and a
    # queued job whose tasks were lost before any ran
    stranded = started_job(eraser, 60)
    held = runner.claim_chunk(stranded.pk, worker="db-1:4242")
    never_cut = start_job(
        actor=eraser, job=plan_mass_job(actor=eraser, criteria="both", through=THROUGH), enqueue=False
    )

    # when the workers of a machine start (twice: a restart, or a second machine)
    with override_settings(TASKS=DATABASE_TASKS):
        assert runner.watch_active_jobs() == [stranded.pk, never_cut.pk]
        runner.watch_active_jobs()

    # then one task of each job waits: the first's when the dead worker's lease runs out, the other's now
    waiting = {t.args_kwargs["args"][0]: t for t in DBTaskResult.objects.filter(status="READY")}
    assert set(waiting) == {stranded.pk, never_cut.pk}
    assert DBTaskResult.objects.count() == 2
    assert waiting[stranded.pk].run_after == held.lease_until
    assert waiting[never_cut.pk].run_after <= timezone.now()
    # and neither job was touched otherwise
    assert never_cut.chunks.count() == 0 and ErasureJob.objects.get(pk=never_cut.pk).state == "queued"
    assert stranded.chunks.get(number=1).state == "running"
