from django.urls import path

from kund.audit import views

# The erasure log (B-2), for whoever may read it (rules.may_view_erasure_log).
app_name = "erasure_log"
urlpatterns = [
    path("", views.ErasureLogView.as_view(), name="list"),
    path("receipt/", views.ReceiptLookupView.as_view(), name="receipt"),
    path("check/", views.ChainCheckStartView.as_view(), name="check_start"),
    path("check/<int:pk>/", views.ChainCheckView.as_view(), name="check"),
]
