"""Writing service records. A fault report is created only through fault_report_create: an inactive
(SPEC R-5), deceased or anonymized (A-4) customer or a prospect cannot be chosen, and the report is
assigned to the customer's responsible user (R-6), who gets an in-app notification about it (seed 004:
"få notifikation om alla ordrar och felanmälningar som berör kunden")."""

import logging

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from kund.customers.models import Customer, Notification
from kund.customers.services import ensure_customer_accepts, notify_responsible
from kund.service.files import check_upload
from kund.service.models import FaultReport, FaultReportFile

logger = logging.getLogger(__name__)

FAULT_REPORT_FIELDS = frozenset(
    f.name
    for f in FaultReport._meta.concrete_fields
    if f.name not in {"id", "number", "customer", "responsible"}
)


def fault_report_create(
    *, customer: Customer, actor, data: dict | None = None, files: list | tuple = ()
) -> FaultReport:
    """A new fault report for the customer, assigned to the customer's responsible user (R-6), who is
    notified unless they reported it themselves. `files` are uploaded photos or PDFs (checked by
    kund.service.files), stored with the report in the same transaction. The actor is a staff user or
    a customer user of the portal."""
    data = dict(data or {})
    unknown = set(data) - FAULT_REPORT_FIELDS
    if unknown:
        raise ValueError(f"not settable: {sorted(unknown)}")
    content_types = [check_upload(upload) for upload in files]
    for _attempt in range(3):
        stored: list[str] = []
        try:
            with transaction.atomic():
                report = _fault_report_create(customer=customer, actor=actor, data=dict(data))
                for upload, content_type in zip(files, content_types, strict=True):
                    upload.seek(0)
                    attached = FaultReportFile(fault_report=report, content_type=content_type)
                    attached.file.save("upload", upload, save=True)
                    stored.append(attached.file.name)
                return report
        except IntegrityError:  # a concurrent report took the number; draw again
            _remove_stored(stored)
            continue
        except Exception:
            _remove_stored(stored)
            raise
    raise ValidationError(_("Could not allocate a fault report number; try again."))


def _remove_stored(names: list[str]) -> None:
    """Files saved for a report whose transaction did not commit."""
    from django.core.files.storage import default_storage

    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.warning("could not remove the file of a fault report that was not saved (storage error)")


def _fault_report_create(*, customer: Customer, actor, data: dict) -> FaultReport:
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
    notify_responsible(
        customer=customer, actor=actor, verb=Notification.Verb.FAULT_REPORTED, record_ref=report.ref
    )
    return report
