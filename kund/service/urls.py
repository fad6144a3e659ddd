"""Fault reports on the register's side, mounted at /customers/<customer number>/fault-reports/ (every
view takes the customer's `number`): a report with its photos and files, for whoever may view the customer."""

from django.urls import path

from kund.service import views

app_name = "service"

urlpatterns = [
    path("<int:report_pk>/", views.FaultReportView.as_view(), name="fault_report"),
    path(
        "<int:report_pk>/files/<int:file_pk>/", views.FaultReportFileView.as_view(), name="fault_report_file"
    ),
]
