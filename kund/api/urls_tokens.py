from django.urls import path

from kund.api import views_tokens

# Included by kund/urls.py under "api-tokens/": web pages, so rows of the web's permission matrix.
app_name = "api_tokens"
urlpatterns = [
    path("", views_tokens.token_list, name="list"),
    path("<int:pk>/revoke/", views_tokens.token_revoke_view, name="revoke"),
]
