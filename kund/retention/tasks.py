"""The worker's daily retention run. Thin: no arguments, and it calls the service (STYLE trait 4), which
queues the next day's run with `run_after` before it ends."""

from django_tasks import task

from kund.retention import services


@task()
def run_retention() -> None:
    services.run_scheduled()
