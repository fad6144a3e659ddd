"""The register's users (SPEC R-9): made, deactivated and reactivated, and their passwords reset, by an
administrator (rules.may_manage_users). One function per operation, called by every door; each locks the
user's row, writes, and records a UserEvent in the same transaction. Their rights: kund.core.user_rights.

Users are never deleted. The erasure log names who erased (by username) and the change history links to
them, so a user who leaves is deactivated: they can no longer sign in (a session they still have ends at
its next request, Django's ModelBackend refusing an inactive user), their API tokens stop working, and
everything they did stays traceable. A deactivated user can be reactivated. Nobody deactivates themselves:
an administrator cannot lock the register's last door behind them by mistake.

A password is reset to a new random one that the administrator is shown once and passes on, rather than
one the administrator types: a typed password is the kind people guess (or the same for every user reset
that week), while this one is long, random and checked by the same validators as any other; it never
passes through a form, so no browser offers to remember it; it is shown once in the answer to the request
that made it (not stored, logged, put in a URL, a message or the session); and setting it signs the user
out everywhere, as a session is bound to the password it was opened with. The user then chooses their own
under "Change password" in their menu.
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from kund.core import rules
from kund.core.models import UserEvent
from kund.core.user_rights import user_set_rights

Event = UserEvent.Event

# No characters that are read wrongly from a screen or over the telephone (0/O, 1/l/I).
PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"
PASSWORD_GROUPS = 4
PASSWORD_GROUP_LENGTH = 5  # 20 random characters of 31: about 99 bits


def _require(actor) -> None:
    rules.require(rules.may_manage_users(actor), _("Only an administrator can manage users."))


def record(*, user, actor, event: Event, old: str = "", new: str = "") -> UserEvent:
    """One row of a user's history; called inside the change's transaction."""
    return UserEvent.objects.create(
        user=user,
        actor=actor if actor is not None and actor.is_authenticated else None,
        event=event,
        old_value=old,
        new_value=new,
    )


def _locked(user):
    return get_user_model().objects.select_for_update().get(pk=user.pk)


def _copy_back(row, user):
    """The caller's object shows what was stored (and loses its cached permissions)."""
    for name in ("is_active", "password", "last_login"):
        setattr(user, name, getattr(row, name))
    for cache in ("_perm_cache", "_user_perm_cache", "_group_perm_cache", "_kund_is_administrator"):
        user.__dict__.pop(cache, None)
    return user


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    password: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    rights: list[str] | tuple[str, ...] = (),
    offered: list[str] | tuple[str, ...] = (),
):
    """A new active user of the register, signing in with `password` (checked by Django's password
    validators against the user's own details), holding exactly `rights` among the `offered` ones.

    Bad input raises ValidationError naming the field (a username taken, in any case; a password the
    validators refuse), and nothing is made."""
    _require(actor)
    model = get_user_model()
    user = model(username=username, first_name=first_name, last_name=last_name, email=email, is_active=True)
    user.username = model.normalize_username(user.username)
    user.email = model.objects.normalize_email(user.email)
    errors = {}
    try:
        user.full_clean(exclude=["password", "last_login"], validate_unique=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    if "username" not in errors and model.objects.filter(username__iexact=user.username).exists():
        errors["username"] = [_("That username is already taken.")]
    try:
        validate_password(password, user)
    except ValidationError as error:
        errors["password"] = list(error.messages)
    if errors:
        raise ValidationError(errors)
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:  # the same username, made meanwhile
        raise ValidationError({"username": [_("That username is already taken.")]}) from None
    record(user=user, actor=actor, event=Event.CREATED)
    if rights:
        user_set_rights(user=user, actor=actor, codenames=list(rights), offered=list(offered))
    return user


def user_set_active(*, actor, user, active: bool):
    """Deactivate (active=False) or reactivate a user. Never oneself; nothing is recorded when the user
    already is as asked."""
    _require(actor)
    if not active and user.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate yourself."))
    with transaction.atomic():
        row = _locked(user)
        if row.is_active != active:
            row.is_active = active
            row.save(update_fields=["is_active"])
            record(user=row, actor=actor, event=Event.REACTIVATED if active else Event.DEACTIVATED)
    return _copy_back(row, user)


def new_password() -> str:
    groups = (
        "".join(secrets.choice(PASSWORD_ALPHABET) for _i in range(PASSWORD_GROUP_LENGTH))
        for _g in range(PASSWORD_GROUPS)
    )
    return "-".join(groups)


def _valid_new_password(user) -> str:
    for _attempt in range(10):
        password = new_password()
        try:
            validate_password(password, user)
        except ValidationError:  # all but impossible for 20 random characters: choose again
            continue
        return password
    raise ValidationError(_("No password could be made that the password rules accept."))


def user_reset_password(*, actor, user) -> str:
    """Give the user a new random password and return it, for the caller to show once (see the module's
    docstring). Not one's own: that is changed under "Change password", knowing the old one."""
    _require(actor)
    if user.pk == actor.pk:
        raise ValidationError(_("Change your own password under “Change password” in your menu."))
    with transaction.atomic():
        row = _locked(user)
        password = _valid_new_password(row)
        row.set_password(password)
        row.save(update_fields=["password"])
        record(user=row, actor=actor, event=Event.PASSWORD_RESET)
    _copy_back(row, user)
    return password
