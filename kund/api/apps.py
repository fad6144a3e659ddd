from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "kund.api"
    label = "api"
    verbose_name = _("API")

    def ready(self) -> None:
        # drf-spectacular learns how the Bearer tokens are described from this module's extension.
        from kund.api import schema  # noqa: F401
