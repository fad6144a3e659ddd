"""Pages of retention (SPEC B-6), for administrators: the rules, a rule with its runs, a run's dry-run
report with the review lists and, for a rule that erases after approval, the approve button. Thin:
kund.retention.services acts, kund.retention.selectors reads."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views import View

from kund.core import rules
from kund.privacy import mass
from kund.retention import selectors, services
from kund.retention.forms import ApproveForm, RuleForm
from kund.retention.models import RetentionRule, RetentionRun


class ManagerView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not rules.may_manage_retention(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class RuleListView(ManagerView):
    def get(self, request):
        on = timezone.localdate()
        context = {
            "rules": RetentionRule.objects.order_by("name"),
            "runs": Paginator(RetentionRun.objects.select_related("job"), 20).get_page(
                request.GET.get("page")
            ),
            "cutoff": selectors.legal_copy_cutoff(on),
            "bookkeeping_years": settings.KUND_BOOKKEEPING_YEARS,
        }
        return render(request, "retention/list.html", context)


def _save(request, form, rule=None):
    try:
        return services.rule_save(actor=request.user, data=form.cleaned_data, rule=rule)
    except ValidationError as exc:
        for name, errors in exc.message_dict.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, error)
    return None


class RuleCreateView(ManagerView):
    def get(self, request):
        return render(
            request, "retention/form.html", {"form": RuleForm(initial={"years": 3, "kind": "private"})}
        )

    def post(self, request):
        form = RuleForm(request.POST)
        if form.is_valid() and (rule := _save(request, form)) is not None:
            messages.success(request, _("The rule “%(name)s” was saved.") % {"name": rule.name})
            return redirect("retention:rule", pk=rule.pk)
        return render(request, "retention/form.html", {"form": form})


class RuleView(ManagerView):
    def dispatch(self, request, *args, pk: int, **kwargs):
        if request.user.is_authenticated and rules.may_manage_retention(request.user):
            self.rule = get_object_or_404(RetentionRule, pk=pk)
        return super().dispatch(request, *args, **kwargs)


class RuleEditView(RuleView):
    def get(self, request):
        return render(
            request, "retention/form.html", {"form": RuleForm(instance=self.rule), "rule": self.rule}
        )

    def post(self, request):
        form = RuleForm(request.POST, instance=self.rule)
        if form.is_valid() and _save(request, form, self.rule) is not None:
            messages.success(request, _("The rule “%(name)s” was saved.") % {"name": self.rule.name})
            return redirect("retention:rule", pk=self.rule.pk)
        return render(request, "retention/form.html", {"form": form, "rule": self.rule})


class RuleDetailView(RuleView):
    def get(self, request):
        runs = Paginator(self.rule.runs.select_related("job"), 20).get_page(request.GET.get("page"))
        context = {
            "rule": self.rule,
            "runs": runs,
            "through": selectors.through_for(self.rule, timezone.localdate()),
        }
        return render(request, "retention/rule.html", context)


class RuleReportView(RuleView):
    """Write the rule's dry-run report now; nothing is erased."""

    def post(self, request):
        run = services.report_now(actor=request.user, rule=self.rule)
        return redirect("retention:run", pk=run.pk)


class RunView(ManagerView):
    def dispatch(self, request, *args, pk: int, **kwargs):
        if request.user.is_authenticated and rules.may_manage_retention(request.user):
            self.run = get_object_or_404(RetentionRun.objects.select_related("rule", "job"), pk=pk)
        return super().dispatch(request, *args, **kwargs)


def _run_page(request, run, form=None, status=200):
    ignored = run.items.filter(action="ignore").order_by("pk")
    context = {
        "run": run,
        "form": form or ApproveForm(),
        "ignored_items": Paginator(ignored, 50).get_page(request.GET.get("page")),
    }
    return render(request, "retention/run.html", context, status=status)


class RunDetailView(RunView):
    def get(self, request):
        return _run_page(request, self.run)


class RunApproveView(RunView):
    def post(self, request):
        form = ApproveForm(request.POST)
        if not form.is_valid():
            return _run_page(request, self.run, form)
        try:
            job = services.approve_run(actor=request.user, run=self.run)
        except services.RetentionRefused as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("Approved: the erasure runs in the background as run #%(job)d.") % {"job": job.pk}
            )
        return redirect("retention:run", pk=self.run.pk)


class RunListView(RunView):
    """M-4's review lists of a report, as CSV: by number, and by name where the reader may view the
    customer."""

    def get(self, request, which: str):
        to_erase, ignored = mass.csv_lists(services.report_rows(self.run), reader=request.user)
        response = HttpResponse(to_erase if which == "to-erase" else ignored, content_type="text/csv")
        response["Content-Disposition"] = f'attachment; filename="retention-{self.run.pk}-{which}.csv"'
        response["Cache-Control"] = "no-store"
        return response
