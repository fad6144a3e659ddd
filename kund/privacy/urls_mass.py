from django.urls import path, re_path

from kund.privacy import views_mass as views

app_name = "mass_erasure"
urlpatterns = [
    path("", views.MassErasureView.as_view(), name="index"),
    path("runs/<int:pk>/", views.JobDetailView.as_view(), name="job"),
    # M-4's review lists as XLSX (their CSV: "list", below)
    re_path(
        r"^runs/(?P<pk>[0-9]+)/(?P<which>to-erase|ignored|residue)\.xlsx$",
        views.JobListView.as_view(),
        {"fmt": "xlsx"},
        name="list_xlsx",
    ),
    path("runs/<int:pk>/start/", views.JobStartView.as_view(), name="start"),
    path("runs/<int:pk>/discard/", views.JobDiscardView.as_view(), name="discard"),
    path("runs/<int:pk>/progress/", views.JobProgressView.as_view(), name="progress"),
    path("runs/<int:pk>/resume/", views.JobResumeView.as_view(), name="resume"),
    re_path(
        r"^runs/(?P<pk>[0-9]+)/(?P<which>to-erase|ignored|residue)\.csv$",
        views.JobListView.as_view(),
        name="list",
    ),
    path("selections/", views.SelectionListView.as_view(), name="selections"),
    path("selections/save/", views.SelectionSaveView.as_view(), name="selection_save"),
    path("selections/<int:pk>/check/", views.SelectionCheckView.as_view(), name="selection_check"),
    path("selections/<int:pk>/", views.SelectionDetailView.as_view(), name="selection"),
]
