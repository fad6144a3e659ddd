"""The customer portal (SPEC R-10), mounted at /portal/. Its pages are not in the register's permission
matrix: the portal has its own isolation test, generated from this URL configuration
(kund/portal/tests/test_isolation.py)."""

from django.urls import path

from kund.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("sign-out/", views.SignOutView.as_view(), name="sign_out"),
    path("invitation/<str:token>/", views.SetPasswordView.as_view(), name="invitation"),
    path("password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", views.PasswordResetSentView.as_view(), name="password_reset_sent"),
    path(
        "password-reset/<str:token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"
    ),
    path("protocols/", views.ProtocolListView.as_view(), name="protocols"),
    path("protocols/<int:pk>/", views.ProtocolDetailView.as_view(), name="protocol"),
    path("installations/", views.InstallationListView.as_view(), name="installations"),
    path("installations/<int:pk>/", views.InstallationDetailView.as_view(), name="installation"),
    path("faults/", views.FaultListView.as_view(), name="faults"),
    path("faults/new/", views.FaultCreateView.as_view(), name="fault_new"),
    path("faults/<int:pk>/", views.FaultDetailView.as_view(), name="fault"),
    path("faults/<int:pk>/files/<int:file_pk>/", views.FaultFileView.as_view(), name="fault_file"),
    path("users/", views.UserListView.as_view(), name="users"),
]
