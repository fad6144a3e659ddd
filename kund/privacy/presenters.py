"""The erasure page's plan in words (SPEC E-1, E-3, A-2, §4, B-5): labels, the links to the records a plan
names, the person found in kept text with the words around it, what stays by law, and the field map
summarised. It reads only; the planner decides and the services erase.
"""

from dataclasses import dataclass, field

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext

from kund.core import rules
from kund.customers.models import Customer, CustomFieldValue
from kund.customers.selectors import SECTIONS
from kund.customers.templatetags.kund import customer_url
from kund.privacy import policy, reasons, residue
from kund.privacy.planner import Plan

# A customer's own records are few, but the page never renders an unbounded list.
LIST_LIMIT = 200

# Records with a page of their own in Kund; the others are shown in the back office (staff) or on the card.
RECORD_PAGES = {"invoice": "billing:invoice_detail", "order": "sales:order_detail"}

RULE_WORDS = {
    "xxxx": policy.ANONYMIZED_NAME,
    "xxxx_name": gettext_lazy("Xxxx Xxxx (a company: Xxxx)"),
    "clear": gettext_lazy("emptied"),
    "year_only": gettext_lazy("1 January of the same year"),
    "zero": gettext_lazy("0.000000 (no position on the map)"),
    "no": gettext_lazy("no"),
}


@dataclass(frozen=True)
class RecordLine:
    """One blocker or one kept free-text field, ready to show: what, which, why, and where to look."""

    kind: str
    ref: str
    text: str
    url: str


def _tables_by_kind() -> dict[str, policy.Table]:
    return {(t.kind or t.model_class._meta.model_name): t for t in policy.TABLES}


def _record_pks(table: policy.Table, customer: Customer, refs: set[str]) -> dict[str, int]:
    """The ids behind references such as "O-1042" or "DOC-7": one query for all refs of one table."""
    model = table.model_class
    prefix = getattr(model, "REF_PREFIX", "")
    by_raw = {
        (ref[len(prefix) + 1 :] if prefix and ref.startswith(f"{prefix}-") else ref): ref for ref in refs
    }
    ref_field = "number" if any(f.name == "number" for f in model._meta.concrete_fields) else "pk"
    rows = model._default_manager.filter(**{table.link: customer.pk, f"{ref_field}__in": list(by_raw)})
    return {by_raw[str(value)]: pk for value, pk in rows.values_list(ref_field, "pk")}


def _card_section_url(table: policy.Table, customer: Customer) -> str:
    """The card's "show all" list of that kind of record, where the card has one."""
    for section in SECTIONS:
        if section.model == table.model and f"{section.link}_id" == table.link:
            return reverse_or("customers:section", "", args=[customer.number, section.key])
    return ""


def _record_url(table: policy.Table, kind: str, pk: int | None, customer: Customer, user) -> str:
    """Where the user can see the record: its own page, the back office (staff), or the card's list."""
    if pk is not None and kind in RECORD_PAGES:
        return reverse(RECORD_PAGES[kind], args=[pk])
    if pk is not None and user.is_staff:
        meta = table.model_class._meta
        try:
            return reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[pk])
        except NoReverseMatch:
            pass
    if table.model == "customers.CustomFieldValue":
        return _customer_edit_url(customer)
    return _card_section_url(table, customer) or customer_url(customer)


def _customer_edit_url(customer: Customer) -> str:
    """The customer's own free text (info, internal information, custom fields) is cleared in its form."""
    return reverse_or("customers:edit", customer_url(customer), args=[customer.number])


def _kind_label(kind: str, tables: dict[str, policy.Table]) -> str:
    if kind == "customer":
        return str(Customer._meta.verbose_name)
    table = tables.get(kind)
    return str(table.model_class._meta.verbose_name) if table else kind


def kind_label(kind: str) -> str:
    """What a plan's kind of record is called in the active language ("order", "agreement invoice")."""
    return _kind_label(kind, _tables_by_kind())


def field_label(kind: str, name: str) -> str:
    """A field of a plan's kind of record, by its label in the active language."""
    return _field_label(kind, name, _tables_by_kind())


def _field_label(kind: str, name: str, tables: dict[str, policy.Table]) -> str:
    model = Customer if kind == "customer" else tables[kind].model_class
    return str(model._meta.get_field(name).verbose_name)


