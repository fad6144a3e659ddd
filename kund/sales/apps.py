from django.apps import AppConfig


class SalesConfig(AppConfig):
    name = "kund.sales"
    label = "sales"
