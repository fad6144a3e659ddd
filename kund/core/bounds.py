"""Sensible ranges for what users type: dates and counts outside them are refused where they come in (a
form's field, a command's option) with a message, before any arithmetic can overflow on them.

A date such as 9999-12-31 is a valid Python date, but the day after it is not, and 0001-01-01 at
midnight in Stockholm is before the first moment a database can store in UTC; both once ended in an
OverflowError deep in a query. Nothing in a customer register is dated before 1900 or after 2999.
"""

from datetime import date

from django import forms
from django.utils.translation import gettext as _

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)


def date_in_range(day: date) -> bool:
    return EARLIEST_DATE <= day <= LATEST_DATE


def date_range_message() -> str:
    return _("Enter a date from %(earliest)s to %(latest)s.") % {
        "earliest": EARLIEST_DATE.isoformat(),
        "latest": LATEST_DATE.isoformat(),
    }


class BoundedDateField(forms.DateField):
    """A date field that accepts only dates from EARLIEST_DATE to LATEST_DATE."""

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        if widget.attrs.get("type") == "date":  # the browser's date picker keeps to the range too
            attrs.update(min=EARLIEST_DATE.isoformat(), max=LATEST_DATE.isoformat())
        return attrs

    def validate(self, value):
        super().validate(value)
        if value is not None and not date_in_range(value):
            raise forms.ValidationError(date_range_message(), code="date_out_of_range")


def whole_number(text: str, *, minimum: int, maximum: int) -> int | None:
    """The whole number `text` spells if it lies in minimum..maximum, else None. Only the first 20
    characters are read, so a number of a thousand digits costs no long conversion."""
    text = str(text).strip()
    if len(text) > 20:
        return None
    try:
        number = int(text)
    except ValueError:
        return None
    return number if minimum <= number <= maximum else None
