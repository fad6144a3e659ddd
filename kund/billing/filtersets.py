"""The invoice list's search and filters: the same search of customers as the customer list
(kund.customers.filtersets.RecordFilterSet), and whether the invoice is paid."""

import django_filters
from django.utils.translation import gettext_lazy as _

from kund.billing.models import Invoice
from kund.customers.filtersets import YES_NO, RecordFilterSet


class InvoiceFilterSet(RecordFilterSet):
    record_prefix = Invoice.REF_PREFIX

    paid = django_filters.ChoiceFilter(
        label=_("Paid"), choices=YES_NO, empty_label=_("Any"), method="filter_paid"
    )

    class Meta:
        model = Invoice
        fields: list[str] = []

    def filter_paid(self, queryset, name, value):
        return self.yes_or_no(queryset, "paid", value)
