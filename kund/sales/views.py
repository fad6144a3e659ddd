"""Order pages: the list, newest first, and one order with its address copies and comments.

The customer column goes through `customer_link`, so an anonymized customer shows as a plain "Xxxx"
(SPEC A-6, S-4).
"""

from django.views.generic import DetailView, TemplateView

from kund.core.mixins import FilteredRecordsMixin, RecordsOfVisibleCustomersMixin
from kund.sales.filtersets import OrderFilterSet
from kund.sales.models import Order

CUSTOMER_FIELDS = ("customer__id", "customer__number", "customer__name", "customer__anonymized_at")


class OrderListView(RecordsOfVisibleCustomersMixin, FilteredRecordsMixin, TemplateView):
    template_name = "sales/order_list.html"
    filterset_class = OrderFilterSet

    def get_queryset(self):
        return self.visible(
            Order.objects.select_related("customer").only(
                "id", "number", "date", "total", "delivered", "invoiced", *CUSTOMER_FIELDS
            )
        )

    def get_context_data(self, **kwargs):
        context = self.filtered_page(self.get_queryset())
        return super().get_context_data(**context, orders=context["page"].object_list, **kwargs)


class OrderDetailView(RecordsOfVisibleCustomersMixin, DetailView):
    template_name = "sales/order_detail.html"
    context_object_name = "order"

    def get_queryset(self):
        return self.visible(Order.objects.select_related("customer", "responsible", "extra"))
