"""Reading the erasure log (SPEC B-2) for its page: newest first, filtered by action and time, a page at a
time by its position (keyset), never by counting or skipping rows — the log grows by a row per erasure,
a million after a few large mass runs. The receipt lookup finds rows by receipt or customer number."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.apps import apps
from django.db.models import Q, QuerySet

from kund.audit.models import ErasureLogEntry

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
RECEIPT = re.compile(r"[0-9a-f]{64}")
LOOKUP_LIMIT = 50  # rows of one customer number shown; a number is erased a handful of times at most


@dataclass
class LogPage:
    object_list: list = field(default_factory=list)
    has_next: bool = False  # older rows exist
    has_previous: bool = False  # newer rows exist

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous

    @property
    def next_cursor(self) -> str:
        return cursor_of(self.object_list[-1]) if self.object_list else ""

    @property
    def previous_cursor(self) -> str:
        return cursor_of(self.object_list[0]) if self.object_list else ""


def cursor_of(entry: ErasureLogEntry) -> str:
    """A row's place in the list's order (time, then sequence): `<microseconds since 1970>-<sequence>`."""
    return f"{(entry.at - EPOCH) // MICROSECOND}-{entry.sequence}"


def parse_cursor(value: str | None) -> tuple[datetime, int] | None:
    """The cursor back as (time, sequence); anything else (junk, a hand-edited URL) → None."""
    if not value or len(value) > 40:
        return None
    micros, _sep, sequence = value.partition("-")
    if not (micros.isdigit() and sequence.isdigit()):
        return None
    try:
        return EPOCH + int(micros) * MICROSECOND, int(sequence)
    except OverflowError:
        return None


def erasure_log_entries(*, action: str = "", since: datetime | None = None, until: datetime | None = None):
    """The rows of `action` (all when empty) at or after `since` and before `until`."""
    entries = ErasureLogEntry.objects.all()
    if action:
        entries = entries.filter(action=action)
    if since is not None:
        entries = entries.filter(at__gte=since)
    if until is not None:
        entries = entries.filter(at__lt=until)
    return entries


def erasure_log_page(
    entries: QuerySet, *, before: str | None, after: str | None, per_page: int = 50
) -> LogPage:
    """One page of `entries`, newest first, after the row `before` names (older) or before the row `after`
    names (newer). One query of at most per_page + 1 rows on an index that ends in this order."""
    older_than = parse_cursor(before)
    newer_than = None if older_than else parse_cursor(after)
    if newer_than:
        at, sequence = newer_than
        # at >= keeps the condition on the index; the OR settles rows of the same time by sequence.
        rows = list(
            entries.filter(Q(at__gte=at) & (Q(at__gt=at) | Q(sequence__gt=sequence))).order_by(
                "at", "sequence"
            )[: per_page + 1]
        )
        if len(rows) > per_page:
            return LogPage(object_list=rows[:per_page][::-1], has_next=True, has_previous=True)
        # Fewer than a page of newer rows: that is the top of the list, shown as the first page.
    if older_than:
        at, sequence = older_than
        entries = entries.filter(Q(at__lte=at) & (Q(at__lt=at) | Q(sequence__lt=sequence)))
    rows = list(entries.order_by("-at", "-sequence")[: per_page + 1])
    return LogPage(
        object_list=rows[:per_page], has_next=len(rows) > per_page, has_previous=older_than is not None
    )


def table_label(label: str) -> str:
    """A table of the counts ("sales.Order") as the reader's language names it ("orders")."""
    try:
        return str(apps.get_model(label)._meta.verbose_name_plural)
    except (LookupError, ValueError):
        return label


def counts_of(entry: ErasureLogEntry) -> list[tuple[str, int]]:
    """The entry's rows per table, by the tables' names, largest first."""
    counts = entry.counts if isinstance(entry.counts, dict) else {}
    named = [(table_label(label), number) for label, number in counts.items() if isinstance(number, int)]
    return sorted(named, key=lambda pair: (-pair[1], pair[0]))


def find_entries(text: str) -> tuple[str, list[ErasureLogEntry]]:
    """The rows a pasted receipt or customer number names: ("receipt", [the row]) or ("number", its rows,
    newest first). A receipt is found by reading the log (its hash has no index, which would cost every
    erasure a write to a random page of it); a customer number by its index."""
    text = text.strip()
    if RECEIPT.fullmatch(text.lower()):
        return "receipt", list(ErasureLogEntry.objects.filter(hash=text.lower())[:1])
    return "number", list(
        ErasureLogEntry.objects.filter(customer_number=text).order_by("-sequence")[:LOOKUP_LIMIT]
    )
