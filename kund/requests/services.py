"""Writing the request register (SPEC B-7): one function per step, called by the web pages, the command
line and the background worker alike.

Each step takes the acting user, checks the right (kund.core.rules.may_handle_requests), locks the
request's row, checks the state it is in, and writes. A step that the request's state does not allow
raises RequestRefused, whose message names no personal data (it is shown to the user and printed by the
command line). Input is validated before it gets here (kund.requests.forms), but a step still refuses
what would break the register's rules, whoever calls it.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from kund.audit.models import ChangeRecord, ErasureLogEntry
from kund.core import rules
from kund.customers.models import Customer, Notification
from kund.requests import deadlines
from kund.requests.models import DataRequest

# GDPR applies from this day; no request under it can have been received earlier.
EARLIEST_RECEIVED = date(2018, 5, 25)


class RequestRefused(Exception):
    """The step is not possible for this request (its state, its kind). The message names no one."""


def today() -> date:
    return timezone.localdate()


def check_received_on(received_on: date, *, on: date | None = None) -> str | None:
    """Why `received_on` cannot be a request's day of receipt, or None when it can."""
    on = on or today()
    if received_on > on:
        return _("The day of receipt cannot be in the future.")
    if received_on < EARLIEST_RECEIVED:
        return _("The day of receipt cannot be before the GDPR applied (2018-05-25).")
    return None


def _require_right(actor) -> None:
    rules.require(
        rules.may_handle_requests(actor), _("You do not have the right to handle data-subject requests.")
    )


def _locked(request: DataRequest) -> DataRequest:
    return DataRequest.objects.select_for_update().get(pk=request.pk)


def _require_open(request: DataRequest) -> None:
    if request.is_closed:
        raise RequestRefused(_("Request %(ref)s is closed.") % {"ref": request.ref})


def _copy_back(source: DataRequest, target: DataRequest) -> DataRequest:
    """Let the caller's object see what was written (the row was re-read under its lock)."""
    target.__dict__.update({k: v for k, v in source.__dict__.items() if not k.startswith("_")})
    return target


def open_request_of(*, customer: Customer, kind: str) -> DataRequest | None:
    return DataRequest.objects.filter(customer=customer, kind=kind, state__in=DataRequest.OPEN_STATES).first()


def request_register(
    *,
    actor,
    kind: str,
    received_on: date,
    customer: Customer | None = None,
    contact: str = "",
    channel: str = DataRequest.Channel.EMAIL,
    responsible=None,
) -> DataRequest:
    """Register a request as received. Who asked is the customer, when known, or the contact field;
    the responsible user (who is told when it falls due) is the actor unless another is given."""
    _require_right(actor)
    if kind not in DataRequest.Kind.values:
        raise ValueError(f"unknown kind of request: {kind!r}")
    problem = check_received_on(received_on)
    if problem:
        raise RequestRefused(problem)
    contact = contact.strip()
    if customer is None and not contact:
        raise RequestRefused(_("Name the customer, or say who asked in the contact field."))
    if customer is not None:
        if not rules.may_view(actor, customer):
            raise RequestRefused(_("Unknown customer."))
        if customer.is_anonymized and kind == DataRequest.Kind.ERASURE:
            raise RequestRefused(
                _("Customer %(number)s is already anonymized.") % {"number": customer.number}
            )
    with transaction.atomic():
        if customer is not None:
            Customer.objects.select_for_update().filter(pk=customer.pk).first()  # one open request at a time
            existing = open_request_of(customer=customer, kind=kind)
            if existing is not None:
                raise RequestRefused(
                    _("Customer %(number)s already has an open request of this kind: %(ref)s.")
                    % {"number": customer.number, "ref": existing.ref}
                )
        return DataRequest.objects.create(
            kind=kind,
            channel=channel,
            customer=customer,
            customer_number=customer.number if customer is not None else "",
            contact=contact,
            received_on=received_on,
            deadline=deadlines.deadline_for(received_on),
            responsible=responsible or actor,
            created_by=actor,
        )


