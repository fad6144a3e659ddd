"""Checking the erasure log's chain from the web (SPEC B-2): the same verification as
`kund verify_erasure_log` (erasure_log.verify_chain), recorded as a row (ErasureLogCheck) with its progress
and result. A short log is checked at once, in the request; a long one by the background worker, the page
following its progress. Reading is all a check does, so one that stopped (its worker gone) is simply
asked for again.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kund.audit import erasure_log
from kund.audit.models import ErasureLogCheck
from kund.core import rules

logger = logging.getLogger(__name__)

State = ErasureLogCheck.State
# A check reports at least every 10,000 rows, a second or two; one silent for this long has stopped.
LEASE = timedelta(minutes=5)


def is_stalled(check: ErasureLogCheck) -> bool:
    return not check.is_finished and check.updated_at < timezone.now() - LEASE


def check_in_progress() -> ErasureLogCheck | None:
    return (
        ErasureLogCheck.objects.filter(
            state__in=[State.QUEUED, State.RUNNING], updated_at__gte=timezone.now() - LEASE
        )
        .order_by("-pk")
        .first()
    )


def latest_check() -> ErasureLogCheck | None:
    return ErasureLogCheck.objects.select_related("requested_by").order_by("-pk").first()


def check_start(*, actor) -> ErasureLogCheck:
    """Check the whole chain, or follow the check already under way. Whoever may read the log may."""
    rules.require(rules.may_view_erasure_log(actor), _("You do not have the right to read the erasure log."))
    running = check_in_progress()
    if running is not None:
        return running
    check = ErasureLogCheck.objects.create(requested_by=actor, total=erasure_log.chain_length())
    if check.total <= settings.KUND_ERASURE_LOG_CHECK_INLINE_ROWS:
        check_run(check_id=check.pk)
        check.refresh_from_db()
    else:
        transaction.on_commit(lambda: _enqueue(check.pk))
    return check


def _enqueue(check_id: int) -> None:
    from kund.audit.tasks import check_erasure_log

    check_erasure_log.enqueue(check_id)


def check_run(*, check_id: int) -> None:
    """Run a queued check (the task's body): claim it, verify the chain reporting progress, record the
    result. A check already taken up elsewhere is left alone."""
    now = timezone.now()
    claimed = ErasureLogCheck.objects.filter(pk=check_id, state=State.QUEUED).update(
        state=State.RUNNING, started_at=now, updated_at=now
    )
    if not claimed:
        return
    rows = ErasureLogCheck.objects.filter(pk=check_id)

    def progress(checked: int) -> None:
        rows.update(checked=checked, updated_at=timezone.now())

    try:
        result = erasure_log.verify_chain(progress=progress)
    except Exception as error:  # recorded on the row for the page; the traceback goes to the log only
        logger.exception("erasure log check %s failed", check_id)
        rows.update(
            state=State.FAILED,
            error=type(error).__name__[:200],
            finished_at=timezone.now(),
            updated_at=timezone.now(),
        )
        return
    finished = timezone.now()
    rows.update(
        state=State.DONE,
        ok=result.ok,
        checked=result.checked,
        broken_at=result.broken_at,
        code=result.code,
        finished_at=finished,
        updated_at=finished,
    )
    logger.info(
        "erasure log check %s: %s, %s rows", check_id, "intact" if result.ok else "broken", result.checked
    )
