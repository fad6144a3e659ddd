from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kund.core.cli import KundCommand, bad_input, not_done
from kund.customers.cli import customer_and_actor, unknown_customer
from kund.customers.models import Customer
from kund.privacy import reasons
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
                action = plan_customer(customer).action.value
            except Customer.DoesNotExist:  # deleted since it was looked up: a deleted customer is unknown
                raise unknown_customer(number) from None
            raise bad_input(
                _("nothing done: customer %(number)s would be: %(action)s; add --yes to erase")
                % {"number": customer.number, "action": reasons.action_text(action)}
            )
        try:
            outcome = customer_erase(customer=customer, actor=actor)
        except PermissionDenied:
            raise not_done(
                _("user %(username)s does not have the right to erase customers")
                % {"username": actor.get_username()}
            ) from None
        except ErasureRefused as exc:
            raise not_done(str(exc)) from None
        done = {
            "deleted": _("customer %(number)s deleted; erasure log receipt %(receipt)s"),
            "anonymized": _("customer %(number)s anonymized; erasure log receipt %(receipt)s"),
        }
        self.stdout.write(done[outcome.result] % {"number": outcome.number, "receipt": outcome.receipt})
