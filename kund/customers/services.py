"""Writing the register. Every caller — views, admin, command line, import, worker — goes through these
functions: they take keyword-only arguments and the acting user, validate, write, and record the change
history in the same transaction (SPEC R-4)."""

import datetime
import re

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kund.audit.models import ChangeRecord
from kund.audit.services import record_changes, record_event
from kund.core.models import RegisterSettings
from kund.core.rules import is_administrator
from kund.customers.models import Customer, Notification, NumberReservation, NumberSequence

NUMBER_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z-]*$")
# The register's pages under /customers/ beside the cards, which are found by customer number
# (kund/customers/urls.py): these words cannot be customer numbers, in any case.
RESERVED_NUMBERS = frozenset({"new", "id", "assign", "notifications", "custom-fields", "rights", "records"})

# Fields a customer service may write from user input; everything else is set by a service of its own
# (number, responsible user, status history, anonymization).
EDITABLE_FIELDS = tuple(
    f.name
    for f in Customer._meta.concrete_fields
    if f.name
    not in {
        "id",
        "number",
        "responsible",
        "created_at",
        "updated_at",
        "anonymized_at",
        "status",
        "deceased_on",
    }
)


def validate_customer_number(number: str, *, register: RegisterSettings | None = None) -> str:
    """Check a typed-in customer number: length per the register setting, characters, never used."""
    register = register or RegisterSettings.load()
    number = (number or "").strip()
    if not number:
        raise ValidationError({"number": _("Enter a customer number.")})
    if not NUMBER_PATTERN.match(number):
        raise ValidationError(
            {"number": _("A customer number may contain only letters, digits and hyphens.")}
        )
    if number.lower() in RESERVED_NUMBERS:
        raise ValidationError(
            {
                "number": _("“%(number)s” is the name of a page and cannot be a customer number.")
                % {"number": number}
            }
        )
    if not register.number_min_length <= len(number) <= register.number_max_length:
        raise ValidationError(
            {
                "number": _("A customer number must have %(min)d to %(max)d characters.")
                % {"min": register.number_min_length, "max": register.number_max_length}
            }
        )
    if NumberReservation.objects.filter(number=number).exists():
        raise ValidationError(
            {
                "number": _("Customer number %(number)s has already been used and cannot be issued again.")
                % {"number": number}
            }
        )
    return number


def allocate_customer_numbers(count: int = 1) -> list[str]:
    """Draw the next free numbers from the sequence, skipping any that were typed in by hand."""
    register = RegisterSettings.load()
    with transaction.atomic():
        sequence, _created = NumberSequence.objects.select_for_update().get_or_create(pk=1)
        numbers: list[str] = []
        value = sequence.next_value
        while len(numbers) < count:
            batch = [str(v) for v in range(value, value + (count - len(numbers)))]
            taken = set(NumberReservation.objects.filter(number__in=batch).values_list("number", flat=True))
            numbers.extend(n for n in batch if n not in taken)
            value += len(batch)
        if len(numbers[-1]) > register.number_max_length:
            raise ValidationError(
                {
                    "number": _("The customer number sequence has passed the maximum length of %(max)d.")
                    % {"max": register.number_max_length}
                }
            )
        sequence.next_value = value
        sequence.save(update_fields=["next_value"])
    return numbers


def _clean_customer(customer: Customer) -> None:
    customer.full_clean(exclude=["number"], validate_unique=False)


@transaction.atomic
def customer_create(*, actor, data: dict, number: str | None = None) -> Customer:
    """Create a customer; the number is typed in (validated, SPEC R-1) or drawn from the sequence."""
    unknown = set(data) - set(EDITABLE_FIELDS) - {"status", "deceased_on", "created_at"}
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    number = validate_customer_number(number) if number else allocate_customer_numbers(1)[0]
    customer = Customer(number=number, **data)
    if customer.kind != Customer.Kind.COMPANY and not customer.name:  # a person, or a prospect's person
        customer.name = f"{customer.first_name} {customer.last_name}".strip()
    _clean_customer(customer)
    try:
        with transaction.atomic():
            customer.save()
    except IntegrityError as exc:  # a concurrent writer took the number between the check and the insert
        raise ValidationError(
            {
                "number": _("Customer number %(number)s has already been used and cannot be issued again.")
                % {"number": number}
            }
        ) from exc
    record_event(customer=customer, actor=actor, event=ChangeRecord.Event.CREATED)
    return customer


