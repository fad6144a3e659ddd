"""Writing change history. Called by the customer services inside their transaction."""

from collections.abc import Iterable

from django.db import connection
from django.utils import timezone

from kund.audit.models import ChangeRecord


def _as_text(value) -> str:
    return "" if value is None else str(value)


def record_event(
    *, customer, actor, event: ChangeRecord.Event, field: str = "", old="", new=""
) -> ChangeRecord:
    return ChangeRecord.objects.create(
        customer=customer,
        actor=actor if actor is not None and actor.is_authenticated else None,
        event=event,
        field=field,
        old_value=_as_text(old),
        new_value=_as_text(new),
    )


def record_changes(*, customer, actor, changes: Iterable[tuple[str, object, object]]) -> list[ChangeRecord]:
    """One history row per changed field: (field name, old value, new value)."""
    rows = [
        ChangeRecord(
            customer=customer,
            actor=actor if actor is not None and actor.is_authenticated else None,
            event=ChangeRecord.Event.CHANGED,
            field=field,
            old_value=_as_text(old),
            new_value=_as_text(new),
        )
        for field, old, new in changes
    ]
    return ChangeRecord.objects.bulk_create(rows)


def record_event_for_each(*, customers, actor, event: ChangeRecord.Event, field: str = "") -> int:
    """One history row per customer of the queryset, all with the same actor, event, field and time, in
    one INSERT … SELECT: the ids never come to Python, whatever the number of customers (a mailing to a
    whole register). Returns how many rows were written."""
    sql, params = customers.order_by().values("pk").query.sql_with_params()
    customer_table = connection.ops.quote_name(customers.model._meta.db_table)
    table = connection.ops.quote_name(ChangeRecord._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(ChangeRecord._meta.get_field(name).column)
        for name in ("customer", "actor", "at", "event", "field", "old_value", "new_value")
    )
    actor_id = actor.pk if actor is not None and actor.is_authenticated else None
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({columns}) SELECT chosen.id, %s, %s, %s, %s, '', '' "
            f"FROM {customer_table} chosen WHERE chosen.id IN ({sql})",
            [actor_id, at, int(event), field, *params],
        )
        return cursor.rowcount
