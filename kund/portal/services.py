"""Customer users (SPEC R-10): made, changed and deleted by staff with the rights of R-9, each change in
the customer's history (R-4); and what a customer user does in the portal — set a password through a
link, sign in and out, report a fault.

Every caller (the staff pages, the portal, the `customer_user` command) goes through these functions.
Secrets — invitation and reset links, session keys — are made here, returned once, and stored only as
hashes. The history names a customer user by e-mail address while the user exists; deleting the user
replaces the address with the user's reference in that history, so nothing of the person stays behind.
"""

import hashlib
import logging
import secrets
from collections.abc import Iterable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q, Value
from django.db.models.functions import Replace
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from kund.audit.models import ChangeRecord
from kund.audit.services import record_changes
from kund.core import rules
from kund.customers.models import Customer
from kund.portal.models import PORTAL_RIGHT_NAMES, CustomerUser, CustomerUserToken, PortalSession
from kund.service.models import FaultReport
from kund.service.services import fault_report_create

logger = logging.getLogger(__name__)

DEFAULT_RIGHTS = ("can_see_protocols", "can_see_installations", "can_report_faults")
# The change history's field names for customer users; their values hold e-mail addresses and
# rights, never in the field name, which anonymization keeps.
HISTORY_USER = "customer_user"
HISTORY_RIGHTS = "customer_user_rights"
HISTORY_INVITATION = "customer_user_invitation"


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def normalized_email(email: str) -> str:
    """The user name of a customer user: the e-mail address, trimmed and lower-cased."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError({"email": _("Enter a valid e-mail address.")}) from None
    return email


def _staff(actor):
    """The acting staff user to store, or None (a customer user, the system)."""
    return actor if isinstance(actor, get_user_model()) and actor.is_authenticated else None


def may_sign_in(customer_user: CustomerUser) -> bool:
    """Only the users of an active customer that has not been anonymized (R-5, A-4)."""
    customer = customer_user.customer
    return customer.is_active and not customer.is_anonymized


def _rights_text(user: CustomerUser) -> str:
    return f"{user.email}: {', '.join(user.rights()) or '-'}"


def _checked_rights(rights: Iterable[str]) -> set[str]:
    rights = set(rights)
    unknown = rights - set(PORTAL_RIGHT_NAMES)
    if unknown:
        raise ValueError(f"unknown portal rights: {sorted(unknown)}")
    return rights


# --- links: invitations and password resets ----------------------------------------------------------


def _lifetime(purpose: str) -> timedelta:
    if purpose == CustomerUserToken.Purpose.INVITATION:
        return timedelta(days=settings.KUND_PORTAL_INVITATION_DAYS)
    return timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)


def _issue_link(user: CustomerUser, *, purpose: str, actor=None) -> str:
    """A new link for the user; it voids the user's earlier ones. Returns the secret (once)."""
    CustomerUserToken.objects.filter(customer_user=user).delete()
    secret = secrets.token_urlsafe(32)
    now = timezone.now()
    CustomerUserToken.objects.create(
        customer_user=user,
        purpose=purpose,
        token_hash=secret_hash(secret),
        created_at=now,
        expires_at=now + _lifetime(purpose),
        created_by=_staff(actor),
    )
    return secret


def invitation_path(secret: str) -> str:
    return reverse("portal:invitation", args=[secret])


def link_for(secret: str, purpose: str) -> CustomerUserToken | None:
    """The link with this secret, if it is still valid and its user may sign in."""
    link = (
        CustomerUserToken.objects.select_related("customer_user__customer")
        .filter(token_hash=secret_hash(secret), purpose=purpose, expires_at__gt=timezone.now())
        .first()
    )
    if link is None or not may_sign_in(link.customer_user):
        return None
    return link


class LinkNotValid(Exception):
    """The link expired, was used, or was replaced by a newer one."""


