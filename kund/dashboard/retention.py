"""The dashboard's slot for retention (SPEC B-6, B-11): what each retention rule would catch on its next run.

The dashboard does not know how retention rules are stored or run. It asks the function named by the
setting KUND_DASHBOARD_RETENTION_PREVIEW (a dotted path) for a list of RetentionPreview, one per rule the
user may see, and shows them; without the setting there are no rules, the list is empty and the slot
says so. The function takes the signed-in user and must be cheap — the start page calls it on every
visit — so it reads what the rule's last dry run stored; it never plans a rule while the page waits.
Its queries are its own: the dashboard's pinned query count covers the page without it.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class RetentionPreview:
    name: str  # the rule's name, as the administrator gave it
    selected: int  # customers the rule would select on its next run
    delete: int
    anonymize: int
    ignored: int
    next_run: date | None = None  # None: the rule only reports, or waits for approval
    mode: str = ""  # how the rule acts, in words for the user (report only, after approval, automatic)
    url: str = ""  # the page behind the figure: the rule, or its last dry-run report


def previews(user) -> list[RetentionPreview]:
    """What each retention rule would catch on its next run; [] while no provider is configured."""
    path = getattr(settings, "KUND_DASHBOARD_RETENTION_PREVIEW", None)
    if not path:
        return []
    return list(import_string(path)(user))
