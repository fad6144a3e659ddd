"""Writing service records. A fault report is created only through fault_report_create: an inactive
(SPEC R-5), deceased or anonymized (A-4) customer or a prospect cannot be chosen, and the report is
assigned to the customer's responsible user (R-6), who is notified of it (seed 004)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kund.customers.models import Customer, Notification
from kund.customers.services import ensure_customer_accepts, notify_responsible
from kund.service.models import FaultReport

FAULT_REPORT_FIELDS = frozenset(
    f.name
    for f in FaultReport._meta.concrete_fields
    if f.name not in {"id", "number", "customer", "responsible"}
)


def fault_report_create(*, customer: Customer, actor, data: dict | None = None) -> FaultReport:
    """A new fault report for the customer, assigned to the customer's responsible user (R-6)."""
    data = dict(data or {})
    unknown = set(data) - FAULT_REPORT_FIELDS
    if unknown:
        raise ValueError(f"not settable: {sorted(unknown)}")
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return _fault_report_create(customer=customer, data=data)
        except IntegrityError:  # a concurrent report took the number; draw again
            continue
    raise ValidationError(_("Could not allocate a fault report number; try again."))


def _fault_report_create(*, customer: Customer, data: dict) -> FaultReport:
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    ensure_customer_accepts(customer, kind=FaultReport._meta.label)
    report = FaultReport(
        customer=customer,
        number=(FaultReport.objects.aggregate(top=Max("number"))["top"] or 0) + 1,
        responsible_id=customer.responsible_id,
        reported_at=data.pop("reported_at", None) or timezone.now(),
        **data,
    )
    report.full_clean(exclude=["number"], validate_unique=False)
    report.save()
    notify_responsible(customer=customer, verb=Notification.Verb.NEW_FAULT_REPORT, record_ref=report.ref)
    return report
