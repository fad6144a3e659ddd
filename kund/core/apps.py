from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _after_migrate(sender, using="default", **kwargs):
    from kund.core.db import make_customer_links_immediate
    from kund.core.rights import KUND_APP_LABELS, ensure_administrator_group

    # Permissions of an app are created when post_migrate is sent for it, so refresh the group after
    # each of Kund's apps; the last one leaves it complete. Likewise the links to customers.
    if sender.label in KUND_APP_LABELS:
        ensure_administrator_group()
        make_customer_links_immediate(using)


class CoreConfig(AppConfig):
    name = "kund.core"
    label = "core"
    verbose_name = _("Kund")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from kund.core.middleware import session_seen_at_sign_in

        post_migrate.connect(_after_migrate, dispatch_uid="kund-administrator-group")
        user_logged_in.connect(session_seen_at_sign_in, dispatch_uid="kund-session-seen")
