"""A customer's files — documents and credit reports — downloaded through the rules (SPEC R-9): whoever may
export the customer may download its files; to anyone else the customer, and so the file, does not exist
(404, the same answer as for an unknown one). A file is found under its own customer only. Nothing
serves the storage directly (kund.core.files)."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from kund.core import rules
from kund.core.files import attachment, safe_extension
from kund.customers.forms import DocumentForm
from kund.customers.models import CreditFile, Customer
from kund.customers.views import CustomerView
from kund.documents.models import Document
from kund.documents.services import document_delete, document_upload


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


# --- documents: upload and delete (R-9's upload and "delete uploaded files" rights) ---------------------


def _documents_tab(customer: Customer) -> str:
    return f"{reverse('customers:detail', args=[customer.number])}?tab=documents"


class DocumentUploadView(CustomerView):
    """POST a document to the customer's card, from the form on its documents tab."""

    http_method_names = ["post"]

    def post(self, request, number: str):
        rules.require(rules.may_upload_files(request.user, self.customer))
        form = DocumentForm(request.POST, request.FILES)
        if not form.is_valid():
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, _("The document was not added: %(reason)s") % {"reason": error})
            return redirect(_documents_tab(self.customer))
        document = document_upload(
            customer=self.customer,
            actor=request.user,
            title=form.cleaned_data["title"],
            upload=form.cleaned_data["file"],
        )
        messages.success(request, _("The document %(ref)s was added.") % {"ref": document.ref})
        return redirect(_documents_tab(self.customer))


class DocumentDeleteView(CustomerView):
    """Delete one of the customer's documents: GET asks for a confirmation, POST deletes. Reached from the
    card's documents tab and from the erasure page's document warning (`?back=erasure` goes back there)."""

    def _document(self, request, record_pk: int) -> Document:
        rules.require(rules.may_delete_files(request.user, self.customer))
        return get_object_or_404(
            Document.objects.only("pk", "title", "file", "customer"), pk=record_pk, customer=self.customer
        )

    def _back(self, request) -> str:
        if request.GET.get("back") == "erasure" or request.POST.get("back") == "erasure":
            return reverse("privacy:customer_erasure", args=[self.customer.pk])
        return _documents_tab(self.customer)

    def get(self, request, number: str, record_pk: int):
        document = self._document(request, record_pk)
        context = {
            "customer": self.customer,
            "document": document,
            "back": request.GET.get("back") == "erasure",
            "cancel_url": self._back(request),
        }
        return render(request, "customers/document_delete.html", context)

    def post(self, request, number: str, record_pk: int):
        document = self._document(request, record_pk)
        ref = document.ref
        document_delete(document=document, actor=request.user)
        messages.success(request, _("The document %(ref)s was deleted.") % {"ref": ref})
        return redirect(self._back(request))