def ensure_customer_changeable(customer: Customer) -> None:
    """SPEC A-4: an anonymized customer is frozen, and so is everything recorded about it."""
    if customer.is_anonymized:
        raise ValidationError(_("An anonymized customer cannot be changed."), code="anonymized")


def ensure_kind_changeable(customer: Customer, kind: str) -> None:
    """A prospect becomes a customer by conversion only (customer_convert_prospect, its own history
    event), and a customer never becomes a prospect again."""
    if kind != customer.kind and Customer.Kind.PROSPECT in (kind, customer.kind):
        raise ValidationError(
            {"kind": _("A prospect becomes a customer by conversion; a customer cannot become a prospect.")}
        )


# New business (SPEC R-5): the records that commit the business to new work for a customer. An inactive
# customer keeps everything already done — deliveries, purchases for its dropship orders, invoices and
# reminders for what it bought, activities, tickets, documents, branches — but is not chosen for these.
NEW_BUSINESS = frozenset(
    {
        "sales.Quote",
        "sales.Order",
        "sales.DropshipOrder",
        "service.ServiceOrder",
        "service.FaultReport",
        "crm.Agreement",
    }
)


def ensure_customer_accepts(customer: Customer, *, kind: str) -> None:
    """May `customer` be chosen for a new record of `kind` (a model label such as "sales.Order")? Every
    door that creates or re-links a record asks this: the services, the web and the admin.

    SPEC A-4: an anonymized customer cannot be chosen for anything new. R-5: an inactive customer cannot be
    chosen for new business (NEW_BUSINESS); nor can a deceased one (seed 003), nor a prospect, which is
    converted to a customer first (seed 001: a prospect has no transactions)."""
    if customer.is_anonymized:
        raise ValidationError(
            _("This customer has been anonymized and cannot be chosen for anything new."), code="anonymized"
        )
    if kind not in NEW_BUSINESS:
        return
    if customer.is_deceased:
        raise ValidationError(
            _("This customer is deceased and cannot be chosen for new orders."), code="deceased"
        )
    if not customer.is_active:
        raise ValidationError(
            _("This customer is inactive and cannot be chosen for new orders."), code="inactive"
        )
    if customer.is_prospect:
        raise ValidationError(
            _("This is a prospect: convert it to a customer before choosing it for new orders."),
            code="prospect",
        )


@transaction.atomic
def customer_update(*, customer: Customer, actor, data: dict) -> Customer:
    """Change editable fields; one history row per field that really changed (SPEC R-4)."""
    unknown = set(data) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValueError(f"not editable: {sorted(unknown)}")
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    ensure_customer_changeable(customer)
    ensure_kind_changeable(customer, data.get("kind", customer.kind))
    changes = []
    for field, new in data.items():
        old = getattr(customer, field)
        if old != new:
            changes.append((field, old, new))
            setattr(customer, field, new)
    if not changes:
        return customer
    _clean_customer(customer)
    customer.save()
    record_changes(customer=customer, actor=actor, changes=changes)
    return customer


@transaction.atomic
def customer_change_number(*, customer: Customer, actor, new_number: str) -> Customer:
    """Only an administrator may change a customer number afterwards (SPEC R-1); the old one stays
    reserved."""
    if not is_administrator(actor):
        raise PermissionDenied(_("Only an administrator can change a customer number."))
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    ensure_customer_changeable(customer)
    new_number = validate_customer_number(new_number)
    old_number = customer.number
    customer.number = new_number
    customer.save(update_fields=["number", "updated_at"])
    record_event(
        customer=customer,
        actor=actor,
        event=ChangeRecord.Event.NUMBER_CHANGED,
        field="number",
        old=old_number,
        new=new_number,
    )
    return customer


