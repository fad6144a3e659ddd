"""Granting the register's rights to a user (SPEC R-9). Only an administrator may, and an administrator
has every right through the Administrator group, so this edits a user's own permissions only."""

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext as _

from kund.core.rules import is_administrator

RIGHTS_APP = "customers"


@transaction.atomic
def user_set_rights(*, user, actor, codenames: list[str], offered: list[str]) -> None:
    """Give `user` exactly `codenames` among the `offered` rights; other permissions stay as they are."""
    if not is_administrator(actor):
        raise PermissionDenied(_("Only an administrator can grant rights."))
    unknown = set(codenames) - set(offered)
    if unknown:
        raise ValueError(f"not offered: {sorted(unknown)}")
    offered_perms = Permission.objects.filter(content_type__app_label=RIGHTS_APP, codename__in=offered)
    user.user_permissions.remove(*offered_perms)
    user.user_permissions.add(*[p for p in offered_perms if p.codename in codenames])


def user_rights(user, offered: list[str]) -> list[str]:
    return list(
        user.user_permissions.filter(content_type__app_label=RIGHTS_APP, codename__in=offered).values_list(
            "codename", flat=True
        )
    )
