"""Reading for the portal. Every portal query starts here, from the signed-in customer user's own
customer, so another customer's record is not found — a 404 — whatever id is typed into a URL."""

from django.db.models import Model, QuerySet

from kund.portal.models import CustomerUser
from kund.service.models import FaultReportFile

# How a model's rows reach their customer, where it is not a `customer` field of their own.
_LINK = {FaultReportFile: "fault_report__customer"}


def portal_records(customer_user: CustomerUser, model: type[Model]) -> QuerySet:
    """The rows of `model` that belong to the customer user's customer."""
    link = _LINK.get(model, "customer")
    return model._default_manager.filter(**{link: customer_user.customer_id})
