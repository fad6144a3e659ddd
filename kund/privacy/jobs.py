"""Erasure jobs: mass erasure (SPEC §5) and erasure of a saved selection (§6) as resumable background work.

A job is planned (its customers and what would happen to each are stored: the verification of M-4),
started (queued for the workers, after the double confirmation of M-5, for a mass run and a selection
alike), and run by
every worker that is free: kund.privacy.runner cuts it into chunks that the workers claim one by one and
hand to the erasure engine, which records each customer's outcome inside the erasure's own transaction.
A worker killed at any instant leaves every customer either erased and recorded, or untouched and
pending, and its chunk is taken over by the other workers when its lease runs out. Resuming by hand is
left for a job that failed, or whose every worker is gone.

This module is the API the views, the command line and the API call: who may, planning, starting,
resuming. Jobs hold customer ids and numbers, never names or e-mail addresses; a task's only argument is
the job's id (A-7).
"""

import logging
from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kund.core import rules
from kund.privacy import job_queue, mass, runner, selections
from kund.privacy.models import ErasureJob, ErasureJobChunk, ErasureJobItem, SavedSelection, job_lease
from kund.privacy.runner import run_job  # noqa: F401  (the job runner, for commands and tests)

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
                    residue=row.residue or 0,
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


def start_job(*, actor, job: ErasureJob, enqueue: bool = True) -> ErasureJob:
    """Queue a planned job for the workers: after the transaction commits, one task (with the job's id
    only) for each worker that its chunks can keep busy. Without `enqueue` the caller runs it itself
    (the command line: `run_job`)."""
    _require_may_run(actor, job)
    with transaction.atomic():
        job = ErasureJob.objects.select_for_update().filter(pk=job.pk).first()
        if job is None:
            raise JobRefused(_("This verification has been discarded: nothing was erased."))
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
            job_queue.enqueue_on_commit(job.pk, tasks=runner.expected_chunks(job))
    return job


def discard_job(*, actor, job: ErasureJob) -> None:
    """Throw away a verification that was never started (M-4, S-2): its stored plan goes, nothing was
    erased. Frees a selection for a new check; a run once started cannot be discarded."""
    _require_may_run(actor, job)
    with transaction.atomic():
        job = ErasureJob.objects.select_for_update().filter(pk=job.pk).first()
        if job is None:
            return  # discarded meanwhile by someone else: the same outcome
        if job.state != State.PLANNED:
            raise JobRefused(_("This run has already been started: it can no longer be discarded."))
        pk = job.pk
        job.delete()
    logger.info("erasure job %s discarded before it started by user id %s", pk, getattr(actor, "pk", None))


def resume_job(*, actor, job: ErasureJob, stale_after: timedelta | None = None) -> bool:
    """Queue again a job whose workers are all gone (queued or running, no progress for `stale_after`,
    the lease by default, and no task of it waiting in the queue) or that failed with customers still
    pending. The chunks its workers held are given back at once. Returns whether it was queued."""
    if actor is not None:
        _require_may_run(actor, job)
    stale_after = job_lease() if stale_after is None else stale_after
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
                and not job_queue.task_waiting(job)
            )
        if not resumable:
            return False
        held = job.chunks.filter(state=ErasureJobChunk.State.RUNNING)
        lost_tasks = [t for t in held.values_list("task_result_id", flat=True) if t]
        held.update(state=ErasureJobChunk.State.PENDING, lease_until=None)
        runner.settle_from_log(job)
        runner.recount(job.pk)  # a worker may have died between a commit and adding it to the counts
        job.state = State.QUEUED
        job.heartbeat_at = None
        job.error = ""
        job.finished_at = None
        job.save(update_fields=["state", "heartbeat_at", "error", "finished_at"])

        def requeue():
            for task_result_id in lost_tasks:
                job_queue.release_lost_task(task_result_id)
            job_queue.enqueue(job.pk, tasks=runner.expected_chunks(job))

        transaction.on_commit(requeue)
    logger.info("erasure job %s resumed", job.pk)
    return True


def resume_stale_jobs(*, stale_after: timedelta | None = None) -> list[int]:
    """Resume every job whose workers are all gone (`kund resume_erasure_jobs`)."""
    resumed = []
    for job in ErasureJob.objects.filter(state__in=[State.QUEUED, State.RUNNING]).order_by("pk"):
        if resume_job(actor=None, job=job, stale_after=stale_after):
            resumed.append(job.pk)
    return resumed


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
            job_queue.enqueue_on_commit(job.pk, tasks=runner.expected_chunks(job))
    return job


# --- end of retention rules --------------------------------------------------------------------------
