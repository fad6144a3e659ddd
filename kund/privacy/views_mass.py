"""Pages of mass erasure (SPEC §5) and of saved selections (§6). Thin: the forms check input,
kund.privacy.jobs plans, starts and runs, kund.privacy.mass selects and writes the review lists."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from kund.core import rules
from kund.core.rules import is_administrator
from kund.core.spreadsheet import XLSX_CONTENT_TYPE
from kund.privacy import jobs, mass, selections
from kund.privacy.forms_mass import MassErasureForm, SaveSelectionForm, StartForm
from kund.privacy.models import ErasureJob, ErasureJobItem, SavedSelection

PAGE_SIZE = 50
Result = ErasureJobItem.Result


class MassView(LoginRequiredMixin, View):
    """M-6: the mass-erasure right, and the CRM module switched on (else a page that says so)."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not rules.may_hold_mass_right(request.user):
            raise PermissionDenied
        if not rules.crm_enabled():
            return render(request, "privacy/mass/unavailable.html", status=403)
        return super().dispatch(request, *args, **kwargs)


class MassErasureView(MassView):
    """The criteria form, and the earlier runs with who ran them and their results."""

    def get(self, request):
        return self._page(request, MassErasureForm())

    def post(self, request):
        form = MassErasureForm(request.POST)
        if form.is_valid():
            try:
                job = jobs.plan_mass_job(
                    actor=request.user,
                    criteria=form.cleaned_data["criteria"],
                    through=form.cleaned_data["through"],
                )
            except jobs.NothingSelected as exc:
                form.add_error(None, str(exc))
            else:
                if form.cleaned_data["years"] is not None:
                    messages.info(
                        request,
                        _("Older than %(years)d years: customers through %(through)s.")
                        % {"years": form.cleaned_data["years"], "through": job.through.isoformat()},
                    )
                return redirect("mass_erasure:job", pk=job.pk)
        return self._page(request, form, status=200)

    def _page(self, request, form, status=200):
        # The runs of saved selections (S-2) are erasures like these; listed to those who may see them.
        kinds = [ErasureJob.Kind.MASS]
        if rules.may_erase_selection(request.user):
            kinds.append(ErasureJob.Kind.SELECTION)
        runs = Paginator(
            ErasureJob.objects.filter(kind__in=kinds)
            .exclude(state=ErasureJob.State.PLANNED)
            .select_related("selection"),
            20,
        ).get_page(request.GET.get("page"))
        context = {"form": form, "runs": runs, "limit": mass.default_limit()}
        return render(request, "privacy/mass/index.html", context, status=status)


