from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", include("kund.core.urls")),
    # --- The apps' pages go here as they land, e.g.
    # path("customers/", include("kund.customers.urls")),
    path("customers/", include("kund.customers.urls")),
    path("erasure/", include("kund.privacy.urls")),
    path("invoices/", include("kund.billing.urls")),
    path("orders/", include("kund.sales.urls")),
    path("access-export/", include("kund.privacy.urls_export")),
    path("import/", include("kund.customers.urls_import")),
    path("mass-erasure/", include("kund.privacy.urls_mass")),
    path("requests/", include("kund.requests.urls")),  # data-subject requests (B-7)
    # --- The REST API (SPEC B-9) and the pages where a user makes their API tokens.
    path("api/", include("kund.api.urls")),
    path("api-tokens/", include("kund.api.urls_tokens")),
    # --- customer users and their portal
    path("customers/<customer_number:number>/users/", include("kund.portal.urls_staff")),
    path("customers/<customer_number:number>/fault-reports/", include("kund.service.urls")),
    path("portal/", include("kund.portal.urls")),
    # events to connected systems (B-8) and retention rules (B-6)
    path("webhooks/", include("kund.webhooks.urls")),
    path("retention/", include("kund.retention.urls")),
    # the register's users and their rights, and the erasure log (B-2)
    path("users/", include("kund.customers.urls_users")),
    path("erasure-log/", include("kund.audit.urls")),
]
# Uploaded files are never served from the storage, in any settings: each is downloaded through a view
# that checks the rules for its customer (kund.customers.views_files).
