"""The register's pages (SPEC §3). Views check the right (R-9), read through selectors, write through
services, and render; a customer the user may not see is a 404, a page the user has no right to is a 403."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from kund.core import rules
from kund.core.htmx import render_page_or_partial
from kund.core.paging import window_page
from kund.core.rules import is_administrator
from kund.customers import duplicates, export, mailing, search, selectors
from kund.customers.custom_fields import custom_field_delete, custom_field_save, custom_values_set
from kund.customers.filtersets import DEFAULT_SORT, SORTS, CustomerFilterSet, filter_customers, sort_of
from kund.customers.forms import (
    AssignForm,
    BulkAssignForm,
    ConvertForm,
    CustomerForm,
    CustomFieldForm,
    DeceasedForm,
    DocumentForm,
)
from kund.customers.models import Customer, CustomField, CustomFieldValue, Notification
from kund.customers.services import (
    customer_assign,
    customer_convert_prospect,
    customer_create,
    customer_set_status,
    customer_update,
)
from kund.customers.tables import LIST_FIELDS, columns_for, table_rows

PER_PAGE = 25
SECTION_PER_PAGE = 50


def _deny() -> PermissionDenied:
    return PermissionDenied(_("You do not have the right to do this."))


def _signed_in(user) -> bool:
    return True


class RegisterView(LoginRequiredMixin, View):
    """Signed in, and allowed by `rule` (a predicate of kund.core.rules about the user)."""

    rule = staticmethod(_signed_in)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not self.rule(request.user):
            raise _deny()
        self.prepare(request, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def prepare(self, request, **kwargs) -> None:
        """Load what every method of the view needs, after the rights are checked."""


class CustomerView(RegisterView):
    """A page about one customer: the customer must be visible to the user, or it does not exist."""

    rule = staticmethod(rules.may_view_register)

    def prepare(self, request, **kwargs) -> None:
        self.customer = get_object_or_404(
            Customer.objects.select_related("group", "responsible"), number=kwargs["number"]
        )
        if not rules.may_view(request.user, self.customer):
            raise Http404


class CustomerByIdView(RegisterView):
    """A customer's card by its internal id, for links made before cards were found by customer number:
    a redirect to the card, for whoever may see it (to anyone else it does not exist)."""

    rule = staticmethod(rules.may_view_register)

    def get(self, request, pk: int):
        customer = get_object_or_404(Customer.objects.only("pk", "number", "responsible"), pk=pk)
        if not rules.may_view(request.user, customer):
            raise Http404
        return redirect("customers:detail", customer.number)


# --- the list (R-2) ------------------------------------------------------------------------------------


def _filtered(request, *, with_base: bool = False, wide_search: bool = False):
    """The filterset and the customers it selects (none when a filter is malformed: the page says why);
    with_base also gives the visible customers before filtering, the very same object when no filter
    narrows them. `wide_search`: a search the trigram index finds often is checked row by row, for the
    list to walk its order (selectors.customer_page)."""
    found = filter_customers(request.GET, request.user, search_rows=wide_search)
    if with_base:
        return found.filterset, found.base, found.customers
    return found.filterset, found.customers


def _search_of(request) -> str:
    """The list's search text as the filterset reads it; "" when it is too long to be valid."""
    query = (request.GET.get("q") or "").strip()
    return query if len(query) <= CustomerFilterSet.base_filters["q"].extra["max_length"] else ""


def _search_kind(query: str) -> str:
    """What the list searched, for the page to say: "number", "prefix" (one or two letters) or "text"."""
    if search.is_number_query(query):
        return "number"
    if all(len(word) < search.MIN_WORD for word in search.words_of(query)):
        return "prefix"
    return "text"


