"""What the navigation bar needs to know about the signed-in user, computed once per request."""

from django.http import HttpRequest


def navigation(request: HttpRequest) -> dict[str, bool]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_can_view_customers": False, "nav_can_admin": False, "nav_can_mass_erase": False}
    return {
        # SPEC R-9: seeing only one's own customers is still seeing the register.
        "nav_can_view_customers": (
            user.has_perm("customers.view_customer") or user.has_perm("customers.view_assigned_customer")
        ),
        "nav_can_admin": user.is_active and user.is_staff,
        # SPEC M-6: the mass-erasure right and the CRM module (its setting read only for those with it).
        "nav_can_mass_erase": user.has_perm("customers.mass_erase_customers") and _crm_enabled(),
    }


def _crm_enabled() -> bool:
    from kund.core.models import RegisterSettings

    return RegisterSettings.load().crm_enabled
