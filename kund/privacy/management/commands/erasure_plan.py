import json

from kund.core.cli import KundCommand, bad_input, customer_and_actor
from kund.customers.models import Customer
from kund.privacy.planner import Action, plan_customer


class Command(KundCommand):
    help = "Show whether a customer would be deleted, anonymized, is blocked or is already anonymized (E-1)."

    def add_arguments(self, parser):
        parser.add_argument("number", help="the customer number")
        parser.add_argument("--json", action="store_true", help="print one JSON object")
        parser.add_argument("--as", dest="username", help="the acting user (default: the first superuser)")

    def handle(self, *args, number, username, **options):
        # The plan names the customer's records: only for a customer the acting user may view.
        customer, _actor = customer_and_actor(number, username)
        try:
            plan = plan_customer(customer)
        except Customer.DoesNotExist:  # deleted since it was looked up: a deleted customer is unknown
            raise bad_input(f"unknown customer number: {number}") from None
        if options["json"]:
            self.stdout.write(json.dumps(plan.as_dict(), ensure_ascii=False))
            return
        self.stdout.write(f"customer {plan.number}: {plan.action.value.replace('_', ' ')}")
        for blocker in plan.blockers:
            self.stdout.write(f"  blocked by {blocker.kind} {blocker.ref}: {blocker.reason}")
        if plan.action == Action.DELETE and plan.documents_to_delete:
            self.stdout.write(f"  documents deleted with it: {plan.documents_to_delete}")
        if plan.linked:
            self.stdout.write("  linked: " + ", ".join(f"{k} {v}" for k, v in sorted(plan.linked.items())))
        for kept in plan.kept_free_text:
            self.stdout.write(f"  kept free text to review: {kept.kind} {kept.ref} {kept.field}")
        for found in plan.as_dict()["residue"]:
            self.stdout.write(
                f"  the person's details, redacted on anonymization: {found['kind']} {found['ref']} "
                f"{found['field']} ({found['found'].replace('_', ' ')})"
            )
