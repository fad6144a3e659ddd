"""The erasure of one customer in the browser (SPEC E-1..E-5, D-1, A-2).

The page shows the planner's decision and only the action that applies; the POST calls the service, which
checks the right and decides again inside its transaction. The helpers below only arrange the plan for
reading: labels, links to the records named, and the field map in words.
"""

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views import View

from kund.core.templatetags.kund import customer_url
from kund.customers.models import Customer
from kund.documents.models import Document
from kund.privacy import policy
from kund.privacy.forms import ErasureConfirmForm
from kund.privacy.planner import Action, Plan, plan_customer
from kund.privacy.services import ERASE_RIGHT, ErasureRefused, customer_anonymize, customer_delete

# A customer's own records are few, but the page never renders an unbounded list.
LIST_LIMIT = 200

# Records with a page of their own in Kund; the others are shown in the back office (staff) or on the card.
RECORD_PAGES = {"invoice": "billing:invoice_detail", "order": "sales:order_detail"}

RULE_WORDS = {
    "xxxx": policy.ANONYMIZED_NAME,
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
    from kund.customers.selectors import SECTIONS

    for section in SECTIONS:
        if section.model == table.model:
            return _reverse_or("customers:section", "", args=[customer.pk, section.key])
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
    return _card_section_url(table, customer) or customer_url(customer.pk)


def _customer_edit_url(customer: Customer) -> str:
    """The customer's own free text (info, internal information, custom fields) is cleared in its form."""
    return _reverse_or("customers:edit", customer_url(customer.pk), args=[customer.pk])


def _kind_label(kind: str, tables: dict[str, policy.Table]) -> str:
    if kind == "customer":
        return str(Customer._meta.verbose_name)
    table = tables.get(kind)
    return str(table.model_class._meta.verbose_name) if table else kind


def _field_label(kind: str, name: str, tables: dict[str, policy.Table]) -> str:
    model = Customer if kind == "customer" else tables[kind].model_class
    return str(model._meta.get_field(name).verbose_name)


def _custom_field_names(customer: Customer, refs: set[str]) -> dict[str, str]:
    """A custom-field value is named by its field ("Allergies"), not by its id."""
    from kund.customers.models import CustomFieldValue

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
        else:
            url = _record_url(tables.get(kind), kind, pks.get((kind, ref)), customer, user)
        label = _kind_label(kind, tables)
        if kind == "customfieldvalue":
            label, ref = str(_("custom field")), field_names.get(ref, ref)
        lines.append(RecordLine(label, ref, ", ".join(dict.fromkeys(texts)), url))
    return lines


# The planner's reasons (kund/privacy/policy.py), for translation.
BLOCKER_REASONS = {
    "not delivered": gettext_lazy("not delivered"),
    "not invoiced": gettext_lazy("not invoiced"),
    "not paid": gettext_lazy("not paid"),
    "ongoing agreement": gettext_lazy("ongoing agreement"),
}


def _blocker_text(row, tables) -> str:
    return str(BLOCKER_REASONS.get(row.reason, row.reason))


def _kept_text(row, tables) -> str:
    return _field_label(row.kind, row.field, tables)


def linked_summary(plan: Plan) -> list[tuple[str, int]]:
    tables = _tables_by_kind()
    return [
        (str(tables[kind].model_class._meta.verbose_name_plural) if kind in tables else kind, n)
        for kind, n in sorted(plan.linked.items())
    ]


def changes_summary(plan: Plan) -> list[tuple[str, list[tuple[str, str]]]]:
    """SPEC §4's field map in words, for the customer and the kinds of record this customer has."""
    tables = [policy.CUSTOMER]
    tables += [
        t for t in policy.TABLES if t.kind is None and t.deleted_with_customer and t.rows != policy.KEEP_ROWS
    ]
    tables += [t for t in policy.TABLES if t.kind is not None and t.kind in plan.linked]
    summary = []
    for table in tables:
        meta = table.model_class._meta
        if table.rows == policy.DELETE_ROWS:
            summary.append(
                (
                    str(meta.verbose_name_plural),
                    [("", pgettext("what anonymization does to the rows", "deleted"))],
                )
            )
            continue
        if table.rows == policy.KEEP_ROWS:
            summary.append((str(meta.verbose_name_plural), [("", str(_("unchanged (bookkeeping law)")))]))
            continue
        by_rule: dict[str, list[str]] = {}
        for name, rule in table.assignments().items():
            by_rule.setdefault(rule.action, []).append(str(meta.get_field(name).verbose_name))
        if by_rule:
            summary.append(
                (
                    str(meta.verbose_name_plural),
                    [(", ".join(names), str(RULE_WORDS[a])) for a, names in by_rule.items()],
                )
            )
    return summary


def _reverse_or(name: str, fallback: str, args=()) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return fallback


class CustomerErasureView(LoginRequiredMixin, View):
    """GET shows the plan and the confirmation; POST carries out the action the page offered."""

    template_name = "privacy/customer_erasure.html"
    services = {Action.DELETE.value: customer_delete, Action.ANONYMIZE.value: customer_anonymize}

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # E-4: without the right the page does not exist for the user, whatever the method.
        if request.user.is_authenticated and not request.user.has_perm(ERASE_RIGHT):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = get_object_or_404(Customer, pk=pk)
        return self.page(customer, ErasureConfirmForm())

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        customer = get_object_or_404(Customer, pk=pk)
        form = ErasureConfirmForm(request.POST)
        if not form.is_valid():
            return self.page(customer, form)
        try:
            outcome = self.services[form.cleaned_data["action"]](customer=customer, actor=request.user)
        except ErasureRefused as refused:
            return self.page(customer, ErasureConfirmForm(), refused=str(refused))
        if outcome.result == "deleted":
            messages.success(
                request,
                _("Customer %(number)s has been deleted. Erasure log receipt: %(receipt)s")
                % {"number": outcome.number, "receipt": outcome.receipt},
            )
            return redirect(_reverse_or("customers:list", "/customers/"))
        messages.success(
            request,
            _("Customer %(number)s has been anonymized. Erasure log receipt: %(receipt)s")
            % {"number": outcome.number, "receipt": outcome.receipt},
        )
        return redirect(customer_url(customer.pk))

    def page(self, customer: Customer, form: ErasureConfirmForm, *, refused: str = "") -> HttpResponse:
        plan = plan_customer(customer)
        user = self.request.user
        context = {
            "customer": customer,
            "plan": plan,
            "action": plan.action.value,
            "form": form,
            "refused": refused,
            "card_url": customer_url(customer.pk),
            "linked": linked_summary(plan),
        }
        if plan.action == Action.DELETE:
            titles = (
                Document.objects.filter(customer=customer).order_by("title").values_list("title", flat=True)
            )
            context["documents"] = list(titles[:LIST_LIMIT])
            context["documents_more"] = max(0, plan.documents_to_delete - LIST_LIMIT)
        if plan.action == Action.ANONYMIZE:
            context["kept"] = record_lines(
                plan.kept_free_text, customer=customer, user=user, text_of=_kept_text
            )
            context["kept_more"] = max(0, len(plan.kept_free_text) - LIST_LIMIT)
            context["changes"] = changes_summary(plan)
        if plan.action == Action.BLOCKED:
            context["blockers"] = record_lines(
                plan.blockers, customer=customer, user=user, text_of=_blocker_text
            )
            context["blockers_more"] = max(0, len(plan.blockers) - LIST_LIMIT)
        if plan.action in (Action.DELETE, Action.ANONYMIZE) and not form.is_bound:
            form = ErasureConfirmForm(initial={"action": plan.action.value})
            context["form"] = form
        return render(self.request, self.template_name, context)
