from django.urls import path

from kund.webhooks import views

app_name = "webhooks"
urlpatterns = [
    path("", views.SubscriptionListView.as_view(), name="list"),
    path("<int:pk>/", views.SubscriptionDetailView.as_view(), name="detail"),
    path("<int:pk>/test/", views.SubscriptionTestView.as_view(), name="test"),
    path("<int:pk>/active/", views.SubscriptionActiveView.as_view(), name="active"),
    path("<int:pk>/retry/", views.SubscriptionRetryView.as_view(), name="retry"),
]
