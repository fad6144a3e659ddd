"""The customer card's erasure panel (SPEC E-1, E-4): which action applies to the customer, decided by the
planner in one query. The card includes privacy/card_panel.html, which uses this only for a user with
the erasure right. And `erasure_reason`: a run's stored reason in the reader's language."""

from django import template

from kund.customers.models import Customer
from kund.privacy import reasons
from kund.privacy.planner import Action, classify

register = template.Library()


@register.simple_tag
def erasure_action(customer) -> str:
    if customer is None or customer.pk is None:
        return ""
    if customer.anonymized_at is not None:
        return Action.ALREADY_ANONYMIZED.value
    action = classify(Customer.objects.filter(pk=customer.pk)).values_list("erasure_action", flat=True)
    return action.first() or ""


@register.filter
def erasure_reason(code: str) -> str:
    """Why a run left a customer out (a code, kund.privacy.reasons), in the active language."""
    return reasons.describe(code or "")


@register.inclusion_tag("privacy/_what_stays.html")
def what_stays() -> dict:
    """A-3 in words for the pages that erase many customers at once: what anonymization leaves, and the law
    that keeps it (the single customer's page lists the customer's own vouchers instead)."""
    from kund.privacy.presenters import legal_copy_terms

    return legal_copy_terms()
