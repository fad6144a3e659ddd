from django.urls import path, register_converter

from kund.customers import views, views_files, views_records
from kund.customers.services import NUMBER_PATTERN


class CustomerNumberConverter:
    """A customer number as a path segment: what validate_customer_number accepts (R-1)."""

    regex = NUMBER_PATTERN.pattern.strip("^$")

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value) -> str:
        return str(value)


register_converter(CustomerNumberConverter, "customer_number")

app_name = "customers"

# A customer's pages are found by its customer number (/customers/2958/). The register's own pages come
# first and their names can never be customer numbers (services.RESERVED_NUMBERS).
urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("export.<str:fmt>", views.CustomerExportView.as_view(), name="export"),
    path("new/", views.CustomerCreateView.as_view(), name="create"),
    path("id/<int:pk>/", views.CustomerByIdView.as_view(), name="by_id"),
    # a record's read-only page, keyed by the record's own id under its kind (a section's key)
    path("records/<slug:kind>/<int:record_pk>/", views_records.RecordView.as_view(), name="record"),
    # --- prospects, deceased, mailings and the list as a place to act (seeds 000, 001, 003, 004) ---
    path("mailing.<str:fmt>", views.MailingExportView.as_view(), name="mailing_export"),
    path("assign/", views.CustomerBulkAssignView.as_view(), name="bulk_assign"),
    # ---
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/bell/", views.NotificationBellView.as_view(), name="notification_bell"),
    path("custom-fields/", views.CustomFieldListView.as_view(), name="custom_fields"),
    path("custom-fields/<int:pk>/", views.CustomFieldEditView.as_view(), name="custom_field"),
    path("rights/", views.RightsListView.as_view(), name="rights"),
    path("rights/<int:pk>/", views.RightsEditView.as_view(), name="rights_edit"),
    path("<customer_number:number>/", views.CustomerDetailView.as_view(), name="detail"),
    path("<customer_number:number>/edit/", views.CustomerEditView.as_view(), name="edit"),
    path("<customer_number:number>/status/", views.CustomerStatusView.as_view(), name="status"),
    path("<customer_number:number>/assign/", views.CustomerAssignView.as_view(), name="assign"),
    path("<customer_number:number>/history/", views.CustomerHistoryView.as_view(), name="history"),
    path("<customer_number:number>/records/<slug:key>/", views.CustomerSectionView.as_view(), name="section"),
    path(
        "<customer_number:number>/documents/<int:record_pk>/download/",
        views_files.DocumentDownloadView.as_view(),
        name="document_download",
    ),
    path(
        "<customer_number:number>/documents/",
        views_files.DocumentUploadView.as_view(),
        name="document_upload",
    ),
    path(
        "<customer_number:number>/documents/<int:record_pk>/delete/",
        views_files.DocumentDeleteView.as_view(),
        name="document_delete",
    ),
    path(
        "<customer_number:number>/credit-files/<int:record_pk>/download/",
        views_files.CreditFileDownloadView.as_view(),
        name="credit_file_download",
    ),
    path("<customer_number:number>/convert/", views.CustomerConvertView.as_view(), name="convert"),
]