def _custom_field_names(customer: Customer, refs: set[str]) -> dict[str, str]:
    """A custom-field value is named by its field ("Allergies"), not by its id."""
    ids = [int(ref) for ref in refs if ref.isdigit()]
    rows = CustomFieldValue.objects.filter(customer=customer, pk__in=ids).values_list("pk", "field__name")
    return {str(pk): name for pk, name in rows}


def record_lines(rows, *, customer: Customer, user, text_of) -> list[RecordLine]:
    """Blockers or kept free text as one line per record (its reasons or fields joined), each with a link:
    one query per kind of record, at most LIST_LIMIT rows."""
    tables = _tables_by_kind()
    rows = list(rows)[:LIST_LIMIT]
    pks: dict[tuple[str, str], int] = {}
    for kind in {r.kind for r in rows} - {"customer"}:
        if kind in tables:
            refs = {r.ref for r in rows if r.kind == kind}
            for ref, pk in _record_pks(tables[kind], customer, refs).items():
                pks[kind, ref] = pk
    field_names = _custom_field_names(customer, {r.ref for r in rows if r.kind == "customfieldvalue"})
    grouped: dict[tuple[str, str], list[str]] = {}
    for row in rows:
        grouped.setdefault((row.kind, row.ref), []).append(text_of(row, tables))
    lines = []
    for (kind, ref), texts in grouped.items():
        if kind == "customer":
            url = _customer_edit_url(customer)
        elif kind not in tables:
            url = customer_url(customer)
        else:
            url = _record_url(tables[kind], kind, pks.get((kind, ref)), customer, user)
        label = _kind_label(kind, tables)
        if kind == "customfieldvalue":
            label, ref = str(_("custom field")), field_names.get(ref, ref)
        lines.append(RecordLine(label, ref, ", ".join(dict.fromkeys(texts)), url))
    return lines


def blocker_text(row, tables) -> str:
    return reasons.blocker_label(row.kind, row.reason)


def kept_text(row, tables) -> str:
    return _field_label(row.kind, row.field, tables)


def linked_summary(plan: Plan) -> list[tuple[str, int]]:
    tables = _tables_by_kind()
    return [
        (
            str(tables[kind].label or tables[kind].model_class._meta.verbose_name_plural)
            if kind in tables
            else kind,
            n,
        )
        for kind, n in sorted(plan.linked.items())
    ]


def changes_summary(plan: Plan) -> list[tuple[str, list[tuple[str, str]]]]:
    """SPEC §4's field map in words, for the customer and the kinds of record this customer has."""
    tables = [policy.CUSTOMER]
    tables += [
        t
        for t in policy.TABLES
        if t.kind is None and (t.deleted_with_customer or t.outlives_customer) and t.rows != policy.KEEP_ROWS
    ]
    tables += [t for t in policy.TABLES if t.kind is not None and t.kind in plan.linked]
    summary = []
    for table in tables:
        meta = table.model_class._meta
        title = str(table.label or meta.verbose_name_plural)
        if table.rows == policy.DELETE_ROWS:
            summary.append(
                (
                    title,
                    [("", pgettext("what anonymization does to the rows", "deleted"))],
                )
            )
            continue
        if table.rows == policy.KEEP_ROWS:
            summary.append((title, [("", str(_("unchanged (bookkeeping law)")))]))
            continue
        by_rule: dict[str, list[str]] = {}
        for name, rule in table.assignments().items():
            by_rule.setdefault(rule.action, []).append(str(meta.get_field(name).verbose_name))
        if by_rule:
            summary.append(
                (
                    title,
                    [(", ".join(names), str(RULE_WORDS[a])) for a, names in by_rule.items()],
                )
            )
    return summary


def reverse_or(name: str, fallback: str, args=()) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


# --- B-5: the person found in kept text and documents ----------------------------------------------

FOUND_WORDS = {
    residue.NAME: gettext_lazy("name"),
    residue.EMAIL: gettext_lazy("e-mail address"),
    residue.PHONE: gettext_lazy("phone number"),
    residue.PERSONAL_NUMBER: gettext_lazy("personal identity number"),
    residue.ORGANISATION_NUMBER: gettext_lazy("organisation number"),
    residue.UNREADABLE: gettext_lazy("cannot be read: Kund cannot tell what it holds"),
}


