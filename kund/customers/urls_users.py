from django.urls import path

from kund.customers import views_users as views

# The register's users and their rights, for administrators.
app_name = "users"
urlpatterns = [
    path("", views.UserListView.as_view(), name="list"),
    path("new/", views.UserCreateView.as_view(), name="create"),
    path("<int:pk>/", views.UserDetailView.as_view(), name="detail"),
    path("<int:pk>/rights/", views.UserRightsView.as_view(), name="rights"),
    path("<int:pk>/deactivate/", views.UserDeactivateView.as_view(), name="deactivate"),
    path("<int:pk>/reactivate/", views.UserReactivateView.as_view(), name="reactivate"),
    path("<int:pk>/password/", views.UserPasswordView.as_view(), name="password"),
]
