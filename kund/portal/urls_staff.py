"""The register's pages for a customer's portal users, mounted at /customers/<customer number>/users/
(every view takes the customer's `number`)."""

from django.urls import path

from kund.portal import views_staff

app_name = "customer_users"

urlpatterns = [
    path("", views_staff.CustomerUserListView.as_view(), name="list"),
    path("new/", views_staff.CustomerUserInviteView.as_view(), name="invite"),
    path("<int:user_pk>/", views_staff.CustomerUserEditView.as_view(), name="edit"),
    path("<int:user_pk>/invitation/", views_staff.CustomerUserInviteAgainView.as_view(), name="invite_again"),
    path("<int:user_pk>/delete/", views_staff.CustomerUserDeleteView.as_view(), name="delete"),
]
