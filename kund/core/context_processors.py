"""What the navigation bar needs to know about the signed-in user, computed once per request."""

from django.http import HttpRequest

from kund.core import rules


def navigation(request: HttpRequest) -> dict[str, bool]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {
            "nav_can_view_customers": False,
            "nav_can_admin": False,
            "nav_can_mass_erase": False,
            "nav_can_see_selections": False,
            "nav_can_handle_requests": False,
            "nav_can_manage_webhooks": False,
            "nav_can_manage_retention": False,
        }
    return {
        # SPEC R-9: seeing only one's own customers is still seeing the register.
        "nav_can_view_customers": rules.may_view_register(user),
        "nav_can_admin": rules.may_use_admin(user),
        # SPEC M-6: the mass-erasure right and the CRM module.
        "nav_can_mass_erase": rules.may_mass_erase(user),
        "nav_can_see_selections": rules.may_see_selections(user),
        # SPEC B-7: the register of data-subject requests.
        "nav_can_handle_requests": rules.may_handle_requests(user),
        # SPEC B-8, B-6: connected systems and retention rules, for administrators.
        "nav_can_manage_webhooks": rules.may_manage_webhooks(user),
        "nav_can_manage_retention": rules.may_manage_retention(user),
    }
