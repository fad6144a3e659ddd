"""Delivering events (SPEC B-8): one signed POST per attempt, retried with growing pauses for more than 24
hours, every attempt recorded.

An attempt first claims its delivery (pending, due, not claimed by a live attempt) with one UPDATE, so two
workers never send one event at the same time, and a delivered event is never sent again. The POST is
made outside any transaction; its outcome (status code, duration, kind of error — never a body) and the
delivery's new state are written together. A failed attempt schedules the next one with django-tasks'
`run_after`; after the last pause the delivery is given up, and an administrator can send it again.

The receiver can tell a retry from a new event by `webhook-id`, which is the same on every attempt of one
delivery (Standard Webhooks). Kund delivers at least once: if a worker dies after the receiver answered
and before the answer was recorded, the event is sent again with the same id, and the receiver drops it.

Recovery without a person: `resume_lost()` finds pending deliveries that are due, not claimed by a live
attempt and not waiting in the queue (their worker died, or the process that committed them died before
asking for them), and queues them again. It runs in the sweep task, which keeps itself scheduled while
any delivery is pending, and in `kund webhooks resume` when the workers start.
"""

import json
import logging
import math
import os
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from standardwebhooks.webhooks import Webhook

from kund.webhooks.models import TEST_EVENT, Attempt, Delivery

logger = logging.getLogger(__name__)

State = Delivery.State
Error = Attempt.Error

# The pause after each failed attempt: the first retry within a minute, the last attempt about 27 hours
# after the first (at least 24 hours, SPEC §9). KUND_WEBHOOK_RETRY_SCALE multiplies every pause.
PAUSES = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(minutes=30),
    timedelta(hours=1),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=8),
    timedelta(hours=8),
)
MAX_ATTEMPTS = len(PAUSES) + 1
# How often the sweep looks for deliveries whose worker died, while any is pending (scaled as well).
SWEEP_EVERY = timedelta(minutes=5)
# An attempt's claim outlasts the request's timeout by this much; after it, the attempt is surely over.
CLAIM_MARGIN = timedelta(seconds=60)
USER_AGENT = "Kund-Webhooks/1"
MAX_RESPONSE_BYTES = 64 * 1024  # read and dropped: a response body is never stored


def retry_scale() -> float:
    """KUND_WEBHOOK_RETRY_SCALE (default 1), read when it is needed, so a test or an operator can set it
    for one process."""
    raw = os.environ.get("KUND_WEBHOOK_RETRY_SCALE", "1")
    try:
        scale = float(raw)
    except ValueError:
        scale = -1.0
    if not math.isfinite(scale) or scale < 0:
        logger.warning("KUND_WEBHOOK_RETRY_SCALE is not a number of 0 or more; using 1")
        return 1.0
    return scale


def pause_after(attempts: int) -> timedelta | None:
    """The pause after the `attempts`-th failed attempt, scaled; None when there is no next attempt."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return PAUSES[attempts - 1] * retry_scale()


def timeout() -> float:
    return float(getattr(settings, "KUND_WEBHOOK_TIMEOUT", 10))


# --- one attempt ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    duration_ms: int
    error: str

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a new address to send the event to: it counts as a failed attempt."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def signed_request(delivery: Delivery, secret: str, *, now: datetime) -> urllib.request.Request:
    """The POST of Standard Webhooks: the JSON body, `webhook-id`, `webhook-timestamp` (this attempt's
    time) and `webhook-signature` (v1, HMAC-SHA256 of id.timestamp.body with the subscription's secret)."""
    body = json.dumps(delivery.payload(), separators=(",", ":"))
    signature = Webhook(secret).sign(msg_id=delivery.webhook_id, timestamp=now, data=body)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "webhook-id": delivery.webhook_id,
        "webhook-timestamp": str(math.floor(now.timestamp())),
        "webhook-signature": signature,
    }
    return urllib.request.Request(
        delivery.subscription.url, data=body.encode(), headers=headers, method="POST"
    )


