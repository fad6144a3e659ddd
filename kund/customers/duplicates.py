"""Probable duplicates: customers already in the register with the same organisation or personal
identity number, or the same e-mail address, as a customer about to be created (the create form and the
import, SPEC R-3, R-8). A selector: it reads, never writes, and decides nothing — the caller shows the
matches and the user decides.

Decisions:
- The numbers are looked up as the register stores them (formatted by python-stdnum, as the form and the
  import both store them: "19811218-9876", "556036-0793"), on the index of organisation_number, in each
  form the same number may have been stored in: a personal identity number with or without its century
  ("19811218-9876", "811218-9876", and "811218+9876" for a person of a hundred). They are compared by
  their last ten digits (identity_key).
- E-mail addresses are compared without regard to case, on the indexed lower-cased copy the list's
  search keeps (Customer.search_email).
- Anonymized customers are never matches: their numbers and addresses are gone (A-4).
- Every customer is a candidate, whoever asks: a duplicate the user may not view is still a duplicate.
  The caller names it by its customer number only, without a link or personal data (kund.core.rules
  decides who may view it).
"""

from collections.abc import Collection
from dataclasses import dataclass

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from kund.customers.models import Customer

# What a match is found by, in the order they are named: Customer attribute → how it is said.
REASONS = {
    "organisation_number": _("same organisation or personal identity number"),
    "email": _("same e-mail address"),
}
# What the callers need of a matching customer: who it is, whether it may be shown, and the fields the
# import compares when the user chooses to update it.
FIELDS = (
    "id",
    "number",
    "kind",
    "first_name",
    "last_name",
    "name",
    "organisation_number",
    "vat_number",
    "email",
    "phone",
    "mobile",
    "invoice_address1",
    "invoice_postal_code",
    "invoice_city",
    "invoice_country",
    "responsible",
    "anonymized_at",
)


@dataclass(frozen=True)
class Match:
    customer: Customer
    reasons: tuple[str, ...]  # keys of REASONS

    @property
    def reason_labels(self) -> list[str]:
        return [str(REASONS[reason]) for reason in self.reasons]


def email_key(email: str) -> str:
    """An e-mail address as it is compared (Customer.search_email folds the same way for the addresses
    people use)."""
    return (email or "").strip().lower()


def identity_key(number: str) -> str:
    """An identity number as it is compared: its last ten digits, so that a personal identity number is the
    same with or without its century and whatever its separators."""
    return "".join(ch for ch in number or "" if ch.isdigit())[-10:]


def identity_forms(number: str) -> set[str]:
    """The forms the register may hold the same identity number in (see Decisions)."""
    key = identity_key(number)
    if len(key) != 10:
        return {number} if number else set()
    short = f"{key[:6]}-{key[6:]}"
    return {number, short, f"{key[:6]}+{key[6:]}", *(f"{century}{short}" for century in ("18", "19", "20"))}


def customers_with_identity(
    *, organisation_numbers: Collection[str] = (), emails: Collection[str] = ()
) -> list[Customer]:
    """The customers, not anonymized, whose organisation number is one of `organisation_numbers` or whose
    e-mail is one of `emails` (case ignored), in the order of their numbers."""
    numbers = sorted({form for number in organisation_numbers for form in identity_forms(number)})
    keys = sorted({email_key(email) for email in emails if email_key(email)})
    if not numbers and not keys:
        return []
    # One query: both databases answer the OR from the two indexes (SQLite's MULTI-INDEX OR,
    # PostgreSQL's BitmapOr).
    found = Customer.objects.filter(
        Q(organisation_number__in=numbers) | Q(search_email__in=keys), anonymized_at__isnull=True
    )
    return sorted(found.only(*FIELDS).order_by(), key=lambda customer: customer.number)


def reasons_for(customer: Customer, *, organisation_number: str = "", email: str = "") -> tuple[str, ...]:
    """Why `customer` matches these values: the keys of REASONS that are the same."""
    reasons = []
    key = identity_key(organisation_number)
    if key and identity_key(customer.organisation_number) == key:
        reasons.append("organisation_number")
    if email_key(email) and email_key(customer.email) == email_key(email):
        reasons.append("email")
    return tuple(reasons)


def probable_duplicates(*, organisation_number: str = "", email: str = "") -> list[Match]:
    """The customers one new customer with these values would probably duplicate (the create form)."""
    candidates = customers_with_identity(
        organisation_numbers=[organisation_number] if organisation_number else [],
        emails=[email] if email else [],
    )
    matches = []
    for customer in candidates:
        reasons = reasons_for(customer, organisation_number=organisation_number, email=email)
        if reasons:
            matches.append(Match(customer, reasons))
    return matches
