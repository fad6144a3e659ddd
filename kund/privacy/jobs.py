"""Erasure jobs: mass erasure (SPEC §5) and erasure of a saved selection (§6) as resumable background work.

A job is planned (its customers and what would happen to each are stored: the verification of M-4),
started (queued for the worker, after the double confirmation of M-5, or S-2's single one), and run by
`run_job()`, which hands the pending customers to the erasure engine's batch executor
(kund.privacy.services.erase_customers) and records each chunk's outcomes inside that chunk's own
transaction. A customer's erasure, its erasure-log row and its job item's result therefore commit
together or not at all: a worker killed at any instant leaves every customer either erased and recorded,
or untouched and pending. Running the job again (resume) takes up the pending customers only.

Jobs hold customer ids and numbers, never names or e-mail addresses; the task's only argument is the job's
id (A-7).
"""

import logging
import math
from collections import defaultdict
from collections.abc import Callable
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _

from kund.audit.models import ErasureLogEntry
from kund.core import rules
from kund.privacy import mass, selections
from kund.privacy.models import JOB_LEASE, ErasureJob, ErasureJobItem, SavedSelection
from kund.privacy.services import CHUNK_SIZE, Outcome, erase_customers

logger = logging.getLogger(__name__)

State = ErasureJob.State
Result = ErasureJobItem.Result
SYSTEM_ACTOR = "system"  # who a job without an acting user is by (an automatic retention rule, B-6)


class JobRefused(Exception):
    """A job cannot be planned or started as asked. The message names no personal data."""


class NothingSelected(JobRefused):
    pass


# --- who may: the rules live in kund.core.rules; these raise with the page's words --------------------


def require_mass_erasure(user) -> None:
    rules.require(
        rules.may_hold_mass_right(user), _("You do not have the right to mass delete or anonymize customers.")
    )
    if not rules.crm_enabled():
        raise JobRefused(_("Mass erasure needs the CRM module. An administrator can switch it on."))


def require_administrator(user) -> None:
    """S-2: only an administrator erases a saved selection."""
    rules.require(rules.may_erase_selection(user), _("Only an administrator can erase a saved selection."))


def may_see_job(user, job: ErasureJob) -> bool:
    if job.kind == ErasureJob.Kind.MASS:
        return rules.may_mass_erase(user)
    return rules.may_erase_selection(user)


# --- planning: the verification, stored ------------------------------------------------------------


def _create_job(*, kind: str, rows: list[mass.Row], actor, **fields) -> ErasureJob:
    planned = {"delete": 0, "anonymize": 0, "ignore": 0}
    for row in rows:
        planned[row.action] += 1
    with transaction.atomic():
        job = ErasureJob.objects.create(
            kind=kind,
            created_by=actor,
            created_by_username=actor.get_username() if actor is not None else SYSTEM_ACTOR,
            total=len(rows),
            planned_delete=planned["delete"],
            planned_anonymize=planned["anonymize"],
            planned_ignored=planned["ignore"],
            # Customers ignored at verification are settled from the start (M-4, S-3).
            ignored=planned["ignore"],
            processed=planned["ignore"],
            **fields,
        )
        ErasureJobItem.objects.bulk_create(
            (
                ErasureJobItem(
                    job=job,
                    customer_id=row.customer_id,
                    customer_number=row.number,
                    planned=row.action,
                    result=Result.IGNORED if row.action == "ignore" else Result.PENDING,
                    reason=row.reason[:500],
                )
                for row in rows
            ),
            batch_size=2000,
        )
    return job


def plan_mass_job(*, actor, criteria: str, through: date, limit: int | None = None) -> ErasureJob:
    """M-1..M-4: select, plan and store a mass run; nothing is erased until it is started."""
    require_mass_erasure(actor)
    verification = mass.verify(criteria=criteria, through=through, limit=limit)
    if not verification.rows:
        raise NothingSelected(_("No customer meets the criteria."))
    return _create_job(
        kind=ErasureJob.Kind.MASS,
        rows=verification.rows,
        actor=actor,
        criteria=criteria,
        through=through,
        limit=verification.limit,
    )


def plan_selection_job(*, actor, selection: SavedSelection) -> ErasureJob:
    """S-2, S-3: every customer of the selection, by the rules of §4 (companies too), planned and stored
    like a mass run: the verification of M-4, started only after M-5's two confirmations (start_job).
    One run of a selection at a time, and none once every customer of it is erased."""
    require_administrator(actor)
    with transaction.atomic():
        # Locked: two administrators checking the same selection at once plan one run, not two.
        SavedSelection.objects.select_for_update().filter(pk=selection.pk).first()
        if selection.jobs.filter(state__in=selections.OPEN_STATES).exists():
            raise JobRefused(_("A run of this selection is already verified or under way."))
        ids = list(selection.members.order_by("pk").values_list("customer_id", flat=True))
        if not ids:
            raise NothingSelected(_("The selection holds no customers."))
        if not selections.remaining_members(selection).exists():
            raise NothingSelected(_("Every customer of this selection has been erased."))
        return _create_job(
            kind=ErasureJob.Kind.SELECTION, rows=mass.plan_rows(ids), actor=actor, selection=selection
        )


