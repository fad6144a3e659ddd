"""Cursor (keyset) pages of the customer list (SPEC B-9, R-2): never COUNT(*), never OFFSET.

A page is what lies after the last row of the page before, in the list's order: the cursor names that row,
and the next page is the list narrowed to "after it" (a range its sort index answers at any depth), taken
from its start by the web list's own customer_page(). The cursor is signed, so only cursors Kund issued are
read, and it holds the row's customer number (and for the date orders its creation time) — never a name:
for the name orders the row's sort key is read back by its number.
"""

from datetime import datetime

from django.core import signing
from django.db.models import Q
from django.utils.translation import gettext as _

from kund.api.problems import invalid
from kund.customers.filtersets import SORTS
from kund.customers.models import Customer

SALT = "kund.api.customers.cursor"
CURSOR = "cursor"


def _key(sort: str) -> str:
    return SORTS[sort][0].lstrip("-")


def cursor_after(sort: str, row: Customer) -> str:
    payload = {"s": sort, "n": row.number}
    if _key(sort) == "created_at":
        payload["c"] = row.created_at.isoformat()
    return signing.dumps(payload, salt=SALT, compress=True)


def _bad(message: str):
    return invalid({CURSOR: [message]})


def after_cursor(sort: str, cursor: str) -> Q:
    """The condition "after the cursor's row" in `sort`. A cursor Kund did not issue, or one of another
    order, is bad input; so is one whose row has been deleted since (for the name orders, whose position
    only the row knows)."""
    try:
        payload = signing.loads(cursor, salt=SALT)
    except signing.BadSignature:
        raise _bad(_("This is not a cursor of this list; follow the `next` link of a page.")) from None
    if not isinstance(payload, dict) or payload.get("s") != sort or not isinstance(payload.get("n"), str):
        raise _bad(_("This cursor belongs to another sort order."))
    number, key = payload["n"], _key(sort)
    later = "lt" if sort.startswith("-") else "gt"
    if key == "number":
        return Q(**{f"number__{later}": number})
    if key == "created_at":
        try:
            value = datetime.fromisoformat(payload["c"])
        except (KeyError, TypeError, ValueError):
            raise _bad(_("This is not a cursor of this list; follow the `next` link of a page.")) from None
    else:
        value = Customer.objects.filter(number=number).values_list(key, flat=True).first()
        if value is None:
            raise _bad(
                _("The customer this page began after no longer exists; start again at the first page.")
            )
    # key >= value keeps the condition usable by the sort's index; the OR settles ties by number.
    return Q(**{f"{key}__{later}e": value}) & (
        Q(**{f"{key}__{later}": value}) | Q(**{f"number__{later}": number})
    )
