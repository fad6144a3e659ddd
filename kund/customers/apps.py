from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "kund.customers"
    label = "customers"
