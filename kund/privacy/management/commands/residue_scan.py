import json

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from kund.core import rules
from kund.core.cli import KundCommand, acting_user, bad_input, not_done
from kund.customers.models import Customer
from kund.privacy import presenters, reasons, residue

SCAN_CHUNK = 1000  # customers read per round of queries


class Command(KundCommand):
    help = (
        "Find the person's details left in kept free text and documents (SPEC B-5): in customers not yet "
        "anonymized (what anonymizing them will redact), or with --anonymized in customers anonymized "
        "before Kund redacted it; --redact --yes takes it out of those. Prints where, never what."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--anonymized", action="store_true", help="scan the customers that are already anonymized"
        )
        parser.add_argument("--json", action="store_true", help="print one JSON object with the counts")
        parser.add_argument(
            "--redact", action="store_true", help="with --anonymized and --yes: redact what is found"
        )
        parser.add_argument("--yes", action="store_true", help="confirm --redact, which cannot be undone")
        parser.add_argument("--as", dest="username", help="the acting user (to redact: the erasure right)")

    def handle(self, *args, anonymized, redact, yes, username, **options):
        if redact and not anonymized:
            raise bad_input(_("--redact works on anonymized customers only: add --anonymized"))
        if redact and not yes:
            raise bad_input(_("nothing done: --redact cannot be undone; add --yes to redact"))
        actor = acting_user(username)
        if not rules.may_view_register(actor):
            raise not_done(
                _("user %(username)s does not have the right to view customers")
                % {"username": actor.get_username()}
            )
        if redact and not rules.may_erase_any(actor):
            raise not_done(_no_erasure_right(actor))

        customers = Customer.objects.anonymized() if anonymized else Customer.objects.not_anonymized()
        visible = rules.restrict(customers, actor).order_by("pk")
        ids = list(visible.values_list("pk", flat=True))
        numbers = dict(visible.values_list("pk", "number"))
        findings = {}
        for start in range(0, len(ids), SCAN_CHUNK):
            findings.update(residue.scan_customers(ids[start : start + SCAN_CHUNK], from_vouchers=anonymized))

        redacted = 0
        if redact and findings:
            try:
                redacted = residue.redact_anonymized(customer_ids=sorted(findings), actor=actor).findings
            except PermissionDenied:
                raise not_done(_no_erasure_right(actor)) from None

        counts = {
            "customers": len(findings),
            "findings": sum(len(found) for found in findings.values()),
            "redacted": redacted,
            "scanned": len(ids),
        }
        if options["json"]:
            self.stdout.write(json.dumps(counts))
            return
        for customer_id in sorted(findings, key=lambda pk: numbers[pk]):
            for finding in findings[customer_id]:
                self.stdout.write(
                    _("customer %(number)s: %(record)s %(ref)s, %(field)s (%(found)s)")
                    % {
                        "number": numbers[customer_id],
                        "record": presenters.kind_label(finding.kind),
                        "ref": finding.ref,
                        "field": presenters.field_label(finding.kind, finding.field),
                        "found": reasons.found_text(finding.found),
                    }
                )
        if redact:
            summary = _(
                "scanned %(scanned)d: %(findings)d findings in %(customers)d customers, %(redacted)d redacted"
            )
        else:
            summary = _("scanned %(scanned)d: %(findings)d findings in %(customers)d customers")
        self.stdout.write(summary % counts)


def _no_erasure_right(actor) -> str:
    return _("user %(username)s does not have the right to erase customers") % {
        "username": actor.get_username()
    }
