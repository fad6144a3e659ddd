"""Reading the request register (SPEC B-7): the lists and counts the pages, the command line and the
dashboard show. Overdue and due soon are decided here once, by the database, against the stored
deadline."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from kund.core import rules
from kund.requests.deadlines import DUE_SOON_DAYS, is_due_soon, is_overdue
from kund.requests.models import DataRequest

# The list's `?show=` filters, and what each selects.
SHOW_OPEN, SHOW_OVERDUE, SHOW_DUE_SOON, SHOW_CLOSED, SHOW_ALL = "open", "overdue", "due_soon", "closed", "all"


def today() -> date:
    return timezone.localdate()


def requests_for(user) -> QuerySet[DataRequest]:
    """Every request, for a user who may handle them; none otherwise."""
    if not rules.may_handle_requests(user):
        return DataRequest.objects.none()
    return DataRequest.objects.all()


def open_condition() -> Q:
    return Q(closed_on__isnull=True)


def overdue_condition(on: date) -> Q:
    return open_condition() & Q(deadline__lt=on)


def due_soon_condition(on: date) -> Q:
    return open_condition() & Q(deadline__gte=on, deadline__lte=on + timedelta(days=DUE_SOON_DAYS))


def filtered(requests: QuerySet[DataRequest], *, show: str, kind: str = "", on: date | None = None):
    on = on or today()
    conditions = {
        SHOW_OPEN: open_condition(),
        SHOW_OVERDUE: overdue_condition(on),
        SHOW_DUE_SOON: due_soon_condition(on),
        SHOW_CLOSED: ~open_condition(),
        SHOW_ALL: Q(),
    }
    requests = requests.filter(conditions[show])
    if kind:
        requests = requests.filter(kind=kind)
    if show == SHOW_CLOSED:
        return requests.order_by("-closed_on", "-id")
    return requests.order_by("deadline", "id")


@dataclass(frozen=True)
class DueCounts:
    overdue: int
    due_soon: int
    open: int


def due_counts(requests: QuerySet[DataRequest], *, on: date | None = None) -> DueCounts:
    """Open, overdue and due-soon requests, counted in one query over the open requests' index."""
    on = on or today()
    counts = requests.filter(open_condition()).aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(deadline__lt=on)),
        due_soon=Count("pk", filter=Q(deadline__gte=on, deadline__lte=on + timedelta(days=DUE_SOON_DAYS))),
    )
    return DueCounts(overdue=counts["overdue"], due_soon=counts["due_soon"], open=counts["open"])


def overdue_flags(request: DataRequest, *, on: date | None = None) -> tuple[bool, bool]:
    """(overdue, due soon) for one request, as the list's conditions decide them."""
    on = on or today()
    if request.is_closed:
        return False, False
    return is_overdue(request.deadline, on), is_due_soon(request.deadline, on)