class CustomerListView(RegisterView):
    rule = staticmethod(rules.may_view_register)

    def get(self, request):
        sort = sort_of(request.GET.get("sort"))
        query = _search_of(request)
        # A search the trigram index finds more often than the probe reads is walked along the order.
        wide = bool(query) and selectors.search_is_wide(query, selectors.SEARCH_PROBE)
        filterset, base, customers = _filtered(request, with_base=True, wide_search=wide)
        detailed = request.GET.get("view") == "detailed"
        narrowed = customers is not base
        base = base.select_related("group", "responsible").only(*LIST_FIELDS[1:])
        customers = (
            customers.select_related("group", "responsible").only(*LIST_FIELDS[1:]) if narrowed else base
        )
        notice = ""
        searching = filterset.is_bound and filterset.is_valid() and bool(filterset.form.cleaned_data.get("q"))
        wide = wide and searching and narrowed

        def probe_for(sort: str) -> int:
            return selectors.probe_size(sort, searching=searching)

        def page_in(sort: str):
            return selectors.customer_page(
                base, customers, SORTS[sort], request.GET.get("page"), PER_PAGE, probe_for(sort), wide=wide
            )

        try:
            page = page_in(sort)
        except selectors.TooWideToSort:
            notice = _(
                "Too many customers match to sort them by name; they are shown by number. Narrow the search."
            )
            sort = DEFAULT_SORT
            page = page_in(sort)
        if wide:
            counted = selectors.count_search_matches(
                customers,
                query,
                selectors.SEARCH_PROBE,
                whole_register=not filterset.active_filters() and not rules.sees_only_assigned(request.user),
            )
            page.matches, page.more = min(counted, selectors.SEARCH_PROBE), counted > selectors.SEARCH_PROBE
        query_string = request.GET.copy()
        for name in ("page", "sort"):
            query_string.pop(name, None)
        columns = columns_for(detailed)
        context = {
            "filterset": filterset,
            "page": page,
            "rows": _with_row_actions(table_rows(page.object_list, columns), request.user),
            "notice": notice,
            "sort": sort,
            "columns": columns,
            "detailed": detailed,
            "query": query_string.urlencode(),
            "searched": query if searching else "",
            "search_kind": _search_kind(query) if searching else "",
            "active_filters": filterset.active_filters(),
            "advanced": any(
                request.GET.get(name) for name in filterset.form.fields if name not in {"q", "kind", "status"}
            ),
            "can_add": rules.may_create(request.user),
            "can_upload": rules.may_upload(request.user),
            "is_admin": is_administrator(request.user),
            # The list as a place to act (seeds 000, 004): row actions, ticking rows to assign them.
            "can_assign_any": rules.may_assign_any(request.user),
            "can_erase_any": rules.may_erase_any(request.user),
            "assign_form": BulkAssignForm() if rules.may_assign_any(request.user) else None,
            "mailing_channels": mailing.Channel.choices,
        }
        return render_page_or_partial(
            request, "customers/customer_list.html", "customers/_customer_table.html", context
        )


# --- the list as a place to act (seeds 000, 004) ---------------------------------------------------------


def _erasure_url(customer: Customer) -> str:
    return reverse("privacy:customer_erasure", args=[customer.pk])


def _with_row_actions(rows: list[dict], user) -> list[dict]:
    """Each row's actions: the trash can that opens the erasure page (seed 000: "klicka på soptunnan i
    listningen"), for a customer the user may erase (E-4), and whether the row can be ticked to assign."""
    for row in rows:
        customer = row["customer"]
        row["erase_url"] = _erasure_url(customer) if rules.may_erase(user, customer) else ""
        row["assignable"] = rules.may_assign(user, customer)
    return rows


def _back_to_list(request) -> str:
    """The list as the user left it (its search and page), if the form said so and it is ours."""
    back = request.POST.get("next", "")
    list_url = reverse("customers:list")
    if back.startswith(list_url) and url_has_allowed_host_and_scheme(
        back, allowed_hosts={request.get_host()}
    ):
        return back
    return list_url


