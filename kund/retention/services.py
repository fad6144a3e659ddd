"""Running retention (SPEC B-6): every door — the pages, `kund retention`, the worker's daily task — calls
these.

A run of a rule first writes its report: M-4's counts and its customers (ids, numbers, planned action and
reason). Then, by the rule's mode: a report-only rule stops there; an approval rule waits until an
administrator approves that report (`approve_run`), which hands exactly its customers to a mass-erasure
job; an automatic rule hands them to a job at once, acting as the system. A job re-plans every customer
inside its erasure transaction, so what changed since the report is never erased wrongly (an order
placed meanwhile blocks the customer, and it is reported as ignored).

The built-in rule clears the legal copies on the vouchers of anonymized customers once their bookkeeping
period is over (kund.retention.selectors.expired_legal_copies): one UPDATE per voucher table.

Due rules run once a day: a run moves the rule's next run to the next midnight, so whichever comes first
— the worker's daily task or `kund retention run` from cron — runs it, and the other finds nothing due.
The worker's task re-enqueues itself for the next day with django-tasks' `run_after`; no other daemon is
needed. `ensure_scheduled()` starts that chain (a rule saved, `kund retention schedule` when the workers
start) and never queues a second one.
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kund.core import rules
from kund.privacy import jobs, mass
from kund.privacy.models import ErasureJob
from kund.retention import selectors
from kund.retention.models import RetentionRule, RetentionRun, RetentionRunItem

logger = logging.getLogger(__name__)

Mode = RetentionRule.Mode
RunState = RetentionRun.State
SYSTEM = jobs.SYSTEM_ACTOR


class RetentionRefused(Exception):
    """A retention action cannot be done as asked. The message names no personal data."""


def _name_of(actor) -> str:
    return actor.get_username() if actor is not None else SYSTEM


def require_manager(actor) -> None:
    """An administrator; None is the system (the worker) or the operator at the command line."""
    if actor is None:
        return
    rules.require(rules.may_manage_retention(actor), _("Only an administrator manages retention rules."))


# --- rules ------------------------------------------------------------------------------------------

RULE_FIELDS = ("name", "criteria", "years", "kind", "status", "mode", "limit", "enabled")


def rule_save(*, actor, data: dict, rule: RetentionRule | None = None) -> RetentionRule:
    """Create a rule, or change one. `data` holds RULE_FIELDS (checked by the form or the command);
    bad values raise ValidationError and change nothing."""
    require_manager(actor)
    rule = rule or RetentionRule(created_by=actor if getattr(actor, "pk", None) else None)
    for name in RULE_FIELDS:
        if name in data:
            setattr(rule, name, data[name])
    rule.full_clean()
    if not 1 <= rule.years <= 100:
        raise ValidationError({"years": [_("Give a number of years from 1 to 100.")]})
    with transaction.atomic():
        rule.save()
        transaction.on_commit(ensure_scheduled)
    return rule


# --- reports and runs -------------------------------------------------------------------------------


def _next_midnight(now: datetime) -> datetime:
    return timezone.make_aware(datetime.combine(timezone.localdate(now) + timedelta(days=1), time.min))


def write_report(
    rule: RetentionRule, verification: mass.Verification, *, now: datetime, actor=None
) -> RetentionRun:
    """The report of a run (M-4): counts and customers. An earlier report awaiting approval is replaced."""
    counts = verification.counts()
    erasable = counts["delete"] + counts["anonymize"]
    state = RunState.AWAITING if rule.mode == Mode.APPROVE and erasable else RunState.REPORTED
    with transaction.atomic():
        RetentionRun.objects.filter(rule=rule, state=RunState.AWAITING).update(state=RunState.SUPERSEDED)
        run = RetentionRun.objects.create(
            rule=rule,
            rule_name=rule.name,
            mode=rule.mode,
            created_at=now,
            run_by_username=_name_of(actor),
            through=verification.through,
            state=state,
            selected=counts["selected"],
            planned_delete=counts["delete"],
            planned_anonymize=counts["anonymize"],
            planned_ignored=counts["ignored"],
        )
        RetentionRunItem.objects.bulk_create(
            (
                RetentionRunItem(
                    run=run,
                    customer_id=row.customer_id,
                    customer_number=row.number,
                    action=row.action,
                    reason=row.reason[:500],
                )
                for row in verification.rows
            ),
            batch_size=2000,
        )
    return run


def report_rows(run: RetentionRun) -> list[mass.Row]:
    items = run.items.order_by("pk").values_list("customer_id", "customer_number", "action", "reason")
    return [mass.Row(pk, number, action, reason) for pk, number, action, reason in items]


def _start_job(run: RetentionRun, *, actor, inline: bool, **approval) -> ErasureJob | None:
    """Hand the report's customers to a mass-erasure job, queued for the worker or run here (`inline`).
    The run is marked started in the same transaction, so one report is never erased twice."""
    rows = report_rows(run)
    limit = selectors.rule_limit(run.rule) if run.rule is not None else max(run.selected, 1)
    with transaction.atomic():
        try:
            job = jobs.plan_rule_job(
                rows=rows, through=run.through, limit=limit, actor=actor, enqueue=not inline
            )
        except jobs.NothingSelected:
            return None
        RetentionRun.objects.filter(pk=run.pk).update(state=RunState.STARTED, job=job, **approval)
    if inline:
        jobs.run_job(job_id=job.pk)
        job.refresh_from_db()
    return job


def approve_run(*, actor, run: RetentionRun) -> ErasureJob:
    """An administrator approves a rule's report: exactly its customers are erased (each decided again in
    its erasure's transaction) by a mass-erasure job in the administrator's name, queued for the worker."""
    require_manager(actor)
    with transaction.atomic():
        locked = RetentionRun.objects.select_for_update().get(pk=run.pk)
        if locked.state != RunState.AWAITING:
            raise RetentionRefused(_("This report is not awaiting approval."))
        job = _start_job(
            locked,
            actor=actor,
            inline=False,
            approved_by=actor,
            approved_by_username=_name_of(actor),
            approved_at=timezone.now(),
        )
        if job is None:
            raise RetentionRefused(_("No customer of the report can be erased."))
    return job


def report_now(*, actor, rule: RetentionRule) -> RetentionRun:
    """Write a rule's report now, outside its schedule, without erasing (the rule page's button): an
    approval rule's report then waits for approval."""
    require_manager(actor)
    return write_report(rule, selectors.verify_rule(rule), now=timezone.now(), actor=actor)


