from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "kund.support"
    label = "support"
