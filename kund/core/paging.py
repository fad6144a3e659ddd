"""Pages of a big table without counting it (SPEC: up to millions of rows).

`COUNT(*)` over millions of invoices on every page costs more than the page itself. A page here fetches
one row more than it shows: that row only tells whether there is a next page.
"""

from dataclasses import dataclass, field

# Beyond this an OFFSET scan gets slow, and nobody reads that far: the user narrows the list instead.
MAX_PAGE = 2000


@dataclass
class WindowPage:
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
    """The page asked for; anything that is not a page number (junk, 0, -3) is the first page."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return 1
    return min(max(number, 1), MAX_PAGE)


def window_page(queryset, number, per_page: int = 50) -> WindowPage:
    number = page_number(number)
    start = (number - 1) * per_page
    rows = list(queryset[start : start + per_page + 1])
    return WindowPage(
        number=number, per_page=per_page, has_next=len(rows) > per_page, object_list=rows[:per_page]
    )
