from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "kund.documents"
    label = "documents"

    def ready(self) -> None:
        from kund.core.files import remove_files_with_rows

        # A document deleted by any door of the ORM (the admin included) loses its file.
        remove_files_with_rows(self.get_model("Document"), "file")
