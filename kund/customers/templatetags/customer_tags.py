"""Template filters of the register's pages."""

import datetime

from django import template
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.translation import gettext as _

from kund.customers.records import record_url

register = template.Library()


@register.simple_tag
def record_page(section, record, customer) -> str:
    """`{% record_page section record customer %}`: the URL of the record's read-only page."""
    return record_url(section, record, customer)


@register.filter
def cell(record, name: str):
    """A record's field as a table shows it: a choice's label, yes/no, a date, or the value."""
    display = getattr(record, f"get_{name}_display", None)
    if callable(display):
        return display()
    value = getattr(record, name, "")
    if isinstance(value, bool):
        icon, text = (
            ("bi-check-lg text-success", _("yes")) if value else ("bi-x-lg text-body-tertiary", _("no"))
        )
        return format_html(
            '<i class="bi {}" aria-hidden="true"></i><span class="visually-hidden">{}</span>', icon, text
        )
    if isinstance(value, datetime.datetime):
        return date_filter(value, "Y-m-d H:i")
    if isinstance(value, datetime.date):
        return date_filter(value, "Y-m-d")
    return "" if value is None else value
