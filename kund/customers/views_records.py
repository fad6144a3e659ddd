"""The register's read-only page of one record of a customer (SPEC R-3), for the kinds without a page of
their own (kund.customers.records): shown to whoever may view the record's customer, a 404 to anyone
else, as the card is. A record of an anonymized customer is still shown — its customer as a plain "Xxxx"
with the hint (A-6), its fields as the anonymization left them."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from kund.core import rules
from kund.customers import selectors
from kund.customers.records import record_customer, record_lines
from kund.customers.views import RegisterView


class RecordView(RegisterView):
    rule = staticmethod(rules.may_view_register)

    def get(self, request, kind: str, record_pk: int):
        section = selectors.RECORD_KINDS.get(kind)
        if section is None:
            raise Http404
        model = section.model_class
        related = [f.name for f in model._meta.concrete_fields if f.is_relation]
        records = rules.restrict(model.objects.all(), request.user, via=f"{section.link}__")
        record = get_object_or_404(records.select_related(section.link, *related), pk=record_pk)
        customer = record_customer(section, record)
        if not rules.may_view(request.user, customer):
            raise Http404
        context = {
            "section": section,
            "record": record,
            "customer": customer,
            "kind_label": model._meta.verbose_name,
            "lines": record_lines(section, record, request.user),
        }
        return render(request, "customers/record_detail.html", context)
