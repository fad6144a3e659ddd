from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "kund.audit"
    label = "audit"
