"""Writing change history. Called by the customer services inside their transaction."""

from collections.abc import Iterable

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
