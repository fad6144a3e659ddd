"""Who is an administrator (SPEC R-9): a superuser, or a member of the Administrator group, which holds
every right of the register."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

ADMINISTRATOR_GROUP = "Administrator"
KUND_APP_LABELS = (
    "customers",
    "documents",
    "crm",
    "sales",
    "billing",
    "support",
    "service",
    "audit",
    "privacy",
    "core",
    "requests",
    "api",
    "portal",
    # --- events (B-8) and retention (B-6)
    "webhooks",
    "retention",
)


def is_administrator(user) -> bool:
    """Asked by many predicates on one page (the navigation among them): the group is looked up once per
    user object, as Django caches a user's permissions."""
    if not user or not isinstance(user, get_user_model()) or not user.is_authenticated or not user.is_active:
        return False  # a customer user of the portal is never an administrator
    if user.is_superuser:
        return True
    cached = getattr(user, "_kund_is_administrator", None)
    if cached is None:
        cached = user.groups.filter(name=ADMINISTRATOR_GROUP).exists()
        user._kund_is_administrator = cached
    return cached


def ensure_administrator_group() -> Group:
    """Give the Administrator group every permission of Kund's apps; run after every migrate."""
    group, _created = Group.objects.get_or_create(name=ADMINISTRATOR_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=KUND_APP_LABELS))
    return group
