"""Kund's template tags.

`customer_link` is how every page shows a customer: a link to the customer card, except for an
anonymized customer, who is shown as a plain, non-clickable "Xxxx Xxxx" (a company: "Xxxx") with a hint
(SPEC A-6, S-4, seed 001) so that no list or document leads back to the card of someone the register has
forgotten.
"""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from kund.customers.models import anonymized_display_name

register = template.Library()


def customer_url(customer) -> str:
    """The customer's card: /customers/<customer number>/. Given only an id (an int), or a customer whose
    number was not loaded, the link goes through /customers/id/<id>/, which redirects to the card; no
    query is made for the number."""
    if isinstance(customer, int):
        name, key = "customers:by_id", customer
    elif "number" not in customer.__dict__:  # deferred (get_deferred_fields() looks at every field)
        name, key = "customers:by_id", customer.pk
    else:
        name, key = "customers:detail", customer.number
    try:
        return reverse(name, args=[key])
    except NoReverseMatch:  # not a number the URLs take, or a project without the register's pages
        return f"/customers/id/{customer.pk if not isinstance(customer, int) else customer}/"


def anonymized_hint() -> str:
    return format_html(
        '<span class="badge text-bg-light border fw-normal ms-1 kund-anonymized-hint">'
        '<i class="bi bi-incognito me-1" aria-hidden="true"></i>{}</span>',
        _("anonymized customer"),
    )


@register.filter
def customer_link(customer) -> str:
    """`{{ invoice.customer|customer_link }}`: the customer's name linked to the card, or "Xxxx Xxxx"
    ("Xxxx" for a company) unlinked with an "anonymized customer" hint. Needs only id, number, name
    and anonymized_at of the customer (select them with the row, e.g. `select_related("customer")` or
    `.only(...)`, to avoid a query per row; without the number the link goes through the id redirect)."""
    if customer is None:
        return ""
    if customer.anonymized_at is not None:
        return format_html(
            '<span class="kund-anonymized-customer">{}</span>{}',
            anonymized_display_name(customer),
            anonymized_hint(),
        )
    return format_html(
        '<a href="{}" class="kund-customer-link">{}</a>', customer_url(customer), customer.name
    )


@register.simple_tag
def anonymized_customer_hint() -> str:
    """The hint alone, for a document whose own copy of the name stays (the invoice's legal copy, A-3)."""
    return anonymized_hint()