def request_check_identity(*, request: DataRequest, actor, method: str) -> DataRequest:
    """Record that the asker's identity was checked: how, by the actor, now."""
    _require_right(actor)
    if method not in DataRequest.IdentityMethod.values:
        raise ValueError(f"unknown identity method: {method!r}")
    with transaction.atomic():
        row = _locked(request)
        _require_open(row)
        if row.state == DataRequest.State.IDENTITY_CHECKED:
            raise RequestRefused(_("The identity was already checked."))
        row.state = DataRequest.State.IDENTITY_CHECKED
        row.identity_method = method
        row.identity_checked_by = actor
        row.identity_checked_at = timezone.now()
        row.save(update_fields=["state", "identity_method", "identity_checked_by", "identity_checked_at"])
    return _copy_back(row, request)


def request_extend(*, request: DataRequest, actor, months: int, reason: str) -> DataRequest:
    """Extend the deadline to `months` (1 or 2) further months after the first, with a reason
    (art. 12(3)). An extension can grow, never shrink."""
    _require_right(actor)
    reason = reason.strip()
    if not reason:
        raise RequestRefused(_("An extension needs a reason."))
    with transaction.atomic():
        row = _locked(request)
        _require_open(row)
        if not row.extension_months < months <= deadlines.MAX_EXTENSION_MONTHS:
            raise RequestRefused(
                _("The deadline can be extended to at most %(max)d further months, and only forward.")
                % {"max": deadlines.MAX_EXTENSION_MONTHS}
            )
        row.extension_months = months
        row.extension_reason = reason
        row.deadline = deadlines.deadline_for(row.received_on, months)
        row.save(update_fields=["extension_months", "extension_reason", "deadline"])
    return _copy_back(row, request)


def _require_identity_checked(row: DataRequest) -> None:
    _require_open(row)
    if row.state != DataRequest.State.IDENTITY_CHECKED:
        raise RequestRefused(_("Check the identity of who asked before answering the request."))


def _close(row: DataRequest, actor, state: str, fields: list[str]) -> None:
    row.state = state
    row.closed_on = today()
    row.closed_by = actor
    row.save(update_fields=["state", "closed_on", "closed_by", *fields])


def erasure_entry_for(request: DataRequest, receipt: str) -> ErasureLogEntry | None:
    """The erasure-log row with this receipt, of the request's customer (by number) if it has one."""
    entries = ErasureLogEntry.objects.filter(hash=receipt.strip().lower())
    if request.customer_number:
        entries = entries.filter(customer_number=request.customer_number)
    return entries.first()


def erasure_candidates(request: DataRequest) -> list[ErasureLogEntry]:
    """The latest erasures of the request's customer (by number): what can answer it."""
    if not request.customer_number:
        return []
    return list(
        ErasureLogEntry.objects.filter(customer_number=request.customer_number).order_by("-sequence")[:5]
    )


def request_complete_erasure(*, request: DataRequest, actor, receipt: str) -> DataRequest:
    """Done: the customer was erased, and the erasure log's receipt proves it."""
    _require_right(actor)
    with transaction.atomic():
        row = _locked(request)
        if row.kind != DataRequest.Kind.ERASURE:
            raise RequestRefused(_("Only an erasure request is answered by an erasure."))
        _require_identity_checked(row)
        entry = erasure_entry_for(row, receipt)
        if entry is None:
            raise RequestRefused(_("No erasure of this request's customer has that receipt."))
        row.erasure = entry
        row.customer_number = entry.customer_number
        _close(row, actor, DataRequest.State.DONE, ["erasure", "customer_number"])
    return _copy_back(row, request)


def export_candidates(request: DataRequest) -> list[ChangeRecord]:
    """Access exports of the request's customer (newest first): what can answer an access request."""
    if request.customer_id is None:
        return []
    return list(
        ChangeRecord.objects.filter(customer_id=request.customer_id, event=ChangeRecord.Event.EXPORTED)
        .select_related("actor")
        .order_by("-at", "-id")[:5]
    )


