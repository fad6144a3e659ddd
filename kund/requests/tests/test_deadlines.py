"""B-7, GDPR art. 12(3): a request is answered within one calendar month of receipt, extendable by two
further months; a day the later month lacks falls on its last day."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kund.requests.deadlines import add_months, deadline_for, is_due_soon, is_overdue


@pytest.mark.parametrize(
    ("received", "deadline"),
    [
        (date(2025, 3, 14), date(2025, 4, 14)),  # an ordinary day: the same day next month
        (date(2025, 1, 31), date(2025, 2, 28)),  # 31 January → the end of February
        (date(2024, 1, 31), date(2024, 2, 29)),  # … in a leap year, 29 February
        (date(2024, 1, 29), date(2024, 2, 29)),
        (date(2025, 1, 29), date(2025, 2, 28)),
        (date(2025, 3, 31), date(2025, 4, 30)),  # 31 → a month of 30 days
        (date(2024, 2, 29), date(2024, 3, 29)),  # from a leap day: the same day, not the month end
        (date(2025, 2, 28), date(2025, 3, 28)),
        (date(2025, 12, 15), date(2026, 1, 15)),  # over the turn of the year
        (date(2025, 12, 31), date(2026, 1, 31)),
    ],
)
def test_the_deadline_is_one_calendar_month_after_receipt(received, deadline):
    assert deadline_for(received) == deadline


@pytest.mark.parametrize(
    ("received", "months", "deadline"),
    [
        (date(2025, 3, 14), 1, date(2025, 5, 14)),
        (date(2025, 3, 14), 2, date(2025, 6, 14)),
        # counted from receipt, not from the first (clamped) deadline: 31 Jan + 3 months, not 28 Feb + 2
        (date(2024, 1, 31), 2, date(2024, 4, 30)),
        (date(2025, 1, 31), 1, date(2025, 3, 31)),
        (date(2023, 11, 30), 2, date(2024, 2, 29)),  # into a leap February
        (date(2024, 11, 30), 2, date(2025, 2, 28)),
        (date(2025, 10, 31), 2, date(2026, 1, 31)),  # over the turn of the year
    ],
)
def test_an_extension_adds_up_to_two_further_months_from_receipt(received, months, deadline):
    assert deadline_for(received, months) == deadline


@pytest.mark.parametrize("months", [-1, 3, 12])
def test_an_extension_beyond_two_months_is_not_a_deadline(months):
    with pytest.raises(ValueError):
        deadline_for(date(2025, 3, 14), months)


def test_months_back_for_the_retention_period_clamp_too():
    assert add_months(date(2028, 2, 29), -36) == date(2025, 2, 28)
    assert add_months(date(2026, 1, 15), -1) == date(2025, 12, 15)


@given(st.dates(min_value=date(2018, 5, 25), max_value=date(2100, 12, 31)), st.integers(0, 2))
def test_the_deadline_falls_in_the_right_month_on_the_same_day_or_that_months_last(received, months):
    deadline = deadline_for(received, months)
    # the calendar month 1 + months later
    assert (deadline.year * 12 + deadline.month) - (received.year * 12 + received.month) == 1 + months
    # the same day of the month, unless that month is shorter: then its last day
    if deadline.day != received.day:
        assert deadline.day < received.day
        assert (deadline + timedelta(days=1)).day == 1


def test_overdue_is_after_the_deadline_day_and_due_soon_within_seven_days():
    deadline = date(2025, 4, 14)
    assert not is_overdue(deadline, date(2025, 4, 14))  # the deadline day itself is still in time
    assert is_overdue(deadline, date(2025, 4, 15))
    assert is_due_soon(deadline, date(2025, 4, 7))
    assert is_due_soon(deadline, date(2025, 4, 14))
    assert not is_due_soon(deadline, date(2025, 4, 6))
    assert not is_due_soon(deadline, date(2025, 4, 15))  # overdue is not "due soon"
