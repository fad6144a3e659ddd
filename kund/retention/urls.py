from django.urls import path, re_path

from kund.retention import views

app_name = "retention"
urlpatterns = [
    path("", views.RuleListView.as_view(), name="list"),
    path("new/", views.RuleCreateView.as_view(), name="create"),
    path("<int:pk>/", views.RuleDetailView.as_view(), name="rule"),
    path("<int:pk>/edit/", views.RuleEditView.as_view(), name="edit"),
    path("<int:pk>/report/", views.RuleReportView.as_view(), name="report"),
    path("runs/<int:pk>/", views.RunDetailView.as_view(), name="run"),
    path("runs/<int:pk>/approve/", views.RunApproveView.as_view(), name="approve"),
    re_path(
        r"^runs/(?P<pk>[0-9]+)/(?P<which>to-erase|ignored)\.csv$", views.RunListView.as_view(), name="csv"
    ),
]
