from django.apps import AppConfig


class CustomersConfig(AppConfig):
    name = "kund.customers"
    label = "customers"

    def ready(self) -> None:
        from kund.core.files import remove_files_with_rows

        # A credit report deleted by any door of the ORM (the admin included) loses its file.
        remove_files_with_rows(self.get_model("CreditFile"), "file")
