"""A customer's records as read-only pages (SPEC R-3): where each record's page is, and what the generic
record page shows of a record — every field by its verbose name, values as people read them.

Orders, invoices and fault reports have pages of their own apps; files are downloaded; every other kind
of the card's sections is shown by the register's generic page (customers:record), driven by the model's
fields. The customer is always shown through `customer_link`, so an anonymized one is a plain "Xxxx"
(A-6)."""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import models
from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.translation import gettext as _

from kund.core import rules
from kund.customers.selectors import SECTIONS, Section

# Columns no person reads: search helpers and the like.
_HIDDEN_PREFIXES = ("search_",)


def record_url(section: Section, record, customer) -> str:
    """The read-only page of a record of `section` that belongs to `customer` (the card's customer)."""
    if section.page == "service:fault_report":  # mounted under its customer
        return reverse(section.page, args=[customer.number, record.pk])
    if section.page:
        return reverse(section.page, args=[record.pk])
    return reverse("customers:record", args=[section.record_kind, record.pk])


def _page_section(model) -> Section | None:
    """The section whose records of `model` have a page (not a download), if any."""
    for section in SECTIONS:
        if section.model_class is model and not section.download and not section.page_kind:
            return section
    return None


def record_customer(section: Section, record):
    """The customer a record belongs to, following the section's link ("dropship_order__customer")."""
    target = record
    for name in section.link.split("__"):
        target = getattr(target, name)
    return target


@dataclass(frozen=True)
class Line:
    label: str
    text: str = ""
    url: str = ""
    customer: object = None  # a customer, shown through customer_link


def _text(record, field) -> str:
    value = getattr(record, field.name)
    if field.choices:
        return str(getattr(record, f"get_{field.name}_display")())
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return date_filter(value, "Y-m-d H:i")
    if isinstance(value, datetime.date):
        return date_filter(value, "Y-m-d")
    return "" if value is None else str(value)


def record_lines(section: Section, record, user) -> list[Line]:
    """The record's fields in model order, by their verbose names; the link to its own customer is left
    out (the page names the customer once, above). A related record with a page of its own is a link; a
    user is shown by username; another customer through customer_link when the user may view it, else by
    its number only."""
    own_link = section.link.split("__")[0]
    lines = []
    for field in section.model_class._meta.concrete_fields:
        if field.primary_key or field.name == own_link or field.name.startswith(_HIDDEN_PREFIXES):
            continue
        if isinstance(field, models.FileField):
            continue
        label = str(field.verbose_name)
        if field.is_relation:
            related = getattr(record, field.name)
            if related is None:
                lines.append(Line(label))
            elif field.related_model._meta.label == "customers.Customer":
                shown = related if rules.may_view(user, related) else None
                lines.append(Line(label, text=str(related.number), customer=shown))
            elif field.related_model._meta.label == settings.AUTH_USER_MODEL:
                lines.append(Line(label, text=related.get_username()))
            else:
                page = _page_section(field.related_model)
                url = record_url(page, related, record_customer(section, record)) if page else ""
                lines.append(Line(label, text=getattr(related, "ref", None) or str(related), url=url))
            continue
        lines.append(Line(label, text=_text(record, field)))
    return lines