def _require_may_run(actor, job: ErasureJob) -> None:
    if job.kind == ErasureJob.Kind.MASS:
        require_mass_erasure(actor)
    else:
        require_administrator(actor)


# --- starting and resuming --------------------------------------------------------------------------


def _enqueue(job_id: int) -> None:
    from kund.privacy.tasks import run_erasure_job

    result = run_erasure_job.enqueue(job_id)
    ErasureJob.objects.filter(pk=job_id).update(task_result_id=str(result.id))


def start_job(*, actor, job: ErasureJob, enqueue: bool = True) -> ErasureJob:
    """Queue a planned job for the worker. The task is enqueued after the transaction commits, with the
    job's id only. Without `enqueue` the caller runs it itself (the command line)."""
    _require_may_run(actor, job)
    with transaction.atomic():
        job = ErasureJob.objects.select_for_update().get(pk=job.pk)
        if job.state != State.PLANNED:
            raise JobRefused(_("This run has already been started."))
        job.state = State.QUEUED
        job.heartbeat_at = timezone.now()
        job.save(update_fields=["state", "heartbeat_at"])
        if job.selection_id is not None:
            # a selection's filter may hold a name typed into the search; from now on its frozen ids
            # are what is erased, so the filter goes.
            SavedSelection.objects.filter(pk=job.selection_id).update(query="")
        if enqueue:
            transaction.on_commit(lambda: _enqueue(job.pk))
    return job


def _task_waiting(job: ErasureJob) -> bool:
    """Whether the job's task is still waiting in the database queue (a worker will pick it up)."""
    if not job.task_result_id:
        return False
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(pk=job.task_result_id, status=TaskResultStatus.READY).exists()


class WorkerLost(Exception):
    """Recorded on a task result whose worker died while running it."""


def _release_lost_task(job: ErasureJob) -> None:
    """django_tasks_db never takes up again a task left RUNNING by a worker that was killed: mark it failed
    so the queue tells the truth, before a new task is enqueued for the job."""
    if not job.task_result_id:
        return
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    lost = DBTaskResult.objects.filter(pk=job.task_result_id, status=TaskResultStatus.RUNNING).first()
    if lost is not None:
        lost.set_failed(WorkerLost("the worker stopped while running this erasure job; it was resumed"))


def resume_job(*, actor, job: ErasureJob, stale_after: timedelta = JOB_LEASE) -> bool:
    """Queue again a job whose worker is gone (queued or running, silent for `stale_after`) or that failed
    with customers still pending. Returns whether it was queued."""
    if actor is not None:
        _require_may_run(actor, job)
    now = timezone.now()
    with transaction.atomic():
        job = ErasureJob.objects.select_for_update().get(pk=job.pk)
        last = job.heartbeat_at or job.started_at or job.created_at
        if job.state == State.FAILED:
            resumable = job.items.filter(result=Result.PENDING).exists()
        else:
            resumable = (
                job.state in (State.QUEUED, State.RUNNING)
                and now - last >= stale_after
                and not _task_waiting(job)
            )
        if not resumable:
            return False
        _release_lost_task(job)
        # No heartbeat: the next run_job() takes the job over at once.
        job.state = State.QUEUED
        job.heartbeat_at = None
        job.error = ""
        job.finished_at = None
        job.save(update_fields=["state", "heartbeat_at", "error", "finished_at"])
        transaction.on_commit(lambda: _enqueue(job.pk))
    logger.info("erasure job %s resumed", job.pk)
    return True


def resume_stale_jobs(*, stale_after: timedelta = JOB_LEASE) -> list[int]:
    """Resume every job whose worker is gone (for `kund resume_erasure_jobs`, run when workers start)."""
    resumed = []
    for job in ErasureJob.objects.filter(state__in=[State.QUEUED, State.RUNNING]).order_by("pk"):
        if resume_job(actor=None, job=job, stale_after=stale_after):
            resumed.append(job.pk)
    return resumed


# --- running ----------------------------------------------------------------------------------------


def _chunk_size(total: int) -> int:
    """About ten steps of progress for a small run (a web run of 500: chunks of 50); the engine's own
    chunk from ten of them up, where a smaller one would only cost throughput."""
    return max(50, min(CHUNK_SIZE, math.ceil(total / 10)))


