"""The API's URLs (SPEC B-9), under /api/ (kund/urls.py). Every named URL here has a row in the API's
permission matrix, kund/api/tests/test_api_matrix.py."""

from django.urls import path, re_path

from kund.api import views
from kund.api.schema import SchemaView
from kund.api.views_docs import DocsView

app_name = "api"
urlpatterns = [
    path("schema/", SchemaView.as_view(), name="schema"),
    path("docs/", DocsView.as_view(), name="docs"),
    path("customers/", views.CustomerListView.as_view(), name="customer-list"),
    path("customers/<str:number>/", views.CustomerDetailView.as_view(), name="customer-detail"),
    path(
        "customers/<str:number>/erasure-plan/", views.ErasurePlanView.as_view(), name="customer-erasure-plan"
    ),
    path("customers/<str:number>/erase/", views.EraseView.as_view(), name="customer-erase"),
    path("customers/<str:number>/export/", views.ExportView.as_view(), name="customer-export"),
    path("mass-erasures/", views.MassErasureListView.as_view(), name="mass-erasure-list"),
    path("mass-erasures/<int:pk>/", views.MassErasureDetailView.as_view(), name="mass-erasure-detail"),
    path("mass-erasures/<int:pk>/start/", views.MassErasureStartView.as_view(), name="mass-erasure-start"),
    path("erasure-log/", views.ErasureLogView.as_view(), name="erasure-log"),
    # Anything else under /api/ is a 404 problem (JSON), not the web's HTML page.
    re_path(r"^.*$", views.NotFoundView.as_view()),
]
