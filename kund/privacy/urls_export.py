from django.urls import path

from kund.privacy import views_export

# Included by kund/urls.py under "access-export/"; the customer is named by its id, never by personal data.
urlpatterns = [
    path("<int:customer_id>/json", views_export.export_json, name="access_export_json"),
    path("<int:customer_id>/html", views_export.export_html, name="access_export_html"),
]
