"""Who may do what (SPEC R-9, E-4, M-6, S-2): the one place every door asks.

The register's views, the command line (`--as`), the exports and file downloads, the erasure pages and
jobs, the saved selections, the navigation, the Django admin and the API all call these predicates; none
of them reads a permission by name. Each rule is written once here.

The rights are Django permissions of the `customers` app, granted per user by an administrator, who holds
them all through the Administrator group (kund.core.rights). "Only assigned" is a restriction, not a
right of its own: a user with the view-only-assigned right (and no full view right) sees only the
customers whose responsible user they are — in every door, erasure and exports included.

A predicate about one customer takes the customer (anything with `responsible_id` and `is_anonymized`);
`restrict()` answers the same question for a whole queryset, so a list and a single page cannot disagree.
Core imports no app: the customer model is never named here.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from kund.core.rights import is_administrator

__all__ = [
    "is_administrator",
    "may_assign",
    "may_assign_any",
    "may_change_any",
    "may_change",
    "may_create",
    "may_delete_files",
    "may_erase",
    "may_erase_selection",
    "may_export",
    "may_handle_requests",
    "may_manage_retention",
    "may_manage_webhooks",
    "may_mass_erase",
    "may_see_selections",
    "may_upload",
    "may_upload_files",
    "may_view",
    "may_view_erasure_log",
    "may_view_register",
    "may_use_admin",
    "may_manage_users",
    # customer users
    "may_change_customer_user_rights",
    "may_delete_customer_users",
    "may_invite_customer_users",
    "may_see_customer_users",
    "require",
    "restrict",
]

APP = "customers"
VIEW = "view_customer"
VIEW_ASSIGNED = "view_assigned_customer"
CHANGE = "change_customer"
CHANGE_ASSIGNED = "change_assigned_customer"
CREATE = "add_customer"
ERASE = "erase_customer"
MASS_ERASE = "mass_erase_customers"
UPLOAD = "upload_customers"
ASSIGN = "assign_customer"
DELETE_FILES = "delete_customer_files"
ADD_CUSTOMER_USER = "add_customer_user"
CHANGE_CUSTOMER_USER_RIGHTS = "change_customer_user_rights"
DELETE_CUSTOMER_USER = "delete_customer_user"


def _active(user) -> bool:
    """A signed-in, active user of the register. Only rows of Django's user model are: a customer user of
    the portal (R-10) is another model, and every rule here says no to it, whatever it holds."""
    return bool(
        user is not None and isinstance(user, get_user_model()) and user.is_authenticated and user.is_active
    )


def _has(user, codename: str) -> bool:
    return _active(user) and user.has_perm(f"{APP}.{codename}")


def _assigned_to(user, customer) -> bool:
    return customer.responsible_id is not None and customer.responsible_id == user.pk


# --- the register -----------------------------------------------------------------------------------


def may_view_register(user) -> bool:
    """The customer list and cards: all customers, or only one's own (R-9's "view only assigned")."""
    return _has(user, VIEW) or _has(user, VIEW_ASSIGNED)


def may_view(user, customer) -> bool:
    """See this customer: its card, its records, its files, its access export."""
    if _has(user, VIEW):
        return True
    return _has(user, VIEW_ASSIGNED) and _assigned_to(user, customer)


def sees_only_assigned(user) -> bool:
    return not _has(user, VIEW) and _has(user, VIEW_ASSIGNED)


def restrict(queryset: QuerySet, user, *, via: str = "") -> QuerySet:
    """The rows of `queryset` the user may view: customers (via="") or records that reach their customer
    through `via` (e.g. "customer__"). The queryset form of may_view()."""
    if _has(user, VIEW):
        return queryset
    if _has(user, VIEW_ASSIGNED):
        return queryset.filter(**{f"{via}responsible": user.pk})
    return queryset.none()


def may_change(user, customer) -> bool:
    """Change or deactivate: the change right, or change-only-assigned for one's own; never an anonymized
    customer (A-4), never one the user cannot see."""
    if customer.is_anonymized or not may_view(user, customer):
        return False
    if _has(user, CHANGE):
        return True
    return _has(user, CHANGE_ASSIGNED) and _assigned_to(user, customer)


def may_change_any(user) -> bool:
    """Holds a change right at all: whether the edit pages exist for the user."""
    return _has(user, CHANGE) or _has(user, CHANGE_ASSIGNED)


def may_assign_any(user) -> bool:
    return _has(user, ASSIGN)


def may_create(user) -> bool:
    return _has(user, CREATE)


def may_assign(user, customer) -> bool:
    return not customer.is_anonymized and may_view(user, customer) and _has(user, ASSIGN)


def may_upload(user) -> bool:
    """R-8: upload a customer register (import)."""
    return _has(user, UPLOAD)


def may_export(user, customer) -> bool:
    """The access export (B-1) and every file of the customer: whoever may view the customer."""
    return may_view(user, customer)


def may_upload_files(user, customer) -> bool:
    """Add a document to the customer's card: R-9's upload right, for a customer the user may see, never
    an anonymized one (A-4: nothing new is added to it)."""
    return may_upload(user) and not customer.is_anonymized and may_view(user, customer)


def may_delete_files(user, customer) -> bool:
    """R-9's "delete uploaded files", for a customer the user may see and change."""
    return _has(user, DELETE_FILES) and not customer.is_anonymized and may_view(user, customer)


