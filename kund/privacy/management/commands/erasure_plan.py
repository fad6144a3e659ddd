import json

from django.utils.translation import gettext as _

from kund.core.cli import KundCommand
from kund.customers.cli import customer_and_actor, unknown_customer
from kund.customers.models import Customer
from kund.privacy import presenters, reasons
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
            raise unknown_customer(number) from None
        if options["json"]:
            # The codes of SPEC §8, in no language.
            self.stdout.write(json.dumps(plan.as_dict(), ensure_ascii=False))
            return
        # In words of the command's language, each line whole.
        self.stdout.write(
            _("customer %(number)s: %(action)s")
            % {"number": plan.number, "action": reasons.action_text(plan.action.value)}
        )
        for blocker in plan.blockers:
            said = reasons.blocker_text(blocker.kind, blocker.ref, blocker.reason)
            self.stdout.write("  " + _("blocked: %(blocker)s") % {"blocker": said})
        if plan.action == Action.DELETE and plan.documents_to_delete:
            self.stdout.write(
                "  " + _("documents deleted with it: %(count)d") % {"count": plan.documents_to_delete}
            )
        if plan.linked:
            counts = ", ".join(f"{label} {n}" for label, n in presenters.linked_summary(plan))
            self.stdout.write("  " + _("linked: %(counts)s") % {"counts": counts})
        for kept in plan.kept_free_text:
            self.stdout.write(
                "  "
                + _("kept free text to review: %(record)s %(ref)s, %(field)s")
                % {
                    "record": presenters.kind_label(kept.kind),
                    "ref": kept.ref,
                    "field": presenters.field_label(kept.kind, kept.field),
                }
            )
        for found in plan.as_dict()["residue"]:
            self.stdout.write(
                "  "
                + _(
                    "the person's details, redacted on anonymization: "
                    "%(record)s %(ref)s, %(field)s (%(found)s)"
                )
                % {
                    "record": presenters.kind_label(found["kind"]),
                    "ref": found["ref"],
                    "field": presenters.field_label(found["kind"], found["field"]),
                    "found": reasons.found_text(found["found"]),
                }
            )
