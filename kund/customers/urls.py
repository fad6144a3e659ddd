from django.urls import path

from kund.customers import views, views_files, views_records

app_name = "customers"

urlpatterns = [
    path("", views.CustomerListView.as_view(), name="list"),
    path("export.<str:fmt>", views.CustomerExportView.as_view(), name="export"),
    path("new/", views.CustomerCreateView.as_view(), name="create"),
    # a record's read-only page, keyed by the record's own id under its kind (a section's key)
    path("records/<slug:kind>/<int:record_pk>/", views_records.RecordView.as_view(), name="record"),
    path("<int:pk>/", views.CustomerDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.CustomerEditView.as_view(), name="edit"),
    path("<int:pk>/status/", views.CustomerStatusView.as_view(), name="status"),
    path("<int:pk>/assign/", views.CustomerAssignView.as_view(), name="assign"),
    path("<int:pk>/history/", views.CustomerHistoryView.as_view(), name="history"),
    path("<int:pk>/records/<slug:key>/", views.CustomerSectionView.as_view(), name="section"),
    path(
        "<int:pk>/documents/<int:record_pk>/download/",
        views_files.DocumentDownloadView.as_view(),
        name="document_download",
    ),
    path("<int:pk>/documents/", views_files.DocumentUploadView.as_view(), name="document_upload"),
    path(
        "<int:pk>/documents/<int:record_pk>/delete/",
        views_files.DocumentDeleteView.as_view(),
        name="document_delete",
    ),
    path(
        "<int:pk>/credit-files/<int:record_pk>/download/",
        views_files.CreditFileDownloadView.as_view(),
        name="credit_file_download",
    ),
    # --- prospects, deceased, mailings and the list as a place to act (seeds 000, 001, 003, 004) ---
    path("<int:pk>/convert/", views.CustomerConvertView.as_view(), name="convert"),
    path("mailing.<str:fmt>", views.MailingExportView.as_view(), name="mailing_export"),
    path("assign/", views.CustomerBulkAssignView.as_view(), name="bulk_assign"),
    # ---
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/bell/", views.NotificationBellView.as_view(), name="notification_bell"),
    path("custom-fields/", views.CustomFieldListView.as_view(), name="custom_fields"),
    path("custom-fields/<int:pk>/", views.CustomFieldEditView.as_view(), name="custom_field"),
    path("rights/", views.RightsListView.as_view(), name="rights"),
    path("rights/<int:pk>/", views.RightsEditView.as_view(), name="rights_edit"),
]