# --- customer users (R-10) ---------------------------------------------------------------------------
# The staff side of the portal: three rights of R-9, each for a customer the user may view. Customer users
# themselves never pass any rule of this module (see _active); the portal asks its own question, which
# customer the signed-in customer user belongs to (kund.portal.selectors).


def may_see_customer_users(user, customer) -> bool:
    """The list of a customer's portal users: whoever may view the customer."""
    return may_view(user, customer)


def may_invite_customer_users(user, customer) -> bool:
    """R-9's "create customer users" (and invite them again), never for an anonymized customer."""
    return _has(user, ADD_CUSTOMER_USER) and not customer.is_anonymized and may_view(user, customer)


def may_change_customer_user_rights(user, customer) -> bool:
    """R-9's "change customer users' rights" (their portal rights), never for an anonymized customer."""
    return _has(user, CHANGE_CUSTOMER_USER_RIGHTS) and not customer.is_anonymized and may_view(user, customer)


def may_delete_customer_users(user, customer) -> bool:
    """R-9's "delete customer users"."""
    return _has(user, DELETE_CUSTOMER_USER) and may_view(user, customer)


# --- erasure ----------------------------------------------------------------------------------------


def may_erase_any(user) -> bool:
    """Holds the erasure right at all (E-4): whether the erasure page and command are offered."""
    return _has(user, ERASE)


def may_erase(user, customer) -> bool:
    """E-4: delete or anonymize this customer — the erasure right, for a customer the user may view."""
    return _has(user, ERASE) and may_view(user, customer)


def crm_enabled() -> bool:
    from kund.core.models import RegisterSettings

    return RegisterSettings.load().crm_enabled


def may_hold_mass_right(user) -> bool:
    """The mass-erasure right itself, whatever the CRM switch says."""
    return _has(user, MASS_ERASE)


def may_mass_erase(user) -> bool:
    """M-6: the mass-erasure right, and the CRM module switched on."""
    return _has(user, MASS_ERASE) and crm_enabled()


def may_view_erasure_log(user) -> bool:
    """The erasure log (B-2) names no person — customer numbers, actions, who, when, row counts — but it
    lists every erasure: for those who erase (the erasure or the mass-erasure right), to check their
    receipts, and administrators."""
    return _has(user, ERASE) or _has(user, MASS_ERASE) or is_administrator(user)


def may_see_selections(user) -> bool:
    """Saved selections name customers and hold their filters: only for those who may mass-erase or
    administer."""
    return is_administrator(user) or may_hold_mass_right(user)


def may_save_selection(user) -> bool:
    return may_view_register(user) and may_see_selections(user)


def may_erase_selection(user) -> bool:
    """S-2: only an administrator erases a saved selection."""
    return is_administrator(user)


# --- data-subject requests (B-7) ---------------------------------------------------------------------


def may_handle_requests(user) -> bool:
    """See and handle the register of erasure and access requests (B-7), its pages, its command and its
    figures on the start page: the erasure right together with the right to view every customer.

    The register names people who asked about their data, customers or not, and the requests are
    answered by an erasure or an access export — so it belongs to those who may erase. Not to a user who
    views only assigned customers: a request need not name a customer, so their restriction could not
    be applied to the register. The administrator holds both rights.
    """
    return _has(user, ERASE) and _has(user, VIEW)


# --- events to connected systems (B-8) and retention rules (B-6) --------------------------------------


def may_manage_webhooks(user) -> bool:
    """Subscribe, pause and test connected systems: an administrator only (the subscriptions' secrets
    sign what Kund tells other systems about erasures)."""
    return is_administrator(user)


def may_manage_retention(user) -> bool:
    """Define retention rules and approve their dry-runs: an administrator only (a rule erases customers
    without anyone asking each time)."""
    return is_administrator(user)


# --- the register's users (R-9) ---------------------------------------------------------------------


def may_manage_users(user) -> bool:
    """The users of the register and their rights (R-9: "granted by an administrator"): list them, create
    one, deactivate or reactivate one, reset a password, grant rights. An administrator only: a user who
    could grant rights could grant them to themselves."""
    return is_administrator(user)


# --- the back office --------------------------------------------------------------------------------


def may_use_admin(user) -> bool:
    """Django's admin is a back office for administrators, never a way around these rules."""
    return _active(user) and user.is_staff and is_administrator(user)


# --- asking -----------------------------------------------------------------------------------------


def require(allowed: bool, message: str | None = None) -> None:
    """Raise PermissionDenied (with a message that names no personal data) unless `allowed`."""
    if not allowed:
        raise PermissionDenied(message or _("You do not have the right to do this."))
