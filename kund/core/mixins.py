"""View mixins that ask kund.core.rules, so a page declares which rule guards it instead of checking a
permission by name."""

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from kund.core import rules


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