def post(request: urllib.request.Request) -> Answer:
    """Send it; classify what happened. Nothing of the answer is kept but its status code."""
    started = time.monotonic()

    def took() -> int:
        return int((time.monotonic() - started) * 1000)

    try:
        with _opener.open(request, timeout=timeout()) as response:
            response.read(MAX_RESPONSE_BYTES)
            return Answer(response.status, took(), "")
    except urllib.error.HTTPError as exc:  # an answer, with an error status (or a redirect)
        exc.close()
        return Answer(exc.code, took(), Error.STATUS)
    except (TimeoutError, urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        if isinstance(reason, TimeoutError):
            kind = Error.TIMEOUT
        elif isinstance(reason, ssl.SSLError | ssl.CertificateError):
            kind = Error.TLS
        elif isinstance(exc, ValueError):
            kind = Error.INVALID
        else:
            kind = Error.CONNECTION
        return Answer(None, took(), kind)


def _claim(delivery_id: int, now: datetime) -> bool:
    until = now + timedelta(seconds=timeout()) + CLAIM_MARGIN
    return bool(
        Delivery.objects.filter(pk=delivery_id, state=State.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=until)
    )


def attempt(delivery_id: int) -> Attempt | None:
    """One attempt of a delivery that is due. Returns the recorded attempt, or None when there was nothing
    to do: delivered already, given up, not yet due, under way elsewhere, or its subscription paused."""
    now = timezone.now()
    if not _claim(delivery_id, now):
        return None
    delivery = Delivery.objects.select_related("subscription").get(pk=delivery_id)
    if not delivery.subscription.active:
        # Paused: kept pending, and sent when the subscription is switched on again.
        Delivery.objects.filter(pk=delivery_id).update(claimed_until=None)
        return None
    answer = post(signed_request(delivery, delivery.subscription.secret, now=now))
    return record(delivery, answer, at=now)


def record(delivery: Delivery, answer: Answer, *, at: datetime) -> Attempt:
    attempts = delivery.attempts + 1
    finished = timezone.now()
    next_at = None
    with transaction.atomic():
        row = Attempt.objects.create(
            delivery=delivery,
            at=at,
            status_code=answer.status_code,
            duration_ms=answer.duration_ms,
            error="" if answer.ok else answer.error,
        )
        changes: dict = {"attempts": F("attempts") + 1, "claimed_until": None}
        if answer.ok:
            changes.update(state=State.DELIVERED, delivered_at=finished, next_attempt_at=None)
        else:
            pause = None if delivery.event_type == TEST_EVENT else pause_after(attempts)
            if pause is None:
                changes.update(state=State.FAILED, next_attempt_at=None)
            else:
                next_at = finished + pause
                changes.update(next_attempt_at=next_at)
        Delivery.objects.filter(pk=delivery.pk).update(**changes)
        if next_at is not None:
            transaction.on_commit(lambda: enqueue([delivery.pk], run_after=next_at))
    if not answer.ok:
        logger.info(
            "webhook delivery %s attempt %d failed (%s %s)",
            delivery.pk,
            attempts,
            answer.status_code or "-",
            answer.error,
        )
    return row


# --- the queue --------------------------------------------------------------------------------------


def _deliver_task():
    from kund.webhooks.tasks import deliver_event

    return deliver_event


def _defers(task) -> bool:
    return task.get_backend().supports_defer


def enqueue(delivery_ids: list[int], *, run_after: datetime | None = None) -> None:
    """One task per delivery, queued in one transaction. A backend that cannot defer (the immediate one
    of the tests) leaves later attempts to `deliver_due()`."""
    task = _deliver_task()
    if run_after is not None:
        if not _defers(task):
            return
        task = task.using(run_after=run_after)
    with transaction.atomic():
        for pk in delivery_ids:
            task.enqueue(pk)


def _waiting_in_queue() -> set[int]:
    """Deliveries whose task waits in the database queue (none with another backend)."""
    task = _deliver_task()
    if not _defers(task):
        return set()
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=task.module_path)
    return {args["args"][0] for args in waiting.values_list("args_kwargs", flat=True) if args.get("args")}


class WorkerLost(Exception):
    """Recorded on a delivery task whose worker died while running it."""


def _release_lost_tasks(delivery_ids: set[int]) -> None:
    """django_tasks_db never takes up again a task left running by a killed worker: mark those of these
    deliveries failed, so the queue tells the truth."""
    task = _deliver_task()
    if not delivery_ids or not _defers(task):
        return
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING, task_path=task.module_path)
    for result in running:
        args = result.args_kwargs.get("args") or [None]
        if args[0] in delivery_ids:
            result.set_failed(
                WorkerLost("the worker stopped while delivering this event; it was queued again")
            )


def _due(now: datetime, *, grace: timedelta, ignore_claims: bool):
    due = Delivery.objects.filter(
        state=State.PENDING, next_attempt_at__lte=now - grace, subscription__active=True
    )
    if not ignore_claims:
        due = due.filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    return due


def resume_lost(*, grace: timedelta | None = None, ignore_claims: bool = False) -> list[int]:
    """Queue again every pending delivery that is due (for longer than `grace`), not under way and not
    waiting in the queue. With `ignore_claims` (no worker is running: `kund webhooks resume` before the
    workers start), claims of dead attempts are released at once. Returns the deliveries queued."""
    now = timezone.now()
    grace = SWEEP_EVERY * retry_scale() if grace is None else grace
    due = _due(now, grace=grace, ignore_claims=ignore_claims)
    ids = set(due.values_list("pk", flat=True)) - _waiting_in_queue()
    if not ids:
        return []
    if ignore_claims:
        Delivery.objects.filter(pk__in=ids).update(claimed_until=None)
    _release_lost_tasks(ids)
    ordered = sorted(ids)
    enqueue(ordered)
    logger.info("queued %d webhook deliveries again", len(ordered))
    return ordered


def deliver_due(*, ignore_claims: bool = False) -> list[Attempt]:
    """Attempt, in this process, every delivery that is due (`kund webhooks deliver`, and the tests)."""
    now = timezone.now()
    due = _due(now, grace=timedelta(0), ignore_claims=ignore_claims)
    ids = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True))
    if ignore_claims and ids:
        Delivery.objects.filter(pk__in=ids).update(claimed_until=None)
    return [row for row in (attempt(pk) for pk in ids) if row is not None]


# --- the sweep --------------------------------------------------------------------------------------


def _sweep_task():
    from kund.webhooks.tasks import sweep_deliveries

    return sweep_deliveries


def ensure_sweep() -> None:
    """Keep one sweep scheduled while any delivery is pending (with a backend that can defer). Two callers
    at the same instant may schedule two; each is harmless and stops once nothing is pending."""
    task = _sweep_task()
    if not _defers(task):
        return
    from django_tasks.base import TaskResultStatus
    from django_tasks_db.models import DBTaskResult

    with transaction.atomic():
        waiting = DBTaskResult.objects.select_for_update().filter(
            status=TaskResultStatus.READY, task_path=task.module_path
        )
        if waiting.exists():
            return
        task.using(run_after=timezone.now() + SWEEP_EVERY * retry_scale()).enqueue()


def sweep() -> list[int]:
    """The sweep task's work: queue again what was lost, and stay scheduled while anything is pending."""
    resumed = resume_lost()
    if Delivery.objects.filter(state=State.PENDING, subscription__active=True).exists():
        ensure_sweep()
    return resumed
