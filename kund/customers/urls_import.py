from django.urls import path

from kund.customers import views_import

# Included by kund/urls.py under "import/". An upload is named by an opaque id, never by its contents.
app_name = "customer_import"

urlpatterns = [
    path("", views_import.upload, name="upload"),
    path("<uuid:upload_id>/", views_import.preview, name="preview"),
]
