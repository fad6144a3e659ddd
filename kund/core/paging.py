"""Pages of a big table without counting it and without OFFSET (SPEC: up to millions of rows).

`COUNT(*)` over millions of invoices on every page costs more than the page itself, and `OFFSET n`
reads and throws away n rows, so page 2,000 of a list is slower than page 1 by a factor of a thousand.
A page here is found by its position in the list's order instead (keyset pagination): "older" means
"after the last row shown", which the database finds through its index at any depth. The page fetches
one row more than it shows; that row only tells whether there is a further page.

The order is newest first by (date, number): `number` is unique, so the position is exact.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q, QuerySet

OLDER = "before"
NEWER = "after"


@dataclass
class KeysetPage:
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


def cursor_of(row) -> str:
    return f"{row.date.isoformat()}_{row.number}"


def parse_cursor(value: str | None) -> tuple[date, int] | None:
    """`2026-03-01_10442` → (date, number); anything else (junk, a hand-edited URL) → None."""
    if not value:
        return None
    day, _sep, number = value.partition("_")
    try:
        return date.fromisoformat(day), int(number)
    except ValueError:
        return None


def keyset_page(queryset: QuerySet, params, per_page: int = 50) -> KeysetPage:
    """One page of `queryset` (any filter, no ordering needed) newest first, from `?before=` or `?after=`."""
    older_than = parse_cursor(params.get(OLDER))
    newer_than = None if older_than else parse_cursor(params.get(NEWER))
    if newer_than:
        day, number = newer_than
        # date >= day keeps the condition usable by the date index; the OR settles ties on the day.
        rows = list(
            queryset.filter(Q(date__gte=day) & (Q(date__gt=day) | Q(number__gt=number))).order_by(
                "date", "number"
            )[: per_page + 1]
        )
        if len(rows) > per_page:
            return KeysetPage(object_list=rows[:per_page][::-1], has_next=True, has_previous=True)
        # Fewer than a page of newer rows: that is the top of the list, shown as the first page.
    if older_than:
        day, number = older_than
        queryset = queryset.filter(Q(date__lte=day) & (Q(date__lt=day) | Q(number__lt=number)))
    rows = list(queryset.order_by("-date", "-number")[: per_page + 1])
    return KeysetPage(
        object_list=rows[:per_page], has_next=len(rows) > per_page, has_previous=older_than is not None
    )


# --- numbered pages, without COUNT(*) ------------------------------------------------------------------
# OFFSET is fine where the list is short (a card's section, its history); the big lists (invoices,
# orders) use keyset pages above, and the customer list finds its page its own way (customers.selectors).

MAX_PAGE = 2000  # beyond this an OFFSET scan gets slow, and nobody reads that far: the user narrows the list


@dataclass
class WindowPage:
    """A page found by fetching one row more than it shows: that row tells whether there is a next page."""

    number: int
    per_page: int
    has_next: bool
    object_list: list = field(default_factory=list)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def has_other_pages(self) -> bool:
        return self.has_next or self.has_previous


def page_number(value) -> int:
    """The page asked for. Anything that is not a page number (junk, 0, -3) is the first page; a number past
    MAX_PAGE (2500, 10**30) is page MAX_PAGE. Only the first six characters are read, so a huge number
    costs no long conversion."""
    try:
        number = int(str(value)[:6])
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def page_of_rows(number: int, per_page: int, rows: list) -> WindowPage:
    """The page from its rows as fetched: up to per_page + 1 of them."""
    return WindowPage(
        number=number, per_page=per_page, has_next=len(rows) > per_page, object_list=rows[:per_page]
    )


def window_page(queryset, number, per_page: int) -> WindowPage:
    number = page_number(number)
    start = (number - 1) * per_page
    return page_of_rows(number, per_page, list(queryset[start : start + per_page + 1]))
