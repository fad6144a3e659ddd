from django.apps import AppConfig


class ServiceConfig(AppConfig):
    name = "kund.service"
    label = "service"
