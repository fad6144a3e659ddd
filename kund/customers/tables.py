"""The customer list's columns (SPEC R-2): which show in the compact and the detailed view, and which sort."""

from dataclasses import dataclass

from django.utils.functional import Promise
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