@dataclass
class RuleResult:
    """What one rule did in a run, as `kund retention run --json` prints it."""

    summary: dict
    run: RetentionRun | None = None
    job: ErasureJob | None = None
    error: str = ""
    extra: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        data = dict(self.summary)
        if self.run is not None:
            data.update(report=self.run.pk, state=self.run.state)
        if self.job is not None:
            data.update(
                job=self.job.pk,
                deleted=self.job.deleted,
                anonymized=self.job.anonymized,
                failed=self.job.failed,
            )
        if self.error:
            data["error"] = self.error
        data.update(self.extra)
        return data


def run_rule(rule: RetentionRule, *, now: datetime, actor=None, inline: bool = True) -> RuleResult:
    """A real run of one rule: its report, then what its mode allows. The rule is not due again until the
    next day."""
    verification = selectors.verify_rule(rule, on=timezone.localdate(now))
    run = write_report(rule, verification, now=now, actor=actor)
    RetentionRule.objects.filter(pk=rule.pk).update(last_run_at=now, next_run_at=_next_midnight(now))
    result = RuleResult(summary=selectors.rule_summary(rule, verification), run=run)
    if rule.mode == Mode.AUTOMATIC:
        try:
            result.job = _start_job(run, actor=actor, inline=inline)
        except Exception as exc:  # reported per rule; the other rules still run
            logger.exception("retention rule %s: its erasure job failed", rule.pk)
            result.error = type(exc).__name__
    run.refresh_from_db()
    return result


def clear_legal_copies(*, now: datetime | None = None, actor=None) -> RetentionRun | None:
    """The built-in rule: clear the legal copies past their bookkeeping period (one UPDATE per voucher
    table). Records a run when anything was cleared."""
    now = now or timezone.now()
    on = timezone.localdate(now)
    cleared = 0
    with transaction.atomic():
        for vouchers in selectors.expired_legal_copies(on).values():
            values = selectors.legal_copy_values(vouchers.model)
            cleared += vouchers.update(**values)
        if not cleared:
            return None
        return RetentionRun.objects.create(
            rule_name=selectors.BUILTIN_NAME,
            builtin=True,
            created_at=now,
            run_by_username=_name_of(actor),
            through=selectors.legal_copy_cutoff(on),
            state=RunState.DONE,
            selected=cleared,
            cleared=cleared,
        )


def run_rules(
    *,
    now: datetime | None = None,
    dry_run: bool = False,
    every: bool = False,
    actor=None,
    inline: bool = True,
) -> list[dict]:
    """`kund retention run` and the worker's daily task. A dry run reports what every enabled rule would
    catch now and changes nothing; a real run runs the due rules (every enabled one with `every`) and the
    built-in clearing of legal copies. Returns one summary per rule, the built-in one last."""
    now = now or timezone.now()
    on = timezone.localdate(now)
    results = []
    for rule in RetentionRule.objects.filter(enabled=True).order_by("name"):
        if dry_run:
            summary = selectors.rule_summary(rule, selectors.verify_rule(rule, on=on))
            results.append({**summary, "due": rule.is_due(now)})
        elif every or rule.is_due(now):
            results.append(run_rule(rule, now=now, actor=actor, inline=inline).as_json())
    builtin = selectors.legal_copies_summary(on)
    if not dry_run:
        run = clear_legal_copies(now=now, actor=actor)
        builtin["cleared"] = run.cleared if run else 0
    results.append(builtin)
    return results


# --- the worker's daily run -------------------------------------------------------------------------


def next_slot(now: datetime) -> datetime:
    """The next time of day KUND_RETENTION_HOUR (local time) after `now`."""
    hour = time(int(getattr(settings, "KUND_RETENTION_HOUR", 2)) % 24)
    today = timezone.localdate(now)
    slot = timezone.make_aware(datetime.combine(today, hour))
    if slot <= now:
        slot = timezone.make_aware(datetime.combine(today + timedelta(days=1), hour))
    return slot


def _daily_task():
    from kund.retention.tasks import run_retention

    return run_retention


def ensure_scheduled() -> datetime | None:
    """Queue the worker's daily run for its next slot, unless one is queued already. Returns when it will
    run (None with a backend that cannot defer, such as the immediate one of the tests)."""
    task = _daily_task()
    if not task.get_backend().supports_defer:
        return None
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        waiting = (
            DBTaskResult.objects.select_for_update()
            .filter(status=TaskResultStatus.READY, task_path=task.module_path)
            .order_by("run_after")
            .first()
        )
        if waiting is not None:
            return waiting.run_after
        slot = next_slot(timezone.now())
        task.using(run_after=slot).enqueue()
    return slot


def run_scheduled() -> list[dict]:
    """The worker's daily task: the due rules as the system, then the next day queued."""
    try:
        return run_rules(now=timezone.now())
    finally:
        ensure_scheduled()
