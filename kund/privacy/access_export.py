"""The data-subject access and portability export (SPEC B-1, GDPR art. 15 and 20): everything Kund holds
about one customer, as JSON and as a printable HTML page.

What goes in is read from the erasure policy, not listed again here: the customer row (policy.CUSTOMER)
and, for every table of policy.TABLES, every row linked to the customer through `table.link`, with every
field of the table's `fields` map — so a field the policy knows cannot be left out of the export, and a
new table gets exported as soon as the policy lists it. Columns the policy does not list (links between
records, such as an invoice's order) are exported too, as the linked record's reference. Invoices and
receipts are exported as they are (A-3); documents by their names, not their contents. Change history is
one of the policy's tables (audit.ChangeRecord).

Columns that mean nothing to the person are left out (`is_internal`): the database's search copies of the
name and e-mail (policy DERIVED, generated from columns that are exported), credentials' hashes (SECRET),
and the storage keys of files (random names; a file is exported as its row: a document by its title).

The JSON holds values as Kund stores them (codes such as "private", ISO dates) for another system to
read; the HTML page says them in the reader's language — field labels, the labels of choices ("Private
person"), yes and no, the labels of a change's field — and prints on A4 (privacy/access-export-print.css:
no table is cut off at the page's edge).

`access_export(*, customer, actor)` builds the export and records an EXPORTED event in the customer's
history (R-4); render it with `as_json()` or `as_html()`.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.core.exceptions import FieldDoesNotExist
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.template.loader import render_to_string
from django.utils import formats, timezone
from django.utils.translation import gettext

from kund.audit.models import ChangeRecord
from kund.audit.services import record_event
from kund.customers.models import Customer
from kund.privacy.policy import CUSTOMER, DERIVED, OTHER_CUSTOMERS, SECRET, TABLES, Table

FORMAT = "kund-access-export/1"
PRINT_CSS = "privacy/access-export-print.css"
# A table of more columns than this is printed as one block per record (label: value), not as a table.
WIDE = 8


# How the page says a column's value: (value, the whole row) -> text in the active language.
Say = Callable[[object, dict], str]


@dataclass
class Section:
    """One table's rows of the export."""

    table: str  # the model label, "sales.Order"
    title: str  # its plural verbose name, for the HTML page
    columns: list[tuple[str, str]]  # (field name, label)
    rows: list[dict] = field(default_factory=list)  # {"ref": ..., field name: value}
    says: dict[str, Say] = field(default_factory=dict)  # columns whose values the page says in words

    @property
    def wide(self) -> bool:
        return len(self.columns) > WIDE

    def display(self, name: str, row: dict) -> str:
        value = row.get(name)
        say = self.says.get(name)
        return say(value, row) if say is not None and value not in (None, "") else display(value)

    def display_rows(self) -> list[tuple[str, list[tuple[str, str]]]]:
        """(reference, [(label, value), …]) per row, as the page shows them."""
        return [
            (row.get("ref", ""), [(label, self.display(name, row)) for name, label in self.columns])
            for row in self.rows
        ]


@dataclass
class AccessExport:
    customer_id: int
    customer_number: str
    generated_at: object
    customer: Section
    sections: list[Section]

    def as_dict(self) -> dict:
        return {
            "format": FORMAT,
            "generated_at": self.generated_at,
            "customer_number": self.customer_number,
            "customer": self.customer.rows[0],
            "records": {section.table: section.rows for section in self.sections},
        }

    def as_json(self) -> str:
        return json.dumps(self.as_dict(), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)

    def as_html(self, request=None) -> str:
        customer_row = self.customer.rows[0]
        customer_rows = [
            (label, self.customer.display(name, customer_row)) for name, label in self.customer.columns
        ]
        context = {"export": self, "customer_rows": customer_rows, "sections": self.sections}
        if request is None:
            # A file written by the command line has no server to fetch the stylesheet from: inline it.
            context["print_css"] = _print_css()
        return render_to_string("privacy/access_export.html", context, request=request)


def _print_css() -> str:
    path = finders.find(PRINT_CSS)
    with open(path, encoding="utf-8") as handle:
        return handle.read()


