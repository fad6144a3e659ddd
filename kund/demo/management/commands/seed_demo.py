"""`kund seed_demo --customers N [--seed S]` (SPEC §8): fills the database with demo data, see
kund/demo/seeder.py."""

import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from kund.core.cli import KundCommand
from kund.demo.seeder import Case, seed_demo

# The most customers one run adds: ten times the largest register the benchmarks seed.
MAX_CUSTOMERS = 10_000_000

# The erasure cases the report counts (kund.demo.seeder.Case), in words.
CASE_WORDS = {
    Case.NO_TRANSACTIONS: gettext_lazy("no transactions"),
    Case.SETTLED: gettext_lazy("settled"),
    Case.RECENT: gettext_lazy("recent purchases"),
    Case.NOT_DELIVERED: gettext_lazy("not delivered"),
    Case.NOT_INVOICED: gettext_lazy("not invoiced"),
    Case.UNPAID: gettext_lazy("not paid"),
    Case.ONGOING_AGREEMENT: gettext_lazy("ongoing agreement"),
    Case.OWN_DETAILS_IN_FREE_TEXT: gettext_lazy("own details in free text"),
    Case.ANONYMIZED: gettext_lazy("already anonymized"),
}


def _count(option: str, value: str | None, maximum: int | None = None) -> int:
    if value is None:
        raise CommandError(_("%(option)s is required") % {"option": option}, returncode=2)
    try:
        number = int(value) if len(value) <= 30 else None  # a thousand digits cost a long conversion
    except ValueError:
        number = None
    if number is None:
        raise CommandError(
            _("%(option)s must be a whole number, not %(value)r") % {"option": option, "value": value[:30]},
            returncode=2,
        )
    if number < 0:
        raise CommandError(
            _("%(option)s must not be negative, not %(value)d") % {"option": option, "value": number},
            returncode=2,
        )
    if maximum is not None and number > maximum:
        raise CommandError(
            _("%(option)s must be at most %(most)s") % {"option": option, "most": f"{maximum:,}"},
            returncode=2,
        )
    return number


class Command(KundCommand):
    help = (
        "Fill the database with Swedish demo customers, every linked record type and every erasure case, "
        "spread over the last ten years, and switch the CRM module on. The same seed gives the same data."
    )

    def add_arguments(self, parser):
        # Strings, checked in handle(): bad input then ends with one line and exit status 2 (SPEC §8),
        # where argparse would print its usage as well.
        parser.add_argument("--customers", metavar="N", help="how many customers to add")
        parser.add_argument("--seed", metavar="S", help="random seed (default: a new one, printed)")

    def handle(self, *args, **options):
        customers = _count("--customers", options["customers"], MAX_CUSTOMERS)
        seed = _count("--seed", options["seed"]) if options["seed"] is not None else secrets.randbelow(10**6)

        def progress(line: str) -> None:  # plain, not in the error colour Django gives stderr
            self.stderr.write(line, style_func=str)
            self.stderr.flush()

        try:
            result = seed_demo(
                customers=customers, seed=seed, progress=progress if options["verbosity"] > 0 else None
            )
        except ValidationError as exc:  # the customer-number sequence ran past the register's maximum length
            raise CommandError(" ".join(exc.messages), returncode=1) from None
        cases = ", ".join(
            f"{CASE_WORDS.get(name, name)} {count:,}" for name, count in sorted(result.cases.items())
        )
        self.stdout.write(
            _(
                "seed_demo: added %(customers)s customers (%(companies)s companies; %(cases)s), "
                "%(rows)s linked rows, %(files)s files, %(anonymized)s anonymized, "
                "seed %(seed)d, in %(seconds).1f s"
            )
            % {
                "customers": f"{result.customers:,}",
                "companies": f"{result.companies:,}",
                "cases": cases,
                "rows": f"{result.linked_rows:,}",
                "files": f"{result.files:,}",
                "anonymized": f"{result.anonymized:,}",
                "seed": seed,
                "seconds": result.seconds,
            }
        )
