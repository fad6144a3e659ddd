"""The customer list's columns (SPEC R-2): which show in the compact and the detailed view, and which sort."""

from dataclasses import dataclass

from django.template.defaultfilters import date as date_filter
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Column:
    key: str  # the template's name for the cell
    label: Promise
    sort: str | None = None  # the ?sort= key (see filtersets.SORTS); None: not sortable
    detailed_only: bool = False


COLUMNS: tuple[Column, ...] = (
    Column("number", _("Number"), sort="number"),
    Column("name", _("Name"), sort="name"),
    Column("kind", _("Kind")),
    Column("contact_person", _("Contact person")),
    Column("email", _("E-mail")),
    Column("phone", _("Phone"), detailed_only=True),
    Column("organisation_number", _("Organisation/personal number"), detailed_only=True),
    Column("address", _("Address"), detailed_only=True),
    Column("city", _("City")),
    Column("country", _("Country"), detailed_only=True),
    Column("group", _("Group"), detailed_only=True),
    Column("responsible", _("Responsible")),
    Column("status", _("Status")),
    Column("created", _("Created"), sort="created"),
)

# The list reads only what its columns show.
LIST_FIELDS = (
    "id",
    "number",
    "name",
    "kind",
    "contact_person",
    "email",
    "phone",
    "organisation_number",
    "invoice_address1",
    "invoice_city",
    "invoice_country",
    "group__name",
    "responsible__username",
    "status",
    "created_at",
    "anonymized_at",
)


def columns_for(detailed: bool) -> list[Column]:
    return [c for c in COLUMNS if detailed or not c.detailed_only]


def _status_badge(customer) -> str:
    css = "text-bg-success" if customer.status == "active" else "text-bg-secondary"
    return format_html('<span class="badge {}">{}</span>', css, customer.get_status_display())


def _cell(column: Column, customer, card_url: str):
    """One cell's HTML. Built here rather than by a chain of {% if %} per cell: 25 rows times a dozen
    columns made the template the slowest part of the page."""
    key = column.key
    if key == "number":
        return format_html('<a href="{}">{}</a>', card_url, customer.number)
    if key == "name":
        hint = format_html(' <span class="badge text-bg-light border">{}</span>', _("anonymized"))
        return format_html(
            '<a href="{}" class="link-body-emphasis">{}</a>{}',
            card_url,
            customer.name,
            hint if customer.anonymized_at else "",
        )
    if key == "kind":
        return customer.get_kind_display()
    if key == "status":  # an anonymized customer has no status to show
        return "" if customer.anonymized_at else _status_badge(customer)
    if key == "created":
        return format_html('<span class="text-nowrap">{}</span>', date_filter(customer.created_at, "Y-m-d"))
    if key == "group":
        return customer.group.name if customer.group_id else ""
    if key == "responsible":
        return customer.responsible.get_username() if customer.responsible_id else ""
    return getattr(customer, CELL_ATTRIBUTES.get(key, key))


CELL_ATTRIBUTES = {"address": "invoice_address1", "city": "invoice_city", "country": "invoice_country"}


def table_rows(customers, columns: list[Column]) -> list[dict]:
    """The list's rows, cells rendered: {"customer": c, "cells": [html, …]} in the columns' order."""
    prefix = reverse("customers:list")
    return [
        {"customer": c, "cells": [_cell(column, c, f"{prefix}{c.pk}/") for column in columns]}
        for c in customers
    ]
