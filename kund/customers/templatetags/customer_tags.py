"""Template filters of the register's pages."""

import datetime

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from kund.audit.models import ChangeRecord
from kund.customers.mailing import Channel
from kund.customers.models import Customer
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


# --- the change history: fields by their names, choices by their labels ------------------------

CUSTOM_PREFIX = "custom: "  # how kund.customers.custom_fields names a custom field's change


def _customer_field(name: str):
    try:
        return Customer._meta.get_field(name)
    except FieldDoesNotExist:
        return None


@register.filter
def history_field(record: ChangeRecord) -> str:
    """The changed field as people call it ("Invoice address line 1", not `invoice_address1`), in the
    user's language; a custom field by its own name; a mailing by its channel."""
    name = record.field
    if not name:
        return ""
    if record.event == ChangeRecord.Event.MAILING_EXPORTED:
        return str(dict(Channel.choices).get(name, name))
    if record.event in (ChangeRecord.Event.DOCUMENT_ADDED, ChangeRecord.Event.DOCUMENT_DELETED):
        return _("Document")
    if name.startswith(CUSTOM_PREFIX):
        return name[len(CUSTOM_PREFIX) :]
    field = _customer_field(name)
    return capfirst(str(field.verbose_name)) if field is not None else name


@register.filter
def history_value(record: ChangeRecord, which: str) -> str:
    """The old or new value (`which`: "old" or "new"), a choice by its label ("Inactive", not `inactive`)."""
    value = record.old_value if which == "old" else record.new_value
    field = _customer_field(record.field) if record.field else None
    if value and field is not None and field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field is not None and field.get_internal_type() == "BooleanField" and value in ("True", "False"):
        return _("yes") if value == "True" else _("no")
    return value
