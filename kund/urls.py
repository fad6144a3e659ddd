from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path

from kund.core.throttle import ThrottledLoginView

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/login/", ThrottledLoginView.as_view(), name="login"),  # before auth.urls: throttled
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
    # --- customer users and their portal
    path("customers/<int:pk>/users/", include("kund.portal.urls_staff")),
    path("customers/<int:pk>/fault-reports/", include("kund.service.urls")),
    path("portal/", include("kund.portal.urls")),
]

if settings.DEBUG:
    # Uploaded files in development only; in production the web server serves MEDIA_ROOT (or
    # nothing: uploads are personal data and go through a view that checks rights).
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