@transaction.atomic
def customer_set_status(
    *, customer: Customer, actor, status: str, deceased_on: datetime.date | None = None
) -> Customer:
    """Activate, deactivate (SPEC R-5) or record a death with its date (seed 003): an inactive or
    deceased customer keeps everything already done. The date of death goes with the status: it is
    required for "deceased" and cleared when the status changes back (a mistake corrected)."""
    if status not in Customer.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    ensure_customer_changeable(customer)
    if status == Customer.Status.DECEASED:
        if customer.kind == Customer.Kind.COMPANY:
            raise ValidationError({"status": _("A company cannot be recorded as deceased.")})
        _check_date_of_death(customer, deceased_on)
    else:
        deceased_on = None
    changes = [
        (field, getattr(customer, field), new)
        for field, new in (("status", status), ("deceased_on", deceased_on))
        if getattr(customer, field) != new
    ]
    if changes:
        customer.status, customer.deceased_on = status, deceased_on
        customer.save(update_fields=["status", "deceased_on", "updated_at"])
        record_changes(customer=customer, actor=actor, changes=changes)
    return customer


def _check_date_of_death(customer: Customer, day: datetime.date | None) -> None:
    if day is None:
        raise ValidationError({"deceased_on": _("Enter the date of death.")})
    if day > timezone.localdate():
        raise ValidationError({"deceased_on": _("The date of death cannot be in the future.")})
    if customer.birth_date is not None and day < customer.birth_date:
        raise ValidationError({"deceased_on": _("The date of death cannot be before the birth date.")})


@transaction.atomic
def customer_convert_prospect(*, customer: Customer, actor, kind: str) -> Customer:
    """A prospect becomes a customer (seed 001's "kunder/prospects"): a private person or a company, with
    the number it has (SPEC R-1), the change recorded in its history (R-4)."""
    if kind not in (Customer.Kind.PRIVATE, Customer.Kind.COMPANY):
        raise ValidationError({"kind": _("Choose a private person or a company.")})
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    ensure_customer_changeable(customer)
    if not customer.is_prospect:
        raise ValidationError(_("Only a prospect can be converted to a customer."), code="not_prospect")
    if kind == Customer.Kind.PRIVATE:
        full_name = f"{customer.first_name} {customer.last_name}".strip()
        if not full_name:
            raise ValidationError(
                {"kind": _("A private person needs a first or last name: add it to the prospect first.")}
            )
        customer.name = full_name
    elif not customer.name.strip():
        raise ValidationError({"kind": _("A company needs a name: add it to the prospect first.")})
    old_name = Customer.objects.filter(pk=customer.pk).values_list("name", flat=True).get()
    customer.kind = kind
    _clean_customer(customer)
    customer.save(update_fields=["kind", "name", "updated_at"])
    if customer.name != old_name:
        record_changes(customer=customer, actor=actor, changes=[("name", old_name, customer.name)])
    record_event(
        customer=customer,
        actor=actor,
        event=ChangeRecord.Event.CONVERTED,
        field="kind",
        old=Customer.Kind.PROSPECT,
        new=kind,
    )
    return customer


def notify_responsible(*, customer: Customer, actor, verb: str, record_ref: str) -> Notification | None:
    """Tell the customer's responsible user of a new record of the customer (SPEC R-6, seed 004: "få
    notifikation om alla ordrar och felanmälningar som berör kunden"); nobody when none is responsible,
    or when the responsible user made the record themselves. The customer is never notified. Called
    inside the transaction that creates the record."""
    if customer.responsible_id is None:
        return None
    if isinstance(actor, get_user_model()) and actor.pk == customer.responsible_id:
        return None
    return Notification.objects.create(
        recipient_id=customer.responsible_id, customer=customer, verb=verb, record_ref=record_ref
    )


@transaction.atomic
def customer_assign(*, customer: Customer, actor, responsible) -> Customer:
    """Assign or unassign the responsible user (SPEC R-6); both users get an in-app notification."""
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    ensure_customer_changeable(customer)
    previous = customer.responsible
    if previous == responsible:
        return customer
    customer.responsible = responsible
    customer.save(update_fields=["responsible", "updated_at"])
    record_event(
        customer=customer,
        actor=actor,
        event=ChangeRecord.Event.ASSIGNED,
        field="responsible",
        old=previous.get_username() if previous else "",
        new=responsible.get_username() if responsible else "",
    )
    notes = []
    if previous is not None:
        notes.append(Notification(recipient=previous, customer=customer, verb=Notification.Verb.UNASSIGNED))
    if responsible is not None:
        notes.append(Notification(recipient=responsible, customer=customer, verb=Notification.Verb.ASSIGNED))
    Notification.objects.bulk_create(notes)
    return customer