class CustomerBulkAssignView(RegisterView):
    """Assign one responsible user to the customers ticked in the list (seed 004: "välja Tilldela i
    listan"), one customer at a time through customer_assign, so each gets its history row and its
    notifications (R-6). All or nothing: one customer the user may not assign and none is assigned."""

    rule = staticmethod(rules.may_assign_any)
    http_method_names = ["post"]

    def post(self, request):
        form = BulkAssignForm(request.POST)
        back = _back_to_list(request)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
            return redirect(back)
        ids = form.cleaned_data["customers"]
        customers = list(Customer.objects.filter(pk__in=ids).order_by("number"))
        if len(customers) != len(ids) or not all(rules.may_assign(request.user, c) for c in customers):
            messages.error(
                request,
                _("Nothing was assigned: you may not assign some of the customers you ticked."),
            )
            return redirect(back)
        responsible = form.cleaned_data["responsible"]
        with transaction.atomic():
            for customer in customers:
                customer_assign(customer=customer, actor=request.user, responsible=responsible)
        if responsible is None:
            messages.success(
                request,
                _("%(count)d customers have no responsible user now.") % {"count": len(customers)},
            )
        else:
            messages.success(
                request,
                _("%(user)s is now responsible for %(count)d customers.")
                % {"user": responsible.get_username(), "count": len(customers)},
            )
        return redirect(back)


class MailingExportView(RegisterView):
    """The mailing selection of the list as it is filtered (seed 003's "Serienbrief", SPEC A-5): only
    the customers the user may view (R-9), and of those only who consented to the channel and may get
    mail (kund.customers.mailing). Each one's card records the export."""

    rule = staticmethod(rules.may_view_register)

    def get(self, request, fmt: str):
        if fmt not in {"csv", "xlsx"}:
            raise Http404
        channel = request.GET.get("channel", "")
        if channel not in mailing.Channel.values:
            return HttpResponseBadRequest(
                _("No mailing: choose the channel, post or e-mail."), content_type="text/plain; charset=utf-8"
            )
        filterset, customers = _filtered(request)
        if filterset.is_bound and not filterset.is_valid():
            lines = [_("No mailing: a filter is not valid."), *filterset.error_lines()]
            return HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")
        chosen = mailing.mailing_customers(customers, channel)
        if fmt == "xlsx" and chosen.count() > export.XLSX_MAX_ROWS:
            messages.error(
                request,
                _("The mailing has more than %(max)s customers: narrow the search or export as CSV.")
                % {"max": f"{export.XLSX_MAX_ROWS:,}"},
            )
            return redirect(f"{reverse('customers:list')}?{request.GET.urlencode()}")
        mailing.mailing_record(customers=chosen, actor=request.user, channel=channel)
        if fmt == "csv":
            return mailing.csv_response(chosen, channel)
        return mailing.xlsx_response(chosen, channel)


class CustomerExportView(RegisterView):
    rule = staticmethod(rules.may_view_register)

    def get(self, request, fmt: str):
        if fmt not in {"csv", "xlsx"}:
            raise Http404
        filterset, customers = _filtered(request)
        if filterset.is_bound and not filterset.is_valid():
            # Not an empty file: that would look like a list with nobody in it.
            lines = [_("No export: a filter is not valid."), *filterset.error_lines()]
            return HttpResponseBadRequest("\n".join(lines), content_type="text/plain; charset=utf-8")
        customers = customers.order_by(*SORTS[sort_of(request.GET.get("sort"))])
        if fmt == "csv":
            return export.csv_response(customers)
        if customers.count() > export.XLSX_MAX_ROWS:
            messages.error(
                request,
                _("The list has more than %(max)s customers: narrow the search or export as CSV.")
                % {"max": f"{export.XLSX_MAX_ROWS:,}"},
            )
            return redirect(f"{reverse('customers:list')}?{request.GET.urlencode()}")
        return export.xlsx_response(customers)


# --- the card (R-3, R-4, A-4) -----------------------------------------------------------------------


def _custom_values(customer: Customer) -> dict[int, str]:
    return dict(CustomFieldValue.objects.filter(customer=customer).values_list("field_id", "value"))


