from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "kund.privacy"
    label = "privacy"
