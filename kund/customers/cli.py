"""What the management commands of the apps share about customers: one found by its number for the
acting user (--as), or one line and exit 2 (SPEC §8). Kept here, not in kund.core.cli, because core
names no app."""

from django.core.management import CommandError
from django.utils.translation import gettext as _

from kund.core import rules
from kund.core.cli import acting_user, bad_input
from kund.customers.models import Customer


def unknown_customer(number: str) -> CommandError:
    return bad_input(_("unknown customer number: %(number)s") % {"number": number})


def customer_by_number(number: str) -> Customer:
    customer = Customer.objects.filter(number=number.strip()).first()
    if customer is None:
        raise unknown_customer(number)
    return customer


def customer_and_actor(number: str, username: str | None):
    """The customer with this number and the acting user (--as), if that user may view the customer
    (kund.core.rules): to them any other customer is unknown, as a deleted one is, so numbers cannot be
    probed."""
    customer = customer_by_number(number)
    actor = acting_user(username)
    if not rules.may_view(actor, customer):
        raise unknown_customer(number)
    return customer, actor
