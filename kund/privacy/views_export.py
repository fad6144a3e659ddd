"""The access export of one customer (B-1) from the customer card: JSON to download, HTML to read and
print. Requires the right to view the customer (R-9); each export is recorded in its history."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from kund.core import rules
from kund.customers.models import Customer
from kund.privacy.access_export import access_export


def _customer_for(request: HttpRequest, customer_id: int) -> Customer:
    """The customer, if the user may export it (kund.core.rules); to anyone else it does not exist, so
    unknown and forbidden ids answer alike."""
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None or not rules.may_export(request.user, customer):
        raise Http404
    return customer


@login_required
@require_GET
def export_json(request: HttpRequest, customer_id: int) -> HttpResponse:
    export = access_export(customer=_customer_for(request, customer_id), actor=request.user)
    response = HttpResponse(export.as_json(), content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="customer-{export.customer_number}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_GET
def export_html(request: HttpRequest, customer_id: int) -> HttpResponse:
    export = access_export(customer=_customer_for(request, customer_id), actor=request.user)
    response = HttpResponse(export.as_html(request))
    response["Cache-Control"] = "no-store"
    return response
