from django.utils.translation import gettext as _

from kund.audit.erasure_log import verify_chain
from kund.core.cli import KundCommand, not_done


class Command(KundCommand):
    help = "Check the erasure log's hash chain (B-2); exit status 1 when it is broken."

    def handle(self, *args, **options):
        check = verify_chain()
        if not check.ok:
            raise not_done(
                _("erasure log broken at row %(row)s: %(problem)s")
                % {"row": check.broken_at, "problem": check.problem}
            )
        self.stdout.write(_("erasure log intact: %(count)d rows") % {"count": check.checked})
