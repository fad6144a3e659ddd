from pathlib import Path

from django.utils import translation

from kund.core import rules
from kund.core.cli import KundCommand, acting_user, bad_input, not_done
from kund.customers.importing import (
    NEW,
    SKIP,
    DecisionsNeeded,
    ImportRefused,
    UnreadableFile,
    import_customers,
)


class Command(KundCommand):
    help = (
        "Import customers from a CSV (UTF-8 or Windows-1252, ',' or ';') or XLSX file with a header row, "
        "all or nothing (R-8). A row whose customer number is a customer you may change updates it. "
        "Exit 2 lists every bad row as 'line N: column: reason'; exit 1 lists the rows that are probable "
        "duplicates of customers in the register, unless --duplicates says what to do with them."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV or XLSX file")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument(
            "--duplicates",
            choices=[NEW, SKIP],
            help="new rows with the organisation/personal number or e-mail of a customer in the register: "
            "import them as new customers anyway, or skip them (the web page decides row by row)",
        )
        parser.add_argument("--as", dest="username", help="the acting user (default: the first superuser)")

    def handle(self, *args, file, dry_run, duplicates, username, **options):
        actor = acting_user(username)
        if not rules.may_upload(actor):
            raise not_done(f"user {actor.get_username()} does not have the right to upload customers")
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise bad_input(f"cannot read {file}: {exc.strerror or 'unreadable'}") from None
        try:
            # The report lines are a contract (SPEC §8): English, like the other commands' output.
            with translation.override("en"):
                report = import_customers(actor=actor, data=data, dry_run=dry_run, on_duplicate=duplicates)
        except UnreadableFile as exc:
            raise bad_input(str(exc)) from None
        except ImportRefused as refused:
            for error in refused.report.errors:
                self.stderr.write(str(error))
            raise bad_input(
                f"{refused.report.bad_rows} of {refused.report.row_count} rows have errors; nothing imported"
            ) from None
        except DecisionsNeeded as needed:
            for duplicate in needed.report.duplicates:
                numbers = ", ".join(match.number for match in duplicate.matches)
                self.stderr.write(f"line {duplicate.line}: probable duplicate of customer {numbers}")
            raise not_done(
                f"{len(needed.report.duplicates)} rows are probable duplicates of customers in the register; "
                "nothing imported (choose --duplicates new or --duplicates skip)"
            ) from None
        if dry_run:
            count = len(report.customers)
            self.stdout.write(f"{count} customers would be imported (dry run, nothing written)")
            if report.updates:
                self.stdout.write(f"{len(report.updates)} customers would be updated")
        else:
            self.stdout.write(f"imported {report.imported} customers")
            if report.updated:
                self.stdout.write(f"updated {report.updated} customers")
        if report.unchanged:
            self.stdout.write(f"{report.unchanged} rows change nothing")
        if report.skipped:
            self.stdout.write(f"skipped {report.skipped} probable duplicates")
