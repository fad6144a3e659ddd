"""`kund seed_demo --customers N [--seed S]` (SPEC §8): fills the database with demo data, see
kund/demo/seeder.py."""

import secrets

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from kund.core.cli import KundCommand
from kund.demo.seeder import seed_demo

# The most customers one run adds: ten times the largest register the benchmarks seed.
MAX_CUSTOMERS = 10_000_000


def _count(option: str, value: str | None, maximum: int | None = None) -> int:
    if value is None:
        raise CommandError(f"{option} is required", returncode=2)
    try:
        number = int(value) if len(value) <= 30 else None  # a thousand digits cost a long conversion
    except ValueError:
        number = None
    if number is None:
        raise CommandError(f"{option} must be a whole number, not {value[:30]!r}", returncode=2)
    if number < 0:
        raise CommandError(f"{option} must not be negative, not {number}", returncode=2)
    if maximum is not None and number > maximum:
        raise CommandError(f"{option} must be at most {maximum:,}", returncode=2)
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
        cases = ", ".join(f"{name} {count:,}" for name, count in sorted(result.cases.items()))
        self.stdout.write(
            f"seed_demo: added {result.customers:,} customers ({result.companies:,} companies; {cases}), "
            f"{result.linked_rows:,} linked rows, {result.files:,} files, {result.anonymized:,} anonymized, "
            f"seed {seed}, in {result.seconds:.1f} s"
        )
