from django.core.exceptions import PermissionDenied

from kund.core.cli import KundCommand, bad_input, customer_and_actor, not_done
from kund.customers.models import Customer
from kund.privacy.planner import plan_customer
from kund.privacy.services import ErasureRefused, customer_erase


class Command(KundCommand):
    help = "Delete or anonymize one customer, whichever applies (E-1). Cannot be undone."

    def add_arguments(self, parser):
        parser.add_argument("number", help="the customer number")
        parser.add_argument("--yes", action="store_true", help="confirm: erase, which cannot be undone")
        parser.add_argument("--as", dest="username", help="the acting user (needs the erasure right)")

    def handle(self, *args, number, yes, username, **options):
        customer, actor = customer_and_actor(number, username)
        if not yes:
            try:
                action = plan_customer(customer).action.value.replace("_", " ")
            except Customer.DoesNotExist:  # deleted since it was looked up: a deleted customer is unknown
                raise bad_input(f"unknown customer number: {number}") from None
            raise bad_input(
                f"nothing done: customer {customer.number} would be: {action}; add --yes to erase"
            )
        try:
            outcome = customer_erase(customer=customer, actor=actor)
        except PermissionDenied:
            raise not_done(
                f"user {actor.get_username()} does not have the right to erase customers"
            ) from None
        except ErasureRefused as exc:
            raise not_done(str(exc)) from None
        self.stdout.write(
            f"customer {outcome.number} {outcome.result}; erasure log receipt {outcome.receipt}"
        )
