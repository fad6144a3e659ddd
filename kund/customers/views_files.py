"""A customer's files — documents and credit reports — downloaded through the rules (SPEC R-9): whoever may
export the customer may download its files; to anyone else the customer, and so the file, does not exist
(404, the same answer as for an unknown one). A file is found under its own customer only. Nothing
serves the storage directly (kund.core.files)."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views import View

from kund.core import rules
from kund.core.files import attachment, safe_extension
from kund.customers.models import CreditFile, Customer
from kund.documents.models import Document


class CustomerFileView(LoginRequiredMixin, View):
    """GET a file of the customer in the URL. Subclasses name the file's query by customer."""

    http_method_names = ["get", "head"]

    def record(self, customer: Customer, record_pk: int):
        raise NotImplementedError

    def get(self, request, number: str, record_pk: int):
        customer = get_object_or_404(
            Customer.objects.only("pk", "responsible", "anonymized_at"), number=number
        )
        if not rules.may_export(request.user, customer):
            raise Http404
        record = self.record(customer, record_pk)
        if record is None or not record.file:
            raise Http404
        # A neutral name ("DOC-12.pdf"): neither the stored name nor the customer's name leaves Kund.
        return attachment(record.file, filename=f"{record.ref}{safe_extension(record.file.name)}")


class DocumentDownloadView(CustomerFileView):
    def record(self, customer: Customer, record_pk: int):
        return Document.objects.filter(pk=record_pk, customer=customer).only("pk", "file").first()


class CreditFileDownloadView(CustomerFileView):
    def record(self, customer: Customer, record_pk: int):
        files = CreditFile.objects.filter(pk=record_pk, credit_info__customer=customer)
        return files.only("pk", "file").first()
