"""The erasure log's pages (SPEC B-2), for whoever may read it (rules.may_view_erasure_log): the log,
newest first, filtered by action and period; a receipt or customer number looked up and each row found
verified; and "check the chain", the verification of `kund verify_erasure_log`, with its progress."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views import View

from kund.audit import erasure_log, log_checks
from kund.audit.forms import LogFilterForm, ReceiptLookupForm
from kund.audit.models import ErasureLogCheck
from kund.audit.selectors import counts_of, erasure_log_entries, erasure_log_page, find_entries
from kund.core import rules
from kund.core.htmx import wants_partial

PER_PAGE = 50
# What is wrong, in the reader's language, by erasure_log's codes.
PROBLEMS = {
    erasure_log.MISSING: _("a row is missing"),
    erasure_log.UNLINKED: _("a row does not follow the row before it"),
    erasure_log.CHANGED: _("a row was changed after it was written"),
    erasure_log.TRUNCATED: _("rows at the end of the log were removed"),
    erasure_log.FORGED: _("a row was added after the end of the log"),
}


class LogView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not rules.may_view_erasure_log(request.user):
            raise PermissionDenied(_("You do not have the right to read the erasure log."))
        return super().dispatch(request, *args, **kwargs)


def _rows(entries) -> list[dict]:
    rows = []
    for entry in entries:
        counts = counts_of(entry)
        rows.append({"entry": entry, "counts": counts, "total": sum(number for _table, number in counts)})
    return rows


def _check_context(check: ErasureLogCheck | None) -> dict:
    return {
        "check": check,
        "stalled": check is not None and log_checks.is_stalled(check),
        "problem": PROBLEMS.get(check.code, "") if check is not None else "",
    }


class ErasureLogView(LogView):
    def get(self, request):
        form = LogFilterForm(request.GET or None)
        if form.is_bound and not form.is_valid():
            rows, page = [], None
        else:
            since, until = form.period() if form.is_bound else (None, None)
            action = form.cleaned_data.get("action", "") if form.is_bound else ""
            entries = erasure_log_entries(action=action, since=since, until=until)
            page = erasure_log_page(
                entries, before=request.GET.get("before"), after=request.GET.get("after"), per_page=PER_PAGE
            )
            rows = _rows(page.object_list)
        context = {
            "form": form,
            "page": page,
            "rows": rows,
            "lookup": ReceiptLookupForm(),
            "filtered": form.is_bound and any(request.GET.get(name) for name in ("action", "since", "until")),
            **_check_context(log_checks.latest_check()),
        }
        return render(request, "audit/erasure_log.html", context)


class ReceiptLookupView(LogView):
    """A receipt, or a customer number, and the rows it names, each verified in its place in the chain."""

    def get(self, request):
        form = ReceiptLookupForm(request.GET or None)
        kind, results = "", []
        if form.is_valid():
            kind, entries = find_entries(form.cleaned_data["q"])
            for row in _rows(entries):
                verdict = erasure_log.verify_entry(row["entry"])
                results.append({**row, "verdict": verdict, "problem": PROBLEMS.get(verdict.code, "")})
        context = {"lookup": form, "kind": kind, "results": results, "searched": form.is_valid()}
        return render(request, "audit/receipt.html", context)


class ChainCheckStartView(LogView):
    def get(self, request):
        return redirect("erasure_log:list")

    def post(self, request):
        check = log_checks.check_start(actor=request.user)
        return redirect("erasure_log:check", pk=check.pk)


class ChainCheckView(LogView):
    """One check: its progress while it runs (polled by htmx, which stops once it is over), then the
    result."""

    def get(self, request, pk: int):
        check = get_object_or_404(ErasureLogCheck.objects.select_related("requested_by"), pk=pk)
        context = _check_context(check)
        if wants_partial(request):
            return render(request, "audit/_check.html", context)
        return render(request, "audit/check.html", context)
