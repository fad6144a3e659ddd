"""The order list's search and filters: the same search of customers as the customer list
(kund.customers.filtersets.RecordFilterSet), and whether the order is delivered and invoiced."""

import django_filters
from django.utils.translation import gettext_lazy as _

from kund.customers.filtersets import YES_NO, RecordFilterSet
from kund.sales.models import Order


class OrderFilterSet(RecordFilterSet):
    record_prefix = Order.REF_PREFIX

    delivered = django_filters.ChoiceFilter(
        label=_("Delivered"), choices=YES_NO, empty_label=_("Any"), method="filter_delivered"
    )
    invoiced = django_filters.ChoiceFilter(
        label=_("Invoiced"), choices=YES_NO, empty_label=_("Any"), method="filter_invoiced"
    )

    class Meta:
        model = Order
        fields: list[str] = []

    def filter_delivered(self, queryset, name, value):
        return self.yes_or_no(queryset, "delivered", value)

    def filter_invoiced(self, queryset, name, value):
        return self.yes_or_no(queryset, "invoiced", value)
