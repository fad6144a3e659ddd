"""Erasure jobs (SPEC M-5, §6): planned, started, run through the engine, resumable, exactly once."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kund.audit.models import ErasureLogEntry
from kund.customers.models import Customer
from kund.privacy import jobs, runner
from kund.privacy.jobs import JobRefused, NothingSelected, plan_mass_job, run_job, start_job
from kund.privacy.models import ErasureJob, ErasureJobItem
from kund.privacy.services import erase_customers
from kund.privacy.tests.massdata import enable_crm, mass_eraser, order, private, user_with

pytestmark = pytest.mark.django_db
THROUGH = date(2020, 12, 31)


@pytest.fixture
def eraser():
    enable_crm()
    return mass_eraser()


@pytest.fixture
def three(db):
    """A never-buyer (delete), an old buyer (anonymize) and one with an undelivered order (blocked)."""
    never = private("Astrid", "Berg", created=date(2015, 1, 1))
    buyer = private("Gunnar", "Holm", created=date(2015, 2, 1))
    order(buyer, date(2016, 2, 1))
    blocked = private("Sofia", "Lund", created=date(2015, 3, 1))
    order(blocked, date(2016, 3, 1), delivered=False)
    return never, buyer, blocked


def items(job) -> dict[str, tuple[str, str]]:
    return {i.customer_number: (i.result, i.reason) for i in job.items.all()}


def test_m4_planning_stores_the_verification_and_erases_nothing(eraser, three):
    never, buyer, blocked = three

    # when
    job = plan_mass_job(actor=eraser, criteria="both", through=THROUGH)

    # then the job holds the verification, customers by id and number only
    assert job.state == ErasureJob.State.PLANNED
    assert (job.total, job.planned_delete, job.planned_anonymize, job.planned_ignored) == (3, 1, 1, 1)
    assert job.created_by_username == "malin"
    result = items(job)
    assert result[never.number] == ("pending", "")
    assert result[blocked.number][0] == "ignored" and "not delivered" in result[blocked.number][1]
    assert Customer.objects.count() == 3
    assert set(ErasureJobItem._meta.get_fields()) >= {ErasureJobItem._meta.get_field("customer_id")}
    assert not ErasureJobItem._meta.get_field("customer_id").is_relation


def test_m5_started_job_runs_in_the_background_and_records_each_customer(
    eraser, three, django_capture_on_commit_callbacks
):
    never, buyer, blocked = three
    job = plan_mass_job(actor=eraser, criteria="both", through=THROUGH)

    # when started (the test settings run the task at once, after the commit)
    with django_capture_on_commit_callbacks(execute=True):
        start_job(actor=eraser, job=job)

    # then
    job.refresh_from_db()
    assert job.state == ErasureJob.State.DONE
    assert (job.deleted, job.anonymized, job.ignored, job.failed, job.processed) == (1, 1, 1, 0, 3)
    assert job.task_result_id
    assert items(job)[never.number] == ("deleted", "")
    assert items(job)[buyer.number] == ("anonymized", "")
    assert not Customer.objects.filter(pk=never.pk).exists()
    assert Customer.objects.get(pk=buyer.pk).anonymized_at is not None
    assert Customer.objects.get(pk=blocked.pk).anonymized_at is None
    logged = ErasureLogEntry.objects.filter(job_id=job.pk)
    assert sorted(logged.values_list("customer_number", "action")) == sorted(
        [(never.number, "delete"), (buyer.number, "anonymize")]
    )
    assert logged.first().actor_username == "malin"


def test_m5_a_job_starts_once(eraser, three):
    job = plan_mass_job(actor=eraser, criteria="both", through=THROUGH)
    start_job(actor=eraser, job=job, enqueue=False)
    with pytest.raises(JobRefused):
        start_job(actor=eraser, job=job, enqueue=False)


def test_m6_right_and_crm_setting_are_required(three):
    # given the right without the CRM module, and the CRM module without the right
    enable_crm(False)
    eraser = mass_eraser()
    clerk = user_with("kalle", "view_customer", "erase_customer")

    # then
    with pytest.raises(JobRefused):
        plan_mass_job(actor=eraser, criteria="both", through=THROUGH)
    enable_crm(True)
    with pytest.raises(PermissionDenied):
        plan_mass_job(actor=clerk, criteria="both", through=THROUGH)
    assert plan_mass_job(actor=eraser, criteria="both", through=THROUGH).total == 3


def test_m1_nothing_selected_creates_no_job(eraser, three):
    with pytest.raises(NothingSelected):
        plan_mass_job(actor=eraser, criteria="both", through=date(2010, 1, 1))
    assert not ErasureJob.objects.exists()


def test_customers_erased_meanwhile_end_ignored_and_never_twice(eraser, three):
    # given a planned job, and one of its customers anonymized by someone else before it runs
    never, buyer, blocked = three
    job = plan_mass_job(actor=eraser, criteria="both", through=THROUGH)
    erase_customers(customer_ids=[buyer.pk], actor=eraser)

    # when
    start_job(actor=eraser, job=job, enqueue=False)
    run_job(job_id=job.pk)

    # then
    job.refresh_from_db()
    assert items(job)[buyer.number] == ("ignored", "already anonymized")
    assert (job.deleted, job.anonymized, job.ignored) == (1, 0, 2)
    assert ErasureLogEntry.objects.filter(customer_number=buyer.number).count() == 1


def test_a_crash_inside_a_chunk_leaves_its_customers_pending_and_a_rerun_finishes_them(
    eraser, monkeypatch, django_capture_on_commit_callbacks
):
    # given a job of 120 customers (chunks of 50) whose recording fails in the second chunk, as a
    # worker killed there would leave it
    for i in range(120):
        private("Nils", f"Ek{i}", created=date(2015, 1, 1) + timedelta(days=i))
    job = plan_mass_job(actor=eraser, criteria="never-purchased", through=THROUGH)
    start_job(actor=eraser, job=job, enqueue=False)
    calls = {"n": 0}
    settle = runner._settle

    def dying(job_id, outcomes):
        calls["n"] += 1
        if calls["n"] == 2:
            raise SystemExit("killed")  # not an Exception: the engine's retry does not catch it
        return settle(job_id, outcomes)

    monkeypatch.setattr(runner, "_settle", dying)
    with pytest.raises(SystemExit):
        run_job(job_id=job.pk)
    monkeypatch.setattr(runner, "_settle", settle)

    # then the first chunk is done and recorded, the second rolled back whole
    job.refresh_from_db()
    assert job.state == ErasureJob.State.RUNNING
    assert job.processed == 50 and job.deleted == 50
    assert Customer.objects.count() == 70
    assert ErasureLogEntry.objects.filter(job_id=job.pk).count() == 50

    # when the job's worker is given up for lost and the job resumed
    ErasureJob.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):  # the test settings run the task at once
        assert jobs.resume_stale_jobs() == [job.pk]
    # then every customer is deleted exactly once
    job.refresh_from_db()
    assert job.state == ErasureJob.State.DONE
    assert (job.deleted, job.processed, job.ignored, job.failed) == (120, 120, 0, 0)
    assert Customer.objects.count() == 0
    log = list(ErasureLogEntry.objects.filter(job_id=job.pk).values_list("customer_number", flat=True))
    assert len(log) == len(set(log)) == 120


def test_a_job_silent_but_held_by_a_live_worker_is_not_resumed(eraser, three):
    job = plan_mass_job(actor=eraser, criteria="both", through=THROUGH)
    start_job(actor=eraser, job=job, enqueue=False)
    ErasureJob.objects.filter(pk=job.pk).update(state="running", heartbeat_at=timezone.now())

    # then a resume does not touch it
    assert jobs.resume_stale_jobs() == []
    assert Customer.objects.count() == 3


def test_two_runners_of_one_job_still_erase_each_customer_once(eraser):
    # given a job, and a second runner that takes it over while the first is between chunks
    for i in range(60):
        private("Elsa", f"Wallin{i}", created=date(2015, 1, 1) + timedelta(days=i))
    job = plan_mass_job(actor=eraser, criteria="never-purchased", through=THROUGH)
    start_job(actor=eraser, job=job, enqueue=False)
    state = {"second": False}

    def second_runner(progress_job):
        if not state["second"]:
            state["second"] = True
            ErasureJob.objects.filter(pk=job.pk).update(heartbeat_at=None)
            run_job(job_id=job.pk)

    # when
    run_job(job_id=job.pk, on_progress=second_runner)

    # then
    job.refresh_from_db()
    assert state["second"]
    assert (job.deleted, job.ignored, job.processed) == (60, 0, 60)
    assert ErasureLogEntry.objects.filter(job_id=job.pk).count() == 60


def test_job_rows_and_task_arguments_hold_no_personal_data(
    eraser, three, django_capture_on_commit_callbacks, monkeypatch
):
    # given the task's enqueue, watched
    from kund.privacy import tasks

    seen = []
    real_task = tasks.run_erasure_job

    class Watched:
        def enqueue(self, *args, **kwargs):
            seen.append((args, kwargs))
            return real_task.enqueue(*args, **kwargs)

    monkeypatch.setattr(tasks, "run_erasure_job", Watched())
    job = plan_mass_job(actor=eraser, criteria="both", through=THROUGH)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        start_job(actor=eraser, job=job)

    # then the task got the job's id and nothing else
    assert seen == [((job.pk,), {})]
    text = " ".join(
        str(v) for row in ErasureJobItem.objects.values_list("customer_number", "reason") for v in row
    )
    for value in ("Astrid", "Berg", "Gunnar", "Holm", "Sofia", "Lund", "@example.se"):
        assert value not in text


def test_an_erasure_logged_under_the_job_but_not_recorded_on_its_item_is_settled_from_the_log(eraser, three):
    # given a pending customer erased under the job's id without its item being updated (as an engine
    # without the in-transaction record would leave it after a crash between commit and record)
    never, buyer, blocked = three
    job = plan_mass_job(actor=eraser, criteria="both", through=THROUGH)
    erase_customers(customer_ids=[never.pk], actor=eraser, job_id=job.pk)
    start_job(actor=eraser, job=job, enqueue=False)

    # when the job runs
    run_job(job_id=job.pk)

    # then the item says deleted, not "no longer exists", and the log has one row for it
    job.refresh_from_db()
    assert items(job)[never.number] == ("deleted", "")
    assert (job.deleted, job.anonymized, job.ignored) == (1, 1, 1)
    assert ErasureLogEntry.objects.filter(customer_number=never.number).count() == 1