class CustomerDetailView(CustomerView):
    def get(self, request, number: str):
        customer, user = self.customer, request.user
        anonymized = customer.is_anonymized
        fields = list(CustomField.objects.all())
        values = {} if anonymized else _custom_values(customer)
        # an anonymized customer's card has no tabs and no buttons.
        sections = [] if anonymized else selectors.card_sections(customer)
        present = [entry for entry in sections if entry["count"]]
        context = {
            "customer": customer,
            "anonymized": anonymized,
            "sections": sections,
            "empty_sections": [entry for entry in sections if not entry["count"]],
            # The tab asked for (?tab=documents after an upload), else the first the customer has records
            # in; with none, the custom fields.
            "active_tab": _active_tab(request.GET.get("tab"), sections, present),
            "can_upload_files": rules.may_upload_files(user, customer),
            "can_delete_files": rules.may_delete_files(user, customer),
            "document_form": DocumentForm(),
            "history": [] if anonymized else list(selectors.change_history(customer)[:10]),
            "custom_values": [(f, values.get(f.pk, "")) for f in fields],
            "can_change": rules.may_change(user, customer),
            "can_assign": rules.may_assign(user, customer),
            "deceased_form": DeceasedForm(),
            "convert_form": ConvertForm(initial={"kind": _prospect_becomes(customer)}),
        }
        return render(request, "customers/customer_detail.html", context)


def _active_tab(asked: str | None, sections: list[dict], present: list[dict]) -> str:
    if asked and any(entry["section"].key == asked for entry in sections):
        return asked
    return present[0]["section"].key if present else "custom"


class CustomerSectionView(CustomerView):
    """One kind of linked record, sorted, a page at a time ("show all", R-3). htmx gets the table only."""

    def get(self, request, number: str, key: str):
        section = selectors.SECTIONS_BY_KEY.get(key)
        if section is None or self.customer.is_anonymized:
            raise Http404
        sort = selectors.section_sort(section, request.GET.get("sort"))
        records = selectors.section_records(section, self.customer, sort=sort)
        if request.GET.get("all"):
            page = window_page(records, request.GET.get("page"), per_page=SECTION_PER_PAGE)
            rows, more = page.object_list, False
        else:
            page = None
            rows = list(records[: selectors.CARD_ROWS + 1])
            rows, more = rows[: selectors.CARD_ROWS], len(rows) > selectors.CARD_ROWS
        context = {
            "customer": self.customer,
            "entry": {"section": section, "rows": rows, "more": more, "sort": sort},
            "page": page,
            "show_all": bool(request.GET.get("all")),
            "can_delete_files": rules.may_delete_files(request.user, self.customer),
        }
        return render_page_or_partial(
            request, "customers/customer_section.html", "customers/_section.html", context
        )


class CustomerHistoryView(CustomerView):
    def get(self, request, number: str):
        if self.customer.is_anonymized:
            raise Http404
        page = window_page(selectors.change_history(self.customer), request.GET.get("page"), per_page=50)
        return render(request, "customers/customer_history.html", {"customer": self.customer, "page": page})


# --- create and change (R-3, R-5, R-6, R-7) -----------------------------------------------------------


def _apply_form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class CustomerCreateView(RegisterView):
    rule = staticmethod(rules.may_create)

    def _form(self, request):
        return CustomerForm(
            request.POST or None,
            custom_fields=CustomField.objects.all(),
            creating=True,
            initial={"kind": Customer.Kind.PRIVATE, "invoice_country": "SE"},
        )

    def get(self, request):
        return render(
            request, "customers/customer_form.html", {"form": self._form(request), "creating": True}
        )

    def post(self, request):
        form = self._form(request)
        if form.is_valid():
            matches = _unconfirmed_duplicates(request, form)
            if matches:
                context = {
                    "form": form,
                    "creating": True,
                    "duplicates": _duplicates_shown(matches, request.user),
                }
                return render(request, "customers/customer_form.html", context)
            try:
                with transaction.atomic():
                    customer = customer_create(
                        actor=request.user,
                        data=form.customer_data(),
                        number=form.cleaned_data["number"] or None,
                    )
                    custom_values_set(customer=customer, actor=request.user, values=form.custom_data())
            except ValidationError as error:
                _apply_form_errors(form, error)
            else:
                messages.success(request, _("Customer %(number)s was created.") % {"number": customer.number})
                return redirect("customers:detail", customer.number)
        return render(request, "customers/customer_form.html", {"form": form, "creating": True}, status=200)


