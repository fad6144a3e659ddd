from django.urls import path

from . import views

# No app_name: settings.LOGIN_REDIRECT_URL refers to "home" by its plain name.
urlpatterns = [
    path("", views.home, name="home"),
]
