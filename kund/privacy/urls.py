from django.urls import path

from . import views

app_name = "privacy"

urlpatterns = [
    path("customers/<int:pk>/", views.CustomerErasureView.as_view(), name="customer_erasure"),
]
