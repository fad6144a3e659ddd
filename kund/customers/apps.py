from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _after_migrate(sender, using="default", **kwargs):
    from kund.customers.search import ensure_search_index

    # A later migration that makes SQLite rebuild the customer table drops the search index's triggers.
    ensure_search_index(using)


class CustomersConfig(AppConfig):
    name = "kund.customers"
    label = "customers"

    def ready(self) -> None:
        from kund.core.files import remove_files_with_rows

        # A credit report deleted by any door of the ORM (the admin included) loses its file.
        remove_files_with_rows(self.get_model("CreditFile"), "file")
        post_migrate.connect(_after_migrate, sender=self, dispatch_uid="kund-customer-search-index")
