from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "kund.documents"
    label = "documents"
