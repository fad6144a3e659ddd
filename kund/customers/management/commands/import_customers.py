from pathlib import Path

from django.utils import translation

from kund.core import rules
from kund.core.cli import KundCommand, acting_user, bad_input, not_done
from kund.customers.importing import ImportRefused, UnreadableFile, import_customers


class Command(KundCommand):
    help = (
        "Import customers from a CSV (UTF-8 or Windows-1252, ',' or ';') or XLSX file with a header row, "
        "all or nothing (R-8). Exit 2 lists every bad row as 'line N: column: reason'."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV or XLSX file")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--as", dest="username", help="the acting user (default: the first superuser)")

    def handle(self, *args, file, dry_run, username, **options):
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
                report = import_customers(actor=actor, data=data, dry_run=dry_run)
        except UnreadableFile as exc:
            raise bad_input(str(exc)) from None
        except ImportRefused as refused:
            for error in refused.report.errors:
                self.stderr.write(str(error))
            raise bad_input(
                f"{refused.report.bad_rows} of {refused.report.row_count} rows have errors; nothing imported"
            ) from None
        if dry_run:
            count = len(report.customers)
            self.stdout.write(f"{count} customers would be imported (dry run, nothing written)")
        else:
            self.stdout.write(f"imported {report.imported} customers")