def _unconfirmed_duplicates(request, form) -> list[duplicates.Match]:
    """The customers the new one probably duplicates (same organisation/personal number or e-mail), unless
    the user has seen exactly these and chose "create anyway"."""
    data = form.customer_data()
    matches = duplicates.probable_duplicates(
        organisation_number=data.get("organisation_number") or "", email=data.get("email") or ""
    )
    confirmed = (
        set(request.POST.getlist("confirmed_duplicate")) if request.POST.get("create_anyway") else set()
    )
    if {str(match.customer.pk) for match in matches} <= confirmed:
        return []
    return matches


def _duplicates_shown(matches: list[duplicates.Match], user) -> list[dict]:
    """How the form names each match: with its name and a link for a customer the user may view, else by
    its customer number alone (kund.core.rules)."""
    return [
        {
            "pk": match.customer.pk,
            "number": match.customer.number,
            "customer": match.customer if rules.may_view(user, match.customer) else None,
            "reasons": match.reason_labels,
        }
        for match in matches
    ]


class CustomerEditView(CustomerView):
    rule = staticmethod(rules.may_change_any)

    def _check(self, request):
        if not rules.may_change(request.user, self.customer):
            raise _deny()

    def _form(self, request):
        return CustomerForm(
            request.POST or None,
            instance=self.customer,
            custom_fields=CustomField.objects.all(),
            custom_values=_custom_values(self.customer),
            creating=False,
        )

    def get(self, request, number: str):
        self._check(request)
        context = {"form": self._form(request), "customer": self.customer, "creating": False}
        return render(request, "customers/customer_form.html", context)

    def post(self, request, number: str):
        self._check(request)
        form = self._form(request)
        if form.is_valid():
            try:
                with transaction.atomic():
                    customer_update(customer=self.customer, actor=request.user, data=form.customer_data())
                    custom_values_set(customer=self.customer, actor=request.user, values=form.custom_data())
            except ValidationError as error:
                _apply_form_errors(form, error)
            else:
                messages.success(request, _("The customer was saved."))
                return redirect("customers:detail", self.customer.number)
        context = {"form": form, "customer": self.customer, "creating": False}
        return render(request, "customers/customer_form.html", context)


