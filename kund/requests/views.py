"""The request register's pages (SPEC B-7): the list (open, overdue, due within 7 days, closed), a new
request, and one request's page with its steps — check the identity, extend, answer by an erasure or an
access export, refuse. Every page asks kund.core.rules.may_handle_requests; every step goes through
kund.requests.services."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from kund.core import rules
from kund.core.paging import window_page
from kund.requests import selectors, services
from kund.requests.forms import (
    ExportForm,
    ExtendForm,
    IdentityForm,
    ReceiptForm,
    RefuseForm,
    RequestFilterForm,
    RequestForm,
)
from kund.requests.models import DataRequest

PER_PAGE = 50


class RequestsView(LoginRequiredMixin, View):
    """Signed in, and allowed to handle data-subject requests."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not rules.may_handle_requests(request.user):
            raise PermissionDenied(_("You do not have the right to handle data-subject requests."))
        return super().dispatch(request, *args, **kwargs)


class RequestListView(RequestsView):
    def get(self, request):
        form = RequestFilterForm(request.GET or None)
        show, kind = form.selection()
        on = selectors.today()
        rows = selectors.filtered(
            selectors.requests_for(request.user).select_related("responsible"), show=show, kind=kind, on=on
        )
        page = window_page(rows, request.GET.get("page"), per_page=PER_PAGE)
        for row in page.object_list:
            row.overdue, row.due_soon = selectors.overdue_flags(row, on=on)
        return render(
            request,
            "requests/request_list.html",
            {
                "form": form,
                "page": page,
                "show": show,
                "kind": kind,
                "counts": selectors.due_counts(selectors.requests_for(request.user), on=on),
            },
        )


class RequestCreateView(RequestsView):
    def get(self, request):
        initial = {"customer_number": request.GET.get("customer", "")[:20]}
        return self._render(request, RequestForm(actor=request.user, initial=initial))

    def post(self, request):
        form = RequestForm(request.POST, actor=request.user)
        if not form.is_valid():
            return self._render(request, form)
        try:
            created = form.register()
        except services.RequestRefused as refused:
            form.add_error(None, str(refused))
            return self._render(request, form)
        messages.success(
            request,
            _("Request %(ref)s registered; its deadline is %(deadline)s.")
            % {"ref": created.ref, "deadline": created.deadline.isoformat()},
        )
        return redirect("requests:detail", created.pk)

    def _render(self, request, form):
        return render(request, "requests/request_form.html", {"form": form})


def _detail_context(request, data_request: DataRequest, **forms) -> dict:
    """The request's page: its facts, and a form for each step its state allows (bound ones carry the
    errors of a step just tried)."""
    on = selectors.today()
    data_request.overdue, data_request.due_soon = selectors.overdue_flags(data_request, on=on)
    customer = data_request.customer
    context = {
        "data_request": data_request,
        "customer_visible": customer is not None and rules.may_view(request.user, customer),
        "may_erase": customer is not None and rules.may_erase(request.user, customer),
        "may_export": customer is not None and rules.may_export(request.user, customer),
    }
    if data_request.is_closed:
        return context
    is_erasure = data_request.kind == DataRequest.Kind.ERASURE
    context.update(
        identity_form=forms.get("identity_form") or IdentityForm(),
        extend_form=forms.get("extend_form") or ExtendForm(request=data_request),
        refuse_form=forms.get("refuse_form") or RefuseForm(),
        receipt_form=(forms.get("receipt_form") or ReceiptForm(request=data_request)) if is_erasure else None,
        export_form=(forms.get("export_form") or ExportForm(request=data_request))
        if not is_erasure
        else None,
        candidates=(
            services.erasure_candidates(data_request)
            if is_erasure
            else services.export_candidates(data_request)
        ),
    )
    return context


class RequestView(RequestsView):
    """One request: the page (GET), or one step of it (POST, in a subclass)."""

    def _request(self, pk) -> DataRequest:
        return get_object_or_404(
            selectors.requests_for(self.request.user).select_related(
                "customer", "responsible", "identity_checked_by", "closed_by", "erasure", "created_by"
            ),
            pk=pk,
        )

    def _page(self, data_request: DataRequest, **forms):
        return render(
            self.request, "requests/request_detail.html", _detail_context(self.request, data_request, **forms)
        )


class RequestDetailView(RequestView):
    def get(self, request, pk):
        return self._page(self._request(pk))


class RequestStepView(RequestView):
    """A step: validate its form, hand it to the service, and come back to the request's page."""

    form_name = ""

    def form(self, data, data_request: DataRequest):
        raise NotImplementedError

    def act(self, data_request: DataRequest, form) -> str:
        """Carry the step out; return the message that says it was done."""
        raise NotImplementedError

    def post(self, request, pk):
        data_request = self._request(pk)
        if data_request.is_closed:
            messages.error(request, _("Request %(ref)s is closed.") % {"ref": data_request.ref})
            return redirect("requests:detail", data_request.pk)
        form = self.form(request.POST, data_request)
        if not form.is_valid():
            return self._page(data_request, **{self.form_name: form})
        try:
            done = self.act(data_request, form)
        except services.RequestRefused as refused:
            messages.error(request, str(refused))
        else:
            messages.success(request, done)
        return redirect("requests:detail", data_request.pk)


class IdentityView(RequestStepView):
    form_name = "identity_form"

    def form(self, data, data_request):
        return IdentityForm(data)

    def act(self, data_request, form):
        services.request_check_identity(
            request=data_request, actor=self.request.user, method=form.cleaned_data["method"]
        )
        return _("The identity is recorded as checked.")


class ExtendView(RequestStepView):
    form_name = "extend_form"

    def form(self, data, data_request):
        return ExtendForm(data, request=data_request)

    def act(self, data_request, form):
        services.request_extend(
            request=data_request,
            actor=self.request.user,
            months=form.cleaned_data["months"],
            reason=form.cleaned_data["reason"],
        )
        return _("The deadline is now %(deadline)s.") % {"deadline": data_request.deadline.isoformat()}


class CompleteView(RequestStepView):
    """Done: an erasure request by an erasure's receipt, an access request by an access export."""

    def form(self, data, data_request):
        if data_request.kind == DataRequest.Kind.ERASURE:
            self.form_name = "receipt_form"
            return ReceiptForm(data, request=data_request)
        self.form_name = "export_form"
        return ExportForm(data, request=data_request)

    def act(self, data_request, form):
        if data_request.kind == DataRequest.Kind.ERASURE:
            services.request_complete_erasure(
                request=data_request, actor=self.request.user, receipt=form.cleaned_data["receipt"]
            )
        else:
            services.request_complete_access(
                request=data_request, actor=self.request.user, export_record=form.cleaned_data["export"]
            )
        return _("Request %(ref)s is done.") % {"ref": data_request.ref}


class RefuseView(RequestStepView):
    form_name = "refuse_form"

    def form(self, data, data_request):
        return RefuseForm(data)

    def act(self, data_request, form):
        services.request_refuse(
            request=data_request, actor=self.request.user, reason=form.cleaned_data["reason"]
        )
        return _("Request %(ref)s is refused.") % {"ref": data_request.ref}