@transaction.atomic
def password_set_with_link(*, link: CustomerUserToken, password: str) -> CustomerUser:
    """Set the password a link was for. A link works once: of two requests with it, only the first
    deletes it and sets the password. Every other link and every session of the user ends too."""
    used, _rows = CustomerUserToken.objects.filter(pk=link.pk, expires_at__gt=timezone.now()).delete()
    if not used:
        raise LinkNotValid
    user = CustomerUser.objects.select_for_update().get(pk=link.customer_user_id)
    user.set_password(password)
    user.save(update_fields=["password"])
    CustomerUserToken.objects.filter(customer_user=user).delete()
    PortalSession.objects.filter(customer_user=user).delete()
    return user


def password_reset_request(*, email: str, base_url: str) -> None:
    """Send a password-reset link to a customer user's address, if there is such a user who may sign in.
    The caller says the same whether or not there was, so addresses cannot be probed."""
    try:
        email = normalized_email(email)
    except ValidationError:
        return
    user = CustomerUser.objects.select_related("customer").filter(email=email).first()
    if user is None or not may_sign_in(user):
        return
    with transaction.atomic():
        secret = _issue_link(user, purpose=CustomerUserToken.Purpose.RESET)
    url = base_url.rstrip("/") + reverse("portal:password_reset_confirm", args=[secret])
    _send_reset_mail(user, url)


