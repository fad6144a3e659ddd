"""The customer card's portal panel (SPEC R-10): how many portal users the customer has, and its open
fault reports with a link to each. The card includes it with `{% portal_card_panel customer %}`; it shows
only to users who may view the customer, and not for an anonymized customer (A-4)."""

from django import template
from django.db.models import Count

from kund.core import rules
from kund.portal.models import CustomerUser
from kund.service.models import FaultReport

register = template.Library()

OPEN_FAULTS = 5


@register.inclusion_tag("portal/staff/card_panel.html", takes_context=True)
def portal_card_panel(context, customer) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if customer is None or customer.is_anonymized or not rules.may_see_customer_users(user, customer):
        return {"hidden": True}
    open_faults = (
        FaultReport.objects.filter(customer=customer, resolved=False)
        .annotate(file_count=Count("files"))
        .order_by("-reported_at", "-pk")[:OPEN_FAULTS]
    )
    return {
        "customer": customer,
        "user_count": CustomerUser.objects.filter(customer=customer).count(),
        "open_faults": list(open_faults),
        "can_invite": rules.may_invite_customer_users(user, customer),
    }
