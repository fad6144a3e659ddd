"""Background tasks of the register. Thin: no arguments that name anyone (STYLE trait 4)."""

from django_tasks import task

from kund.customers import search


@task()
def compact_customer_search_index() -> None:
    search.compact_search_index()
