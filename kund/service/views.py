"""A fault report as staff see it (SPEC R-3, R-10): its text, who reported it and its photos and files,
for whoever may view the customer; another customer's report, or a report of a customer the user may not
view, is a 404. Files are downloaded only through FaultReportFileView (kund.service.files)."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render

from kund.customers.views import CustomerView
from kund.service.files import attachment
from kund.service.models import FaultReport, FaultReportFile


class FaultReportView(CustomerView):
    def get(self, request, number: str, report_pk: int):
        if self.customer.is_anonymized:  # its records are not shown
            raise Http404
        report = get_object_or_404(
            FaultReport.objects.select_related("installation", "responsible").prefetch_related("files"),
            pk=report_pk,
            customer=self.customer,
        )
        return render(request, "service/fault_report.html", {"customer": self.customer, "report": report})


class FaultReportFileView(CustomerView):
    http_method_names = ["get", "head"]

    def get(self, request, number: str, report_pk: int, file_pk: int):
        record = get_object_or_404(
            FaultReportFile.objects.select_related("fault_report"),
            pk=file_pk,
            fault_report_id=report_pk,
            fault_report__customer=self.customer,
        )
        return attachment(record, filename=f"{record.ref}{record.extension}")