def request_complete_access(*, request: DataRequest, actor, export_record: ChangeRecord) -> DataRequest:
    """Done: everything held about the customer was exported (B-1) and handed over; the request links to
    the export's event in the customer's history."""
    _require_right(actor)
    with transaction.atomic():
        row = _locked(request)
        if row.kind != DataRequest.Kind.ACCESS:
            raise RequestRefused(_("Only an access request is answered by an access export."))
        _require_identity_checked(row)
        if (
            row.customer_id is None
            or export_record.customer_id != row.customer_id
            or export_record.event != ChangeRecord.Event.EXPORTED
        ):
            raise RequestRefused(_("That is not an access export of this request's customer."))
        row.export_record = export_record
        row.exported_at = export_record.at
        _close(row, actor, DataRequest.State.DONE, ["export_record", "exported_at"])
    return _copy_back(row, request)


def request_refuse(*, request: DataRequest, actor, reason: str) -> DataRequest:
    """Refused, with the reason told to the person (art. 12(4)); possible before the identity is checked
    (it could not be) as after."""
    _require_right(actor)
    reason = reason.strip()
    if not reason:
        raise RequestRefused(_("A refusal needs a reason."))
    with transaction.atomic():
        row = _locked(request)
        _require_open(row)
        row.refusal_reason = reason
        _close(row, actor, DataRequest.State.REFUSED, ["refusal_reason"])
    return _copy_back(row, request)


# --- what runs without a person: notices and retention ---------------------------------------------------


def notify_due_requests(*, on: date | None = None) -> int:
    """Tell each open request's responsible user, in the app, once its deadline is at most
    DUE_SOON_DAYS away (or past). Idempotent per request and deadline: however often this runs, one
    notification per deadline; an extended deadline is told about again when it comes near. Returns how
    many were sent. Called by `kund requests notify` and the background worker."""
    on = on or today()
    horizon = on + timedelta(days=deadlines.DUE_SOON_DAYS)
    due = list(
        DataRequest.objects.filter(
            closed_on__isnull=True,
            deadline__lte=horizon,
            responsible__isnull=False,
            responsible__is_active=True,
        )
        .filter(Q(notified_deadline__isnull=True) | ~Q(notified_deadline=F("deadline")))
        .values_list("pk", "responsible_id", "deadline")
    )
    sent = 0
    for pk, responsible_id, deadline in due:
        with transaction.atomic():
            # Claim the notice: only the run whose update finds the row unclaimed sends it.
            claimed = (
                DataRequest.objects.filter(pk=pk, deadline=deadline, closed_on__isnull=True)
                .filter(Q(notified_deadline__isnull=True) | ~Q(notified_deadline=deadline))
                .update(notified_deadline=deadline)
            )
            if claimed:
                Notification.objects.create(
                    recipient_id=responsible_id, request_id=pk, verb=Notification.Verb.REQUEST_DUE
                )
                sent += 1
    return sent


@dataclass(frozen=True)
class PurgeResult:
    cleared: int
    before: date


def retention_cutoff(*, on: date | None = None) -> date:
    """Requests closed before this day have outlived the register's retention period."""
    years = int(getattr(settings, "KUND_REQUEST_RETENTION_YEARS", 3))
    return deadlines.add_months(on or today(), -12 * years)


def purge_closed_requests(*, on: date | None = None) -> PurgeResult:
    """The register's own retention: clear who asked (and the free-text reasons) from requests closed
    more than KUND_REQUEST_RETENTION_YEARS ago. One statement; the request stays with its customer
    number, dates, outcome and receipt. Called by `kund requests purge` and the background worker."""
    before = retention_cutoff(on=on)
    filled = Q()
    for name in DataRequest.PERSONAL_FIELDS:
        filled |= ~Q(**{name: ""})
    cleared = (
        DataRequest.objects.filter(closed_on__isnull=False, closed_on__lt=before)
        .filter(filled)
        .update(**dict.fromkeys(DataRequest.PERSONAL_FIELDS, ""))
    )
    return PurgeResult(cleared=cleared, before=before)
