"""View mixins that ask kund.core.rules, so a page declares which rule guards it instead of checking a
permission by name."""

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from kund.core import rules
from kund.core.paging import NEWER, OLDER, keyset_page


class RecordsOfVisibleCustomersMixin(AccessMixin):
    """Pages of records linked to customers (orders, invoices, …): for users who may view the register,
    and only the records of customers they may view — another customer's record is a 404, as its card is."""

    customer_path = "customer__"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not rules.may_view_register(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def visible(self, queryset: QuerySet) -> QuerySet:
        return rules.restrict(queryset, self.request.user, via=self.customer_path)


class FilteredRecordsMixin:
    """A list of records with a search and filters (`filterset_class`): the records the filterset selects
    — none when a filter is malformed, and the page says why — a page of them newest first, and the
    query string the pager keeps so that paging keeps the filters."""

    filterset_class = None
    per_page = 50

    def filtered_page(self, queryset: QuerySet) -> dict:
        filterset = self.filterset_class(self.request.GET or None, queryset=queryset)
        records = queryset.none() if filterset.is_bound and not filterset.is_valid() else filterset.qs
        keep = self.request.GET.copy()
        for name in (OLDER, NEWER):
            keep.pop(name, None)
        searched = (
            filterset.form.cleaned_data.get("q", "") if filterset.is_bound and filterset.is_valid() else ""
        )
        return {
            "filterset": filterset,
            "page": keyset_page(records, self.request.GET, self.per_page),
            "keep": keep.urlencode(),
            "searched": searched,
            "active_filters": filterset.active_filters(),
            "filtering": bool(searched or filterset.active_filters()),
        }
