"""Custom fields (SPEC R-7): an administrator defines them; values are written per customer with change
history like every other field (R-4)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from kund.audit.services import record_changes
from kund.core.rules import is_administrator
from kund.customers.models import Customer, CustomField, CustomFieldValue


def _require_administrator(actor) -> None:
    if not is_administrator(actor):
        raise PermissionDenied(_("Only an administrator can define custom fields."))


@transaction.atomic
def custom_field_save(*, actor, field: CustomField) -> CustomField:
    """Create or change a custom field's definition."""
    _require_administrator(actor)
    field.full_clean()
    field.save()
    return field


@transaction.atomic
def custom_field_delete(*, actor, field: CustomField) -> None:
    """Remove a field and every customer's value of it."""
    _require_administrator(actor)
    field.delete()


@transaction.atomic
def custom_values_set(*, customer: Customer, actor, values: dict[CustomField, str]) -> None:
    """Write a customer's custom-field values (text); an empty value removes it. One history row per value
    that really changed, named "custom: <field name>"."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    if customer.is_anonymized:
        raise ValidationError(_("An anonymized customer cannot be changed."))  # SPEC A-4
    current = {v.field_id: v for v in CustomFieldValue.objects.filter(customer=customer, field__in=values)}
    changes, new_rows = [], []
    for field, text in values.items():
        row = current.get(field.pk)
        old = row.value if row else ""
        if old == text:
            continue
        changes.append((f"custom: {field.name}", old, text))
        if not text:
            row.delete()
        elif row is None:
            new_rows.append(CustomFieldValue(customer=customer, field=field, value=text))
        else:
            row.value = text
            row.save(update_fields=["value"])
    CustomFieldValue.objects.bulk_create(new_rows)
    if changes:
        record_changes(customer=customer, actor=actor, changes=changes)
