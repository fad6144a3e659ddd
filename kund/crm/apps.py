from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "kund.crm"
    label = "crm"