class JobView(LoginRequiredMixin, View):
    """One job: its verification before it starts, its progress while it runs, its result after."""

    def dispatch(self, request, *args, pk: int, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.job = get_object_or_404(ErasureJob, pk=pk)
        if not jobs.may_see_job(request.user, self.job):
            if self.job.kind == ErasureJob.Kind.MASS and rules.may_hold_mass_right(request.user):
                return render(request, "privacy/mass/unavailable.html", status=403)
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _items_page(request, job: ErasureJob, results):
    """A page of the job's customers with these results; each with its `customer` where the user may view
    it (R-9: name and link), None otherwise (the number only)."""
    items = job.items.filter(result__in=results).order_by("pk")
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    visible = mass.visible_customers([item.customer_id for item in page], request.user)
    for item in page:
        item.customer = visible.get(item.customer_id)
    return page


def _residue(request, job: ErasureJob) -> dict:
    """B-5 in the verification: the customers to anonymize whose kept text holds the person, each with
    how many findings will be redacted (a page of them), and the totals."""
    items = job.items.filter(planned=ErasureJobItem.Planned.ANONYMIZE, residue__gt=0).order_by("pk")
    totals = items.aggregate(customers=Count("pk"), findings=Sum("residue"))
    return {
        "residue_items": Paginator(items, PAGE_SIZE).get_page(request.GET.get("residue_page")),
        "residue_customers": totals["customers"],
        "residue_findings": totals["findings"],
        "residue_csv_url": reverse("mass_erasure:list", args=[job.pk, "residue"]),
        "residue_xlsx_url": reverse("mass_erasure:list_xlsx", args=[job.pk, "residue"]),
    }


class JobDetailView(JobView):
    def get(self, request):
        job = self.job
        context = {"job": job, "stale": job.is_stale()}
        if job.state == ErasureJob.State.PLANNED:
            context["form"] = StartForm()
            context["recent"] = job.through is not None and mass.is_recent(job.through)
            context["ignored_items"] = _items_page(request, job, [Result.IGNORED])
            context.update(_residue(request, job))
        elif job.is_finished:
            context["problem_items"] = _items_page(request, job, [Result.IGNORED, Result.FAILED])
        return render(request, "privacy/mass/job.html", context)


class JobStartView(JobView):
    """M-5: the box on the verification page is the first confirmation, the confirmation page's button the
    second; only both together start the run."""

    def post(self, request):
        job = self.job
        form = StartForm(request.POST)
        if job.state != ErasureJob.State.PLANNED:
            return redirect("mass_erasure:job", pk=job.pk)
        if not form.is_valid():
            context = {
                "job": job,
                "form": form,
                "recent": job.through is not None and mass.is_recent(job.through),
                "ignored_items": _items_page(request, job, [Result.IGNORED]),
                **_residue(request, job),
            }
            return render(request, "privacy/mass/job.html", context, status=200)
        if request.POST.get("confirmed") != "yes":
            return render(request, "privacy/mass/confirm.html", {"job": job})
        try:
            jobs.start_job(actor=request.user, job=job)
        except jobs.JobRefused as exc:
            messages.error(request, str(exc))
            if not ErasureJob.objects.filter(pk=job.pk).exists():  # discarded meanwhile
                return _where_it_was_checked(job)
        return redirect("mass_erasure:job", pk=job.pk)


class JobDiscardView(JobView):
    """Throw away a verification that was never started; back to where it was checked from."""

    def post(self, request):
        job = self.job
        try:
            jobs.discard_job(actor=request.user, job=job)
        except jobs.JobRefused as exc:
            messages.error(request, str(exc))
            return redirect("mass_erasure:job", pk=job.pk)
        messages.success(request, _("Verification #%(run)d discarded: nothing was erased.") % {"run": job.pk})
        return _where_it_was_checked(job)


def _where_it_was_checked(job: ErasureJob):
    """Back to the page a run was planned from: its selection's, or the mass erasure's."""
    if job.selection_id is not None:
        return redirect("mass_erasure:selection", pk=job.selection_id)
    return redirect("mass_erasure:index")


class JobProgressView(JobView):
    """The progress bar, polled by htmx; once the job is over, htmx is sent to the result page."""

    def get(self, request):
        if self.job.is_finished and request.htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = reverse("mass_erasure:job", args=[self.job.pk])
            return response
        return render(request, "privacy/mass/_progress.html", {"job": self.job, "stale": self.job.is_stale()})


class JobResumeView(JobView):
    def post(self, request):
        if jobs.resume_job(actor=request.user, job=self.job):
            messages.info(request, _("The run continues with the customers not yet processed."))
        return redirect("mass_erasure:job", pk=self.job.pk)


class JobListView(JobView):
    """M-4: the review lists, to erase or ignored, by customer number, and by name where the user may view
    the customer; as CSV the way the customer list's export writes it, or as XLSX; and B-5's, where the
    person is in the kept text of those to anonymize."""

    def get(self, request, which: str, fmt: str = "csv"):
        items = self.job.items.order_by("pk").values_list(
            "customer_id", "customer_number", "planned", "reason", "residue"
        )
        rows = [mass.Row(*item) for item in items]
        if which == "residue":
            sheet = mass.residue_sheet([row for row in rows if row.residue])
        else:
            to_erase, ignored = mass.review_sheets(rows, reader=request.user)
            sheet = to_erase if which == "to-erase" else ignored
        if fmt == "xlsx":
            response = HttpResponse(sheet.xlsx(), content_type=XLSX_CONTENT_TYPE)
        else:
            response = HttpResponse(sheet.csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="erasure-{self.job.pk}-{which}.{fmt}"'
        response["Cache-Control"] = "no-store"
        return response


# --- saved selections (§6) --------------------------------------------------------------------------


class SelectionsView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not rules.may_see_selections(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class SelectionListView(SelectionsView):
    def get(self, request):
        page = Paginator(SavedSelection.objects.select_related("created_by"), 25).get_page(
            request.GET.get("page")
        )
        return render(
            request,
            "privacy/mass/selections.html",
            {"selections": page, "is_administrator": is_administrator(request.user)},
        )


class SelectionSaveView(SelectionsView):
    """S-1: save the customer list's current search (its query string) as a named selection."""

    def post(self, request):
        form = SaveSelectionForm(request.POST)
        if form.is_valid():
            try:
                selection = selections.selection_save(
                    actor=request.user, name=form.cleaned_data["name"], query=form.cleaned_data["query"]
                )
            except ValidationError as exc:
                for message in exc.messages:
                    messages.error(request, message)
            else:
                messages.success(
                    request,
                    _("Saved the selection “%(name)s” with %(count)d customers.")
                    % {"name": selection.name, "count": selection.size},
                )
                return redirect("mass_erasure:selection", pk=selection.pk)
        else:
            messages.error(request, _("Give the selection a name."))
        query = request.POST.get("query", "")
        return redirect(reverse("customers:list") + (f"?{query}" if query else ""))


class SelectionDetailView(SelectionsView):
    """S-1..S-3: a selection, its customers (a page of them: numbers, and names where the user may view
    them), and where its erasure stands. An administrator may have the erasure of the whole selection
    checked (SelectionCheckView) while no run of it is open and customers of it remain."""

    def get(self, request, pk: int):
        selection = get_object_or_404(SavedSelection, pk=pk)
        ids = selection.members.order_by("pk").values_list("customer_id", flat=True)
        page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
        context = {
            "selection": selection,
            "members": page,
            "member_rows": selections.members(selection, list(page), reader=request.user),
            "state": selections.selection_state(selection),
            "may_erase": rules.may_erase_selection(request.user),
        }
        return render(request, "privacy/mass/selection.html", context)


class SelectionCheckView(SelectionsView):
    """S-2 with M-4: plan the erasure of the whole selection and show its verification, where it is
    started only after the two confirmations of a mass run (JobStartView). Nothing is erased here."""

    def post(self, request, pk: int):
        selection = get_object_or_404(SavedSelection, pk=pk)
        if not rules.may_erase_selection(request.user):
            raise PermissionDenied
        try:
            job = jobs.plan_selection_job(actor=request.user, selection=selection)
        except jobs.JobRefused as exc:
            messages.error(request, str(exc))
            return redirect("mass_erasure:selection", pk=selection.pk)
        return redirect("mass_erasure:job", pk=job.pk)
