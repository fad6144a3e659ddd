"""Background tasks of the audit app. Thin: a task takes a row's id and calls the service (STYLE trait 4)."""

from django_tasks import task

from kund.audit import log_checks


@task()
def check_erasure_log(check_id: int) -> None:
    log_checks.check_run(check_id=check_id)