class CustomerStatusView(CustomerView):
    """Deactivate, activate (R-5) or record a death with its date (seed 003); POST only."""

    rule = staticmethod(rules.may_change_any)
    http_method_names = ["post"]

    def post(self, request, number: str):
        if not rules.may_change(request.user, self.customer):
            raise _deny()
        status = request.POST.get("status", "")
        if status not in Customer.Status.values:
            messages.error(request, _("Unknown status."))
            return redirect("customers:detail", self.customer.number)
        deceased_on = None
        if status == Customer.Status.DECEASED:
            form = DeceasedForm(request.POST)
            if not form.is_valid():
                messages.error(request, " ".join(form.errors["deceased_on"]))
                return redirect("customers:detail", self.customer.number)
            deceased_on = form.cleaned_data["deceased_on"]
        try:
            customer_set_status(
                customer=self.customer, actor=request.user, status=status, deceased_on=deceased_on
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("customers:detail", self.customer.number)
        if status == Customer.Status.INACTIVE:
            messages.success(request, _("The customer was deactivated. It cannot be chosen for new orders."))
        elif status == Customer.Status.DECEASED:
            messages.success(
                request,
                _("The customer is recorded as deceased. It cannot be chosen for new orders or mailings."),
            )
        else:
            messages.success(request, _("The customer was activated."))
        return redirect("customers:detail", self.customer.number)


def _prospect_becomes(customer: Customer) -> str:
    """What a prospect most likely converts to: a person when it has a first or last name."""
    named = customer.first_name or customer.last_name
    return Customer.Kind.PRIVATE if named else Customer.Kind.COMPANY


class CustomerConvertView(CustomerView):
    """A prospect becomes a customer, keeping its number (seed 001's "kunder/prospects"); POST only."""

    rule = staticmethod(rules.may_change_any)
    http_method_names = ["post"]

    def post(self, request, number: str):
        if not rules.may_change(request.user, self.customer):
            raise _deny()
        form = ConvertForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a private person or a company."))
            return redirect("customers:detail", self.customer.number)
        try:
            customer = customer_convert_prospect(
                customer=self.customer, actor=request.user, kind=form.cleaned_data["kind"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("The prospect is a customer now, with the same number %(number)s.")
                % {"number": customer.number},
            )
        return redirect("customers:detail", self.customer.number)


class CustomerAssignView(CustomerView):
    """Assign or unassign the responsible user (R-6): both users are notified by the service."""

    rule = staticmethod(rules.may_assign_any)

    def _check(self, request):
        if not rules.may_assign(request.user, self.customer):
            raise _deny()

    def get(self, request, number: str):
        self._check(request)
        form = AssignForm(initial={"responsible": self.customer.responsible_id})
        return render(request, "customers/customer_assign.html", {"form": form, "customer": self.customer})

    def post(self, request, number: str):
        self._check(request)
        form = AssignForm(request.POST)
        if not form.is_valid():
            return render(
                request, "customers/customer_assign.html", {"form": form, "customer": self.customer}
            )
        responsible = form.cleaned_data["responsible"]
        customer_assign(customer=self.customer, actor=request.user, responsible=responsible)
        if responsible is None:
            messages.success(request, _("The customer has no responsible user now."))
        else:
            messages.success(
                request,
                _("%(user)s is now responsible for the customer.") % {"user": responsible.get_username()},
            )
        return redirect("customers:detail", self.customer.number)


# --- notifications (R-6) ------------------------------------------------------------------------------


class NotificationBellView(RegisterView):
    """The navbar's bell: the unread count, loaded by htmx so every page does not pay for it."""

    def get(self, request):
        count = selectors.unread_notification_count(request.user)
        return render(request, "customers/_notification_bell.html", {"unread_count": count})


class NotificationListView(RegisterView):
    def get(self, request):
        page = window_page(selectors.notifications_for(request.user), request.GET.get("page"), per_page=25)
        return render(request, "customers/notification_list.html", {"page": page})

    def post(self, request):
        """Mark all as read."""
        Notification.objects.filter(recipient=request.user, read_at__isnull=True).update(
            read_at=timezone.now()
        )
        return redirect("customers:notifications")


# --- administration: custom fields and rights (R-9) ------------------------------------------------


class AdministratorView(RegisterView):
    rule = staticmethod(is_administrator)


class CustomFieldListView(AdministratorView):
    def get(self, request):
        return self._render(request, CustomFieldForm())

    def post(self, request):
        form = CustomFieldForm(request.POST)
        if form.is_valid():
            try:
                custom_field_save(actor=request.user, field=form.instance)
            except ValidationError as error:
                _apply_form_errors(form, error)
            else:
                messages.success(request, _("The custom field was added."))
                return redirect("customers:custom_fields")
        return self._render(request, form)

    def _render(self, request, form):
        context = {"fields": CustomField.objects.all(), "form": form}
        return render(request, "customers/custom_fields.html", context)


class CustomFieldEditView(AdministratorView):
    def get(self, request, pk: int):
        field = get_object_or_404(CustomField, pk=pk)
        return render(request, "customers/custom_field_form.html", {"form": CustomFieldForm(instance=field)})

    def post(self, request, pk: int):
        field = get_object_or_404(CustomField, pk=pk)
        if request.POST.get("delete"):
            custom_field_delete(actor=request.user, field=field)
            messages.success(request, _("The custom field and its values were removed."))
            return redirect("customers:custom_fields")
        form = CustomFieldForm(request.POST, instance=field)
        if form.is_valid():
            custom_field_save(actor=request.user, field=form.instance)
            messages.success(request, _("The custom field was saved."))
            return redirect("customers:custom_fields")
        return render(request, "customers/custom_field_form.html", {"form": form})


class RightsListView(AdministratorView):
    """The rights are granted on the users pages now (kund.customers.views_users); an old link still leads
    there."""

    def get(self, request):
        return redirect("users:list")


class RightsEditView(AdministratorView):
    def get(self, request, pk: int):
        return redirect("users:detail", pk=pk)
