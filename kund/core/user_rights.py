"""Granting the register's rights to a user (SPEC R-9). Only an administrator may (rules.may_manage_users),
and an administrator has every right through the Administrator group, so this edits a user's own
permissions only. Every change is recorded in the user's history (kund.core.models.UserEvent)."""

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils.translation import gettext as _

from kund.core import rules
from kund.core.models import UserEvent

RIGHTS_APP = "customers"


@transaction.atomic
def user_set_rights(*, user, actor, codenames: list[str], offered: list[str]) -> None:
    """Give `user` exactly `codenames` among the `offered` rights; other permissions stay as they are."""
    rules.require(rules.may_manage_users(actor), _("Only an administrator can grant rights."))
    unknown = set(codenames) - set(offered)
    if unknown:
        raise ValueError(f"not offered: {sorted(unknown)}")
    before = sorted(user_rights(user, offered))
    offered_perms = Permission.objects.filter(content_type__app_label=RIGHTS_APP, codename__in=offered)
    user.user_permissions.remove(*offered_perms)
    user.user_permissions.add(*[p for p in offered_perms if p.codename in codenames])
    after = sorted(set(codenames))
    if before != after:
        UserEvent.objects.create(
            user=user,
            actor=actor,
            event=UserEvent.Event.RIGHTS_CHANGED,
            old_value=" ".join(before),
            new_value=" ".join(after),
        )
    for cache in ("_perm_cache", "_user_perm_cache"):
        user.__dict__.pop(cache, None)


def user_rights(user, offered: list[str]) -> list[str]:
    return list(
        user.user_permissions.filter(content_type__app_label=RIGHTS_APP, codename__in=offered).values_list(
            "codename", flat=True
        )
    )