def display(value) -> str:
    """A value as the HTML page shows it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, datetime):
        return formats.localize(timezone.localtime(value)) if timezone.is_aware(value) else str(value)
    return str(value)


def access_export(*, customer: Customer, actor) -> AccessExport:
    """Everything held about the customer; recorded in its history as EXPORTED (B-1)."""
    with transaction.atomic():
        export = build_export(customer)
        record_event(customer=customer, actor=actor, event=ChangeRecord.Event.EXPORTED)
    return export


def build_export(customer: Customer) -> AccessExport:
    """Read everything; one query per table of the policy (related records joined in)."""
    customer_section = _section(CUSTOMER, Customer.objects.filter(pk=customer.pk), key=CUSTOMER.model)
    sections = []
    for table in TABLES:
        queryset = table.model_class._default_manager.filter(**{table.link: customer.pk})
        sections.append(_section(table, queryset, key=_key(table)))
    return AccessExport(
        customer_id=customer.pk,
        customer_number=customer.number,
        generated_at=timezone.now(),
        customer=customer_section,
        sections=sections,
    )


def _key(table: Table) -> str:
    """The section's name in the export: the model's label; a model listed again for a second link to
    the customer is named with that link ("crm.Activity/second_customer")."""
    first = next(t for t in TABLES if t.model == table.model)
    return table.model if first is table else f"{table.model}/{table.link.removesuffix('_id')}"


def is_internal(table: Table, model_field: models.Field) -> bool:
    """A column that means nothing to the person, left out of the export: a search copy the database
    generates from exported columns (policy.DERIVED), a credential's hash — a key, not data about anyone
    (policy.SECRET) — and a file's storage key (a random name; the file is exported as its row)."""
    rule = table.fields.get(model_field.name)
    return rule is DERIVED or rule is SECRET or isinstance(model_field, models.FileField)


def _exported_fields(table: Table) -> list[models.Field]:
    """The policy's fields first, in its order, then every other column of the model except its id, its
    link to the customer and the internal columns. Through a second link, another customer's details are
    not this customer's data and stay out (policy.OTHER_CUSTOMERS)."""
    model = table.model_class
    concrete = [
        f
        for f in model._meta.concrete_fields
        if not f.primary_key and not _is_customer_link(table, f) and not is_internal(table, f)
    ]
    by_name = {f.name: f for f in concrete}
    policy_fields = [
        by_name[name]
        for name, rule in table.fields.items()
        if name in by_name and rule is not OTHER_CUSTOMERS
    ]
    return policy_fields + [f for f in concrete if f.name not in table.fields]


def _choice(model_field: models.Field) -> Say:
    labels = dict(model_field.flatchoices)
    return lambda value, row: str(labels.get(value, value))


def _change_field(value, row: dict) -> str:
    """A change's field by the customer's label for it ("invoice address: line 1", not invoice_address1)."""
    try:
        return str(Customer._meta.get_field(value).verbose_name)
    except FieldDoesNotExist:
        return str(value)


def _change_value(value, row: dict) -> str:
    """A change's old or new value; a choice ("private") by its label."""
    try:
        model_field = Customer._meta.get_field(row.get("field") or "")
    except FieldDoesNotExist:
        return display(value)
    return _choice(model_field)(value, row) if model_field.choices else display(value)


def _says(model, fields: list[models.Field]) -> dict[str, Say]:
    says = {f.name: _choice(f) for f in fields if f.choices}
    if model is ChangeRecord:
        says.update(field=_change_field, old_value=_change_value, new_value=_change_value)
    return says


def _is_customer_link(table: Table, model_field: models.Field) -> bool:
    """The row's own link to the exported customer (the one the table follows)."""
    return (
        model_field.is_relation
        and model_field.related_model is Customer
        and table.link == model_field.attname
    )


def _section(table: Table, queryset, *, key: str) -> Section:
    model = table.model_class
    fields = _exported_fields(table)
    relations = [f.name for f in fields if f.is_relation]
    if relations:
        queryset = queryset.select_related(*relations)
    section = Section(
        table=key,
        title=str(table.label or model._meta.verbose_name_plural),
        columns=[(f.name, str(f.verbose_name)) for f in fields],
        says=_says(model, fields),
    )
    for obj in queryset.order_by("pk"):
        row: dict = {}
        ref = getattr(obj, "ref", None)
        if ref and model is not Customer:
            row["ref"] = ref
        for model_field in fields:
            row[model_field.name] = _value(obj, model_field)
        section.rows.append(row)
    return section


def _value(obj, model_field: models.Field):
    if model_field.is_relation:
        target = getattr(obj, model_field.name)
        if target is None:
            return None
        if isinstance(target, get_user_model()):
            return target.get_username()
        if isinstance(target, Customer):  # another customer, by number only: its name is not this one's
            return target.number
        return getattr(target, "ref", None) or str(target)
    value = getattr(obj, model_field.attname)
    if isinstance(model_field, models.FileField):
        return value.name or ""
    return value
