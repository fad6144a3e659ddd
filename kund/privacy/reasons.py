"""Why a customer is not erased: stored as a code, said in the reader's language.

A run keeps the reason of every customer it leaves out (ErasureJobItem.reason, RetentionRunItem.reason),
and whoever opens the run later reads it in their own language, on the web page, in the review lists and
on the command line. So a reason is never stored translated: it is a code, and `describe()` puts it into
words in the active language when it is shown.

A code is either one of the fixed reasons below ("already anonymized"), or the customer's blockers, each
as `kind ref reason` — the kind, reference and reason of a blocker as `erasure_plan --json` gives them —
joined by "; ": "agreement AG-1003 ongoing agreement; order O-1016 not delivered". Each part is said by
its own message with placeholders ("order %(ref)s is not delivered", kund.privacy.policy), never by
English fragments put together. A part no message knows (a failure's exception class, or a reason
stored before reasons were codes) is shown as it is.
"""

import re
from collections.abc import Iterable

from django.utils.translation import gettext, gettext_noop

from kund.privacy import policy

SEPARATOR = "; "

# The fixed reasons, as codes. gettext_noop marks them for translation; describe() translates them.
BLOCKED = gettext_noop("blocked")  # blocked, and the blockers gone by the time they were listed
ALREADY_ANONYMIZED = gettext_noop("already anonymized")
ALREADY_ERASED = gettext_noop("already erased")  # deleted by someone else while the run was on its way
NO_LONGER_EXISTS = gettext_noop("no longer exists")
ONLY_ANONYMIZE = gettext_noop("has linked transactions or events, so it can only be anonymized")
ONLY_DELETE = gettext_noop("has no linked transactions or events, so it can only be deleted")
FIXED = frozenset(
    {BLOCKED, ALREADY_ANONYMIZED, ALREADY_ERASED, NO_LONGER_EXISTS, ONLY_ANONYMIZE, ONLY_DELETE}
)

# What the planner's actions are called (kund.privacy.planner.Action), for the command line's plan.
ACTIONS = {
    "delete": gettext_noop("delete"),
    "anonymize": gettext_noop("anonymize"),
    "blocked": gettext_noop("blocked"),
    "already_anonymized": gettext_noop("already anonymized"),
}

# What the residue scan found (kund.privacy.residue.FOUND), for the command line.
FOUND = {
    "name": gettext_noop("the name"),
    "email": gettext_noop("an e-mail address"),
    "phone": gettext_noop("a phone number"),
    "personal_number": gettext_noop("a personal identity number"),
    "organisation_number": gettext_noop("an organisation number"),
    "unreadable": gettext_noop("an unreadable document"),
}

_BLOCKER = re.compile(r"(?P<kind>[a-z_]+) (?P<ref>\S+) (?P<reason>.+)")
# A failed customer's reason is the exception's class (kund.privacy.services), which names no data.
_ERROR_CLASS = re.compile(r"[A-Z][A-Za-z0-9_]*")


def _blockers() -> dict[tuple[str, str], policy.Blocker]:
    return {(t.kind, b.reason): b for t in policy.BLOCKER_TABLES for b in t.blockers}


def of_blockers(blockers: Iterable) -> str:
    """The code of a blocked customer's reason, from its plan's blockers (kund.privacy.planner)."""
    return SEPARATOR.join(f"{b.kind} {b.ref} {b.reason}" for b in blockers) or BLOCKED


def blocker_text(kind: str, ref: str, reason: str) -> str:
    """One blocker in a sentence of the active language: "order O-1016 is not delivered"."""
    blocker = _blockers().get((kind, reason))
    if blocker is None or not blocker.says:
        return f"{kind} {ref} {reason}"
    return str(blocker.says) % {"ref": ref}


def blocker_label(kind: str, reason: str) -> str:
    """A blocker's reason alone, in the active language ("not delivered"), where the record is named
    beside it."""
    blocker = _blockers().get((kind, reason))
    return str(blocker.label) if blocker is not None and blocker.label else reason


def _part(code: str) -> str:
    if code in FIXED:
        return gettext(code)
    found = _BLOCKER.fullmatch(code)
    if found and (found["kind"], found["reason"]) in _blockers():
        return blocker_text(found["kind"], found["ref"], found["reason"])
    if _ERROR_CLASS.fullmatch(code):
        # Translators: a customer's erasure failed; %(error)s names the program's error (IntegrityError).
        return gettext("an error stopped it (%(error)s)") % {"error": code}
    return code


def describe(code: str) -> str:
    """A stored reason in words of the active language."""
    if not code:
        return ""
    return SEPARATOR.join(_part(part) for part in code.split(SEPARATOR))


def action_text(action: str) -> str:
    """A planner's action in words of the active language ("already anonymized")."""
    return gettext(ACTIONS[action]) if action in ACTIONS else action


def found_text(found: str) -> str:
    """What the residue scan found, in words of the active language ("a phone number")."""
    return gettext(FOUND[found]) if found in FOUND else found
