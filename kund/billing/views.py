"""Invoice pages: the list, newest first, and one invoice with its legal copy of the customer's details.

The customer column goes through `customer_link`, so an anonymized customer shows as a plain "Xxxx"
(SPEC A-6); the invoice's own frozen copy of the details is shown unchanged (A-3) with a hint (S-4).
"""

from django.views.generic import DetailView, TemplateView

from kund.billing.filtersets import InvoiceFilterSet
from kund.billing.models import Invoice
from kund.core.mixins import FilteredRecordsMixin, RecordsOfVisibleCustomersMixin

CUSTOMER_FIELDS = ("customer__id", "customer__number", "customer__name", "customer__anonymized_at")


class InvoiceListView(RecordsOfVisibleCustomersMixin, FilteredRecordsMixin, TemplateView):
    template_name = "billing/invoice_list.html"
    filterset_class = InvoiceFilterSet

    def get_queryset(self):
        return self.visible(
            Invoice.objects.select_related("customer").only(
                "id", "number", "date", "due_date", "total", "paid", *CUSTOMER_FIELDS
            )
        )

    def get_context_data(self, **kwargs):
        context = self.filtered_page(self.get_queryset())
        return super().get_context_data(**context, invoices=context["page"].object_list, **kwargs)


class InvoiceDetailView(RecordsOfVisibleCustomersMixin, DetailView):
    template_name = "billing/invoice_detail.html"
    context_object_name = "invoice"

    def get_queryset(self):
        return self.visible(Invoice.objects.select_related("customer", "order"))
