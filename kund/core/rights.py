"""Who is an administrator (SPEC R-9): a superuser, or a member of the Administrator group, which holds
every right of the register."""

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
)


def is_administrator(user) -> bool:
    if not user or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=ADMINISTRATOR_GROUP).exists()


def ensure_administrator_group() -> Group:
    """Give the Administrator group every permission of Kund's apps; run after every migrate."""
    group, _created = Group.objects.get_or_create(name=ADMINISTRATOR_GROUP)
    group.permissions.set(Permission.objects.filter(content_type__app_label__in=KUND_APP_LABELS))
    return group
