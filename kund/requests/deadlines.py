"""The deadline of a data-subject request (GDPR art. 12(3), SPEC B-7): one calendar month from receipt,
extendable by up to two further months.

"One month" is a calendar month, not 30 days: 14 March → 14 April. A day the later month does not have
falls on its last day: 31 January → 28 February (29 in a leap year), 31 March → 30 April. An extension
counts from the day of receipt, not from the first deadline: received 31 January and extended by two
months, the deadline is 30 April (1 + 2 months), not 28 April (28 February + 2 months).
"""

import calendar
from datetime import date, timedelta

MAX_EXTENSION_MONTHS = 2  # art. 12(3): "extended by two further months where necessary"
DUE_SOON_DAYS = 7  # a request whose deadline is this close is "due soon" (and its handler is told)


def add_months(day: date, months: int) -> date:
    """`day` plus a number of calendar months (negative: minus), clamped to the end of a shorter month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def deadline_for(received_on: date, extension_months: int = 0) -> date:
    """The last day to answer a request received on `received_on`, extended by 0, 1 or 2 months."""
    if not 0 <= extension_months <= MAX_EXTENSION_MONTHS:
        raise ValueError(f"an extension is 0 to {MAX_EXTENSION_MONTHS} months, not {extension_months}")
    return add_months(received_on, 1 + extension_months)


def is_overdue(deadline: date, today: date) -> bool:
    """Past the deadline: the deadline day itself is still in time."""
    return deadline < today


def is_due_soon(deadline: date, today: date) -> bool:
    """Due today or within the next DUE_SOON_DAYS days (not yet overdue)."""
    return today <= deadline <= today + timedelta(days=DUE_SOON_DAYS)
