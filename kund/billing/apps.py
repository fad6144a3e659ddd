from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "kund.billing"
    label = "billing"
