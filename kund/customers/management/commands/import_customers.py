from pathlib import Path

from django.utils.translation import gettext as _

from kund.core import rules
from kund.core.cli import KundCommand, acting_user, bad_input, not_done, os_error_text
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
            raise not_done(
                _("user %(username)s does not have the right to upload customers")
                % {"username": actor.get_username()}
            )
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            raise bad_input(
                _("cannot read %(file)s: %(error)s") % {"file": file, "error": os_error_text(exc)}
            ) from None
        try:
            # The report's lines (SPEC §8: `line N: column: reason`) in the command's language, like its
            # other output (kund.core.cli): English unless the locale asks for Swedish or German.
            report = import_customers(actor=actor, data=data, dry_run=dry_run, on_duplicate=duplicates)
        except UnreadableFile as exc:
            raise bad_input(str(exc)) from None
        except ImportRefused as refused:
            for error in refused.report.errors:
                self.stderr.write(
                    _("line %(line)d: %(column)s: %(reason)s")
                    % {"line": error.line, "column": error.column, "reason": error.reason}
                )
            raise bad_input(
                _("%(bad)d of %(count)d rows have errors; nothing imported")
                % {"bad": refused.report.bad_rows, "count": refused.report.row_count}
            ) from None
        except DecisionsNeeded as needed:
            for duplicate in needed.report.duplicates:
                if duplicate.matches:
                    self.stderr.write(
                        _("line %(line)d: probable duplicate of customer %(numbers)s")
                        % {
                            "line": duplicate.line,
                            "numbers": ", ".join(match.number for match in duplicate.matches),
                        }
                    )
                if duplicate.earlier_line:
                    self.stderr.write(
                        _("line %(line)d: probable duplicate of line %(earlier)d of the file")
                        % {"line": duplicate.line, "earlier": duplicate.earlier_line}
                    )
            raise not_done(
                _(
                    "%(count)d rows are probable duplicates of customers in the register or of earlier "
                    "rows; nothing imported (choose --duplicates new or --duplicates skip)"
                )
                % {"count": len(needed.report.duplicates)}
            ) from None
        # The counts as SPEC §8's scripts read them: one form whatever the number.
        if dry_run:
            self.stdout.write(
                _("%(count)d customers would be imported (dry run, nothing written)")
                % {"count": len(report.customers)}
            )
            if report.updates:
                self.stdout.write(_("%(count)d customers would be updated") % {"count": len(report.updates)})
        else:
            self.stdout.write(_("imported %(count)d customers") % {"count": report.imported})
            if report.updated:
                self.stdout.write(_("updated %(count)d customers") % {"count": report.updated})
        if report.unchanged:
            self.stdout.write(_("%(count)d rows change nothing") % {"count": report.unchanged})
        if report.skipped:
            self.stdout.write(_("skipped %(count)d probable duplicates") % {"count": report.skipped})