def _send_reset_mail(user: CustomerUser, url: str) -> None:
    context = {"user": user, "url": url, "hours": settings.PASSWORD_RESET_TIMEOUT // 3600}
    subject = render_to_string("portal/email/password_reset_subject.txt", context).strip()
    body = render_to_string("portal/email/password_reset.txt", context)
    try:
        send_mail(subject, body, None, [user.email])
    except Exception:  # the page says the same either way; the log names the user by id only
        logger.exception("could not send a password-reset e-mail to customer user id %s", user.pk)


# --- staff: invite, change rights, delete (R-9, R-10) ------------------------------------------------


def customer_user_invite(
    *, customer: Customer, actor, email: str, name: str = "", rights: Iterable[str] = DEFAULT_RIGHTS
) -> tuple[CustomerUser, str]:
    """A new customer user of `customer`, invited: returns the user and the invitation's secret (its
    URL is invitation_path(secret)). Needs the right to create customer users."""
    rules.require(
        rules.may_invite_customer_users(actor, customer),
        _("You do not have the right to create customer users."),
    )
    email = normalized_email(email)
    rights = _checked_rights(rights)
    user = CustomerUser(
        customer=customer,
        email=email,
        name=(name or "").strip(),
        created_by=_staff(actor),
        **{right: right in rights for right in PORTAL_RIGHT_NAMES},
    )
    user.set_unusable_password()
    user.full_clean(exclude=["customer", "password", "email"])
    taken = ValidationError({"email": _("A customer user with this e-mail address already exists.")})
    with transaction.atomic():
        if CustomerUser.objects.filter(email=email).exists():
            raise taken
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:  # a concurrent invitation took the address
            raise taken from None
        record_changes(
            customer=customer, actor=_staff(actor), changes=[(HISTORY_USER, "", _rights_text(user))]
        )
        secret = _issue_link(user, purpose=CustomerUserToken.Purpose.INVITATION, actor=actor)
    return user, secret


@transaction.atomic
def customer_user_invite_again(*, customer_user: CustomerUser, actor) -> str:
    """A new invitation link for the user (the old links stop working). Needs the right to create
    customer users."""
    rules.require(
        rules.may_invite_customer_users(actor, customer_user.customer),
        _("You do not have the right to create customer users."),
    )
    record_changes(
        customer=customer_user.customer,
        actor=_staff(actor),
        changes=[(HISTORY_INVITATION, "", customer_user.email)],
    )
    return _issue_link(customer_user, purpose=CustomerUserToken.Purpose.INVITATION, actor=actor)


@transaction.atomic
def customer_user_set_rights(*, customer_user: CustomerUser, actor, rights: Iterable[str]) -> CustomerUser:
    """Give the user exactly these portal rights. Needs the right to change customer users' rights."""
    rules.require(
        rules.may_change_customer_user_rights(actor, customer_user.customer),
        _("You do not have the right to change customer users' rights."),
    )
    rights = _checked_rights(rights)
    user = CustomerUser.objects.select_for_update().select_related("customer").get(pk=customer_user.pk)
    before = _rights_text(user)
    for right in PORTAL_RIGHT_NAMES:
        setattr(user, right, right in rights)
    after = _rights_text(user)
    if after != before:
        user.save(update_fields=list(PORTAL_RIGHT_NAMES))
        record_changes(customer=user.customer, actor=_staff(actor), changes=[(HISTORY_RIGHTS, before, after)])
    return user


@transaction.atomic
def customer_user_delete(*, customer_user: CustomerUser, actor) -> None:
    """Delete the user with their sessions and links. Needs the right to delete customer users. The
    customer's history keeps that a user was added, changed and deleted, under the user's reference
    instead of the address."""
    customer = customer_user.customer
    rules.require(
        rules.may_delete_customer_users(actor, customer),
        _("You do not have the right to delete customer users."),
    )
    reference = f"CU-{customer_user.pk}"
    email = customer_user.email
    ChangeRecord.objects.filter(customer=customer, field__startswith=HISTORY_USER).filter(
        Q(old_value__contains=email) | Q(new_value__contains=email)
    ).update(
        old_value=Replace("old_value", Value(email), Value(reference)),
        new_value=Replace("new_value", Value(email), Value(reference)),
    )
    customer_user.delete()  # its sessions and links go with it
    record_changes(customer=customer, actor=_staff(actor), changes=[(HISTORY_USER, reference, "")])


# --- the portal: sessions ---------------------------------------------------------------------------


def session_age() -> timedelta:
    return timedelta(seconds=settings.KUND_PORTAL_SESSION_SECONDS)


@transaction.atomic
def session_start(*, customer_user: CustomerUser) -> str:
    """Sign the user in: a new session, whose key (returned once) goes into the portal's cookie."""
    now = timezone.now()
    PortalSession.objects.filter(customer_user=customer_user, expires_at__lte=now).delete()
    secret = secrets.token_urlsafe(32)
    PortalSession.objects.create(
        customer_user=customer_user,
        key_hash=secret_hash(secret),
        created_at=now,
        expires_at=now + session_age(),
    )
    CustomerUser.objects.filter(pk=customer_user.pk).update(last_login=now)
    return secret


def session_user(secret: str) -> CustomerUser | None:
    """The customer user a session key signs in, while the session lasts and the user may sign in.
    Using the portal moves the session's end on (at most one write every few minutes); eight idle hours
    end it."""
    if not secret:
        return None
    now = timezone.now()
    session = (
        PortalSession.objects.select_related("customer_user__customer")
        .filter(key_hash=secret_hash(secret), expires_at__gt=now)
        .first()
    )
    if session is None or not may_sign_in(session.customer_user):
        return None
    if session.expires_at < now + session_age() - timedelta(minutes=5):
        PortalSession.objects.filter(pk=session.pk).update(expires_at=now + session_age())
    return session.customer_user


def session_end(secret: str) -> None:
    if secret:
        PortalSession.objects.filter(key_hash=secret_hash(secret)).delete()


# --- the portal: reporting a fault -------------------------------------------------------------------


def portal_report_fault(
    *, customer_user: CustomerUser, description: str, installation=None, phone: str = "", files=()
) -> FaultReport:
    """A fault report on the user's own customer, from the portal: assigned to the customer's responsible
    user, who is notified (R-6, via fault_report_create)."""
    if not customer_user.can_report_faults:
        raise PermissionDenied(_("You do not have the right to do this."))
    if installation is not None and installation.customer_id != customer_user.customer_id:
        raise ValueError("the installation is another customer's")
    return fault_report_create(
        customer=customer_user.customer,
        actor=customer_user,
        data={
            "installation": installation,
            "description": description,
            "reporter_name": customer_user.name,
            "reporter_email": customer_user.email,
            "reporter_phone": phone,
        },
        files=files,
    )
