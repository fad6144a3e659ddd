"""The customer list's columns (SPEC R-2): which show in the compact and the detailed view, and which sort.

Both views fit a 1366 px screen: no cell wraps, and a long value is cut with an ellipsis at its column's
width (in em, so it follows the font), the whole value in its tooltip. The detailed view shows more per
row rather than more columns: the identity number under the name, the phones under the contact person,
the whole address in one cell.
"""

from dataclasses import dataclass, replace

from django.template.defaultfilters import date as date_filter
from django.utils.functional import Promise
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from kund.customers.templatetags.kund import customer_url

COMPACT, DETAILED, BOTH = "compact", "detailed", "both"


@dataclass(frozen=True)
class Column:
    key: str  # the template's name for the cell
    label: Promise
    sort: str | None = None  # the ?sort= key (see filtersets.SORTS); None: not sortable
    view: str = BOTH  # which view shows it
    width: str = ""  # a cut-off width for its text, in em
    detailed_label: Promise | None = None  # the header in the detailed view, where the cell shows more

    @property
    def detailed_only(self) -> bool:
        return self.view == DETAILED


COLUMNS: tuple[Column, ...] = (
    Column("number", _("Number"), sort="number"),
    Column("name", _("Name"), sort="name", width="15em", detailed_label=_("Name, identity number")),
    Column("kind", _("Kind")),
    Column("contact_person", _("Contact person"), width="10em", detailed_label=_("Contact person, phone")),
    Column("email", _("E-mail"), width="14em"),
    Column("address", _("Address"), view=DETAILED, width="14em"),
    Column("city", _("City"), view=COMPACT, width="8em"),
    Column("group", _("Group"), view=DETAILED, width="7em"),
    Column("responsible", _("Responsible"), width="7em"),
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
    "mobile",
    "organisation_number",
    "invoice_address1",
    "invoice_postal_code",
    "invoice_city",
    "invoice_country",
    "group__name",
    "responsible__username",
    "status",
    "created_at",
    "anonymized_at",
)


def columns_for(detailed: bool) -> list[Column]:
    columns = [c for c in COLUMNS if c.view in (BOTH, DETAILED if detailed else COMPACT)]
    if detailed:
        columns = [replace(c, label=c.detailed_label) if c.detailed_label else c for c in columns]
    return columns


def _status_badge(customer) -> str:
    css = "text-bg-success" if customer.status == "active" else "text-bg-secondary"
    return format_html('<span class="badge {}">{}</span>', css, customer.get_status_display())


def _clip(text, width: str, link: str = "", css: str = "") -> str:
    """Text on one line, cut with an ellipsis at `width`, whole in the tooltip; a link when given one."""
    if not text:
        return ""
    style = f"max-width: {width}" if width else ""
    if link:
        return format_html(
            '<a href="{}" class="d-inline-block text-truncate align-bottom {}" style="{}" title="{}">{}</a>',
            link,
            css,
            style,
            text,
            text,
        )
    return format_html(
        '<span class="d-inline-block text-truncate align-bottom {}" style="{}" title="{}">{}</span>',
        css,
        style,
        text,
        text,
    )


def _second_line(*values) -> str:
    """A muted second line of a detailed cell: the values that are there, separated by a dot."""
    shown = [value for value in values if value]
    if not shown:
        return ""
    return format_html(
        '<div class="small text-body-secondary text-nowrap">{}</div>',
        format_html_join(" · ", "{}", ((value,) for value in shown)),
    )


KIND_ICONS = {"private": "bi-person", "company": "bi-building", "prospect": "bi-person-plus"}


def _cell(column: Column, customer, card_url: str, detailed: bool):
    """One cell's HTML. Built here rather than by a chain of {% if %} per cell: 25 rows times a dozen
    columns made the template the slowest part of the page."""
    key, width = column.key, column.width
    if key == "number":
        return format_html('<a href="{}" class="text-nowrap">{}</a>', card_url, customer.number)
    if key == "name":
        hint = format_html(' <span class="badge text-bg-light border">{}</span>', _("anonymized"))
        name = _clip(customer.name, width, link=card_url, css="link-body-emphasis")
        identity = _second_line(customer.organisation_number) if detailed else ""
        return format_html("{}{}{}", name, hint if customer.anonymized_at else "", identity)
    if key == "kind":
        if detailed:  # an icon, its name for screen readers and in the tooltip
            return format_html(
                '<i class="bi {}" title="{}" aria-hidden="true"></i><span class="visually-hidden">{}</span>',
                KIND_ICONS.get(customer.kind, "bi-question"),
                customer.get_kind_display(),
                customer.get_kind_display(),
            )
        return format_html('<span class="text-nowrap">{}</span>', customer.get_kind_display())
    if key == "contact_person":
        phones = _second_line(customer.phone, customer.mobile) if detailed else ""
        return format_html("{}{}", _clip(customer.contact_person, width), phones)
    if key == "email":
        return _clip(customer.email, width)
    if key == "address":
        town = " ".join(part for part in (customer.invoice_postal_code, customer.invoice_city) if part)
        return format_html(
            "{}{}", _clip(customer.invoice_address1, width), _second_line(town, customer.invoice_country)
        )
    if key == "city":
        return _clip(customer.invoice_city, width)
    if key == "status":  # an anonymized customer has no status to show
        return "" if customer.anonymized_at else _status_badge(customer)
    if key == "created":
        return format_html('<span class="text-nowrap">{}</span>', date_filter(customer.created_at, "Y-m-d"))
    if key == "group":
        return _clip(customer.group.name if customer.group_id else "", width)
    if key == "responsible":
        return _clip(customer.responsible.get_username() if customer.responsible_id else "", width)
    raise KeyError(key)


def table_rows(customers, columns: list[Column]) -> list[dict]:
    """The list's rows, cells rendered: {"customer": c, "cells": [html, …]} in the columns' order."""
    detailed = any(column.view == DETAILED for column in columns)  # the detailed view has such columns
    rows = []
    for customer in customers:
        card_url = customer_url(customer)
        rows.append(
            {"customer": customer, "cells": [_cell(c, customer, card_url, detailed) for c in columns]}
        )
    return rows