@dataclass(frozen=True)
class ResidueFinding:
    found: str  # what it is, in words
    context: residue.Context | None  # the words around it, or None (unreadable, or changed since)


@dataclass
class ResidueLine:
    """One record's field (or one document) where the person was found, with each finding in context."""

    kind: str
    ref: str
    field_name: str  # the field, in words ("" for a document: its title and its text)
    url: str
    findings: list[ResidueFinding] = field(default_factory=list)
    document_id: int | None = None  # a document: deleted unless the user keeps it
    title: str = ""  # a document's title


def residue_lines(findings, *, customer: Customer, user) -> list[ResidueLine]:
    """The plan's residue for the one page that shows it (B-5): each finding with the text around it,
    grouped by record and field, at most LIST_LIMIT findings. The text is read again here, and only for
    a user who may see the customer; plans and logs never hold it."""
    from kund.documents.models import Document

    if not rules.may_view(user, customer):
        return []
    findings = list(findings)[:LIST_LIMIT]
    contexts = residue.contexts_of(findings)
    tables = _tables_by_kind()
    document_label = Document._meta.label
    titles = dict(
        Document.objects.filter(
            customer=customer, pk__in={f.row_id for f in findings if f.model == document_label}
        ).values_list("pk", "title")
    )
    field_names = _custom_field_names(customer, {f.ref for f in findings if f.kind == "customfieldvalue"})
    lines: dict[tuple, ResidueLine] = {}
    for finding in findings:
        document = finding.model == document_label
        key = (finding.model, finding.row_id) if document else (finding.model, finding.row_id, finding.field)
        line = lines.get(key)
        if line is None:
            line = lines[key] = _residue_line(finding, document, customer, tables, titles, field_names)
        found = FOUND_WORDS.get(finding.found, finding.found)
        line.findings.append(ResidueFinding(str(found), contexts.get(finding)))
    return list(lines.values())


def _residue_line(finding, document: bool, customer, tables, titles, field_names) -> ResidueLine:
    label, ref = _kind_label(finding.kind, tables), finding.ref
    if finding.kind == "customfieldvalue":
        label, ref = str(_("custom field")), field_names.get(ref, ref)
    field_label = (
        _field_label(finding.kind, finding.field, tables)
        if finding.kind in tables or finding.kind == "customer"
        else finding.field
    )
    if document:
        url = reverse_or("customers:document_download", "", args=[customer.pk, finding.row_id])
        return ResidueLine(
            label, ref, "", url, document_id=finding.row_id, title=titles.get(finding.row_id, "")
        )
    url = reverse(RECORD_PAGES[finding.kind], args=[finding.row_id]) if finding.kind in RECORD_PAGES else ""
    return ResidueLine(label, ref, field_label, url)


def residue_documents(findings) -> list[int]:
    """The ids of the documents holding the person: deleted with the anonymization unless kept."""
    from kund.documents.models import Document

    label = Document._meta.label
    return sorted({f.row_id for f in findings if f.model == label})


# --- what stays by law (A-3) -------------------------------------------------------------------------


@dataclass(frozen=True)
class LegalCopy:
    label: str  # "invoices"
    count: int  # how many the customer has
    fields: str  # the customer's details each keeps, in words


def legal_copies(plan: Plan) -> list[LegalCopy]:
    """The vouchers of the customer whose copy of its details stays unchanged (A-3): per kind the customer
    has, how many, and which details — the fields the policy keeps by bookkeeping law."""
    copies = []
    for table in policy.TABLES:
        kept = [name for name, rule in table.fields.items() if rule is policy.KEEP_LAW]
        if not kept or table.kind not in plan.linked:
            continue
        meta = table.model_class._meta
        names = [str(meta.get_field(name).verbose_name) for name in kept]
        copies.append(LegalCopy(str(meta.verbose_name_plural), plan.linked[table.kind], ", ".join(names)))
    return copies


def legal_copy_terms() -> dict:
    """The law that keeps the legal copies and how long, as the policy states it, for the pages."""
    return {"law": str(policy.LEGAL_COPY_LAW), "years": settings.KUND_BOOKKEEPING_YEARS}
