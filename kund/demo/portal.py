"""The demo's customer-portal login (`make demo`, scripts/demo): one seeded customer user gets the password
kept in var/portal-password, like the admin's in var/admin-password."""

from django.db.models import Exists, OuterRef

from kund.customers.models import Customer
from kund.portal.models import CustomerUser
from kund.service.models import ServiceProtocol


def demo_portal_login(password: str) -> str:
    """The e-mail address of the demo's portal user, whose password is made `password`; "" when the
    register has no customer user to show. Always the same user for the same data: the first one, by id,
    of an active company with a responsible user and service protocols, who sees everything."""
    protocols = ServiceProtocol.objects.filter(customer=OuterRef("customer"))
    user = (
        CustomerUser.objects.filter(
            Exists(protocols),
            customer__status=Customer.Status.ACTIVE,
            customer__anonymized_at__isnull=True,
            customer__responsible__isnull=False,
            can_see_protocols=True,
            can_see_installations=True,
            can_report_faults=True,
        )
        .order_by("pk")
        .first()
    )
    if user is None:
        return ""
    if not user.check_password(password):
        user.set_password(password)
        user.save(update_fields=["password"])
    return user.email