def _settle(job_id: int, outcomes: list[Outcome]) -> int:
    """Move the outcomes' pending items to their result and add them to the job's counts. Only pending
    items change, so an outcome can never be recorded twice."""
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for outcome in outcomes:
        groups[(outcome.result, outcome.reason[:500])].append(outcome.customer_id)
    changed: dict[str, int] = defaultdict(int)
    for (result, reason), ids in groups.items():
        changed[result] += ErasureJobItem.objects.filter(
            job_id=job_id, result=Result.PENDING, customer_id__in=ids
        ).update(result=result, reason=reason)
    total = sum(changed.values())
    ErasureJob.objects.filter(pk=job_id).update(
        processed=F("processed") + total,
        deleted=F("deleted") + changed["deleted"],
        anonymized=F("anonymized") + changed["anonymized"],
        ignored=F("ignored") + changed["ignored"],
        failed=F("failed") + changed["failed"],
        heartbeat_at=timezone.now(),
    )
    return total


def _settle_from_log(job: ErasureJob) -> int:
    """A pending item whose erasure is in the log under this job was erased: record it so. Cannot happen
    while the items are settled in the erasure's own transaction; kept as the safety net that makes
    exactly-once hold even for an erasure committed without its item (one UPDATE per action)."""
    settled = 0
    for action, result in (("delete", Result.DELETED), ("anonymize", Result.ANONYMIZED)):
        logged = ErasureLogEntry.objects.filter(job_id=job.pk, action=action).values("customer_number")
        settled += ErasureJobItem.objects.filter(
            job=job, result=Result.PENDING, customer_number__in=logged
        ).update(result=result)
    return settled


def _recount(job_id: int) -> None:
    counts = dict(
        ErasureJobItem.objects.filter(job_id=job_id).values_list("result").annotate(n=Count("pk")).order_by()
    )
    done = {r: counts.get(r, 0) for r in (Result.DELETED, Result.ANONYMIZED, Result.IGNORED, Result.FAILED)}
    ErasureJob.objects.filter(pk=job_id).update(processed=sum(done.values()), **done)


def _claim(job_id: int) -> ErasureJob | None:
    now = timezone.now()
    with transaction.atomic():
        job = ErasureJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.state not in (State.QUEUED, State.RUNNING):
            return None
        if job.state == State.RUNNING and job.heartbeat_at and now - job.heartbeat_at < JOB_LEASE:
            logger.info("erasure job %s is being run by another worker", job_id)
            return None
        job.state = State.RUNNING
        job.started_at = job.started_at or now
        job.heartbeat_at = now
        job.save(update_fields=["state", "started_at", "heartbeat_at"])
    return job


def run_job(*, job_id: int, on_progress: Callable[[ErasureJob], None] | None = None) -> ErasureJob | None:
    """Erase the job's pending customers through the engine, recording each chunk as it commits. Safe to
    call again after a crash: it continues with the customers still pending."""
    job = _claim(job_id)
    if job is None:
        return None
    if _settle_from_log(job):
        _recount(job.pk)
    pending = list(
        job.items.filter(result=Result.PENDING).order_by("pk").values_list("customer_id", flat=True)
    )

    def after_commit(outcomes: list[Outcome]) -> None:
        # Failures are reported outside any transaction (the engine's retry one by one); settle them
        # here. Everything else was settled inside its chunk's transaction already.
        failed = [o for o in outcomes if o.result == "failed"]
        if failed:
            _settle(job.pk, failed)
        if on_progress is not None:
            on_progress(ErasureJob.objects.get(pk=job.pk))

    try:
        erase_customers(
            customer_ids=pending,
            actor=job.created_by,
            job_id=job.pk,
            chunk_size=_chunk_size(job.total),
            in_transaction=lambda outcomes: _settle(job.pk, outcomes),
            on_chunk=after_commit,
        )
    except Exception as exc:
        logger.exception("erasure job %s failed", job.pk)
        ErasureJob.objects.filter(pk=job.pk).update(
            state=State.FAILED, error=type(exc).__name__, finished_at=timezone.now()
        )
        raise
    _recount(job.pk)
    ErasureJob.objects.filter(pk=job.pk).update(state=State.DONE, finished_at=timezone.now())
    job.refresh_from_db()
    return job


# --- retention rules (B-6): a mass-erasure job over the customers a rule selected ---------------------


def plan_rule_job(
    *, rows: list[mass.Row], through: date, limit: int, actor=None, enqueue: bool = True
) -> ErasureJob:
    """A retention rule's erasure as a mass-erasure job: the rule's planned rows (its report), stored and
    run like any job, by the same engine, limits and log. The caller (kund.retention.services) has asked
    the rules: an administrator approved the report, or, for an automatic rule, nobody acts and the job
    and the erasure log name the system. Queued at once; without `enqueue` the caller runs it itself."""
    if not any(row.action != "ignore" for row in rows):
        raise NothingSelected(_("No customer of the report can be erased."))
    with transaction.atomic():
        job = _create_job(
            kind=ErasureJob.Kind.MASS,
            rows=rows,
            actor=actor,
            through=through,
            limit=limit,
            state=State.QUEUED,
            heartbeat_at=timezone.now(),
        )
        if enqueue:
            transaction.on_commit(lambda: _enqueue(job.pk))
    return job


# --- end of retention rules --------------------------------------------------------------------------
