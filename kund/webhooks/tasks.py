"""Background tasks of event delivery. Thin: a task takes a delivery's id, nothing personal, and calls the
delivery service (STYLE trait 4)."""

from django_tasks import task

from kund.webhooks import delivery


@task()
def deliver_event(delivery_id: int) -> None:
    delivery.attempt(delivery_id)


@task()
def sweep_deliveries() -> None:
    delivery.sweep()
