"""Saved selections (SPEC S-1): a customer list's search result frozen under a name. Erasing one is a job
(kund.privacy.jobs.plan_selection_job), for an administrator only (S-2), verified and confirmed twice like
a mass run; the selection's page lists its members and where its erasure stands (selection_state). When
a customer is erased, the erasure engine takes the customer's details out of every selection's name and
filter (scrub_selections).
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from kund.core import rules
from kund.privacy.models import ErasureJob, ErasureJobItem, SavedSelection, SelectionMember

# A selection is a reviewable list, not a copy of the register: past this size, narrow the search.
SELECTION_LIMIT = getattr(settings, "KUND_SELECTION_LIMIT", 10_000)


def customers_for_query(*, user, query: str) -> QuerySet:
    """The customers the customer list shows `user` for the query string `query`: the list's own
    filterset over the customers the user may see (R-2, R-9)."""
    from kund.customers.filtersets import CustomerFilterSet
    from kund.customers.selectors import customers_visible_to

    data = QueryDict(query)
    filterset = CustomerFilterSet(data or None, queryset=None)
    filterset.queryset = customers_visible_to(user, include_anonymized=filterset.include_anonymized)
    if filterset.is_bound and not filterset.is_valid():
        raise ValidationError(_("The search of the customer list is not valid."))
    return filterset.qs


def selection_save(*, actor, name: str, query: str) -> SavedSelection:
    """S-1: freeze the list's current result (ids only) with its filter, who saved it and when."""
    rules.require(rules.may_save_selection(actor), _("You do not have the right to save selections."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the selection a name.")})
    ids = list(
        customers_for_query(user=actor, query=query)
        .order_by("pk")
        .values_list("pk", flat=True)[: SELECTION_LIMIT + 1]
    )
    if not ids:
        raise ValidationError(_("The search found no customers: there is nothing to save."))
    if len(ids) > SELECTION_LIMIT:
        raise ValidationError(
            _("The search found more than %(limit)d customers. Narrow it down before saving it.")
            % {"limit": SELECTION_LIMIT}
        )
    with transaction.atomic():
        selection = SavedSelection.objects.create(
            name=name[:200], query=query[:2000], size=len(ids), created_by=actor
        )
        SelectionMember.objects.bulk_create(
            (SelectionMember(selection=selection, customer_id=pk) for pk in ids), batch_size=2000
        )
    return selection


# --- a selection's page: its members and the state of its erasure (S-2, S-3) -------------------------

# A run of a selection that is verified and waits for its confirmation, or is under way: while one is, no
# other is planned (kund.privacy.jobs.plan_selection_job) and the page offers none.
OPEN_STATES = (ErasureJob.State.PLANNED, ErasureJob.State.QUEUED, ErasureJob.State.RUNNING)


def remaining_members(selection: SavedSelection) -> QuerySet:
    """The selection's customers still in the register and not anonymized: those an erasure can still
    take. Members only (an id each), whoever may view them."""
    from kund.customers.models import Customer

    return Customer.objects.filter(
        pk__in=selection.members.values("customer_id"), anonymized_at__isnull=True
    ).order_by()


@dataclass
class SelectionState:
    """Where the erasure of a selection stands: its runs (latest first), the one open if any, and how many
    of its customers remain to be erased."""

    runs: list[ErasureJob]
    open_run: ErasureJob | None
    remaining: int

    @property
    def erasable(self) -> bool:
        """Whether erasing the whole selection is offered: no run open, and customers left to erase."""
        return self.open_run is None and self.remaining > 0

    @property
    def erased_by(self) -> ErasureJob | None:
        """The run that erased the selection, once none of its customers remains: the last one finished."""
        if self.remaining or self.open_run is not None:
            return None
        return next((run for run in self.runs if run.is_finished), None)


RUNS_SHOWN = 10


def selection_state(selection: SavedSelection) -> SelectionState:
    """Two queries: the latest runs (no run is planned while one is open, so an open run is the latest),
    and the count of the customers remaining."""
    runs = list(selection.jobs.order_by("-created_at", "-pk")[:RUNS_SHOWN])
    open_run = next((run for run in runs if run.state in OPEN_STATES), None)
    return SelectionState(runs=runs, open_run=open_run, remaining=remaining_members(selection).count())


@dataclass
class Member:
    """One customer of a selection as its page lists it. `customer` is set only when the reader may view
    the customer (R-9: its name and a link); the others are shown by number."""

    customer_id: int
    number: str
    state: str  # "active", "anonymized" or "deleted"
    customer: object | None = None
    last_item: ErasureJobItem | None = None  # what the selection's latest run to take it did with it

    @property
    def state_label(self) -> str:
        return {
            "active": _("in the register"),
            "anonymized": _("anonymized"),
            "deleted": _("deleted"),
        }[self.state]


def members(selection: SavedSelection, customer_ids: list[int], *, reader) -> list[Member]:
    """The given customers of the selection (a page of them), in that order, as `reader` may see them:
    a fixed number of queries whatever their number."""
    from kund.customers.models import Customer
    from kund.privacy.mass import visible_customers

    found = {
        pk: (number, anonymized_at)
        for pk, number, anonymized_at in Customer.objects.filter(pk__in=customer_ids).values_list(
            "pk", "number", "anonymized_at"
        )
    }
    visible = visible_customers(list(found), reader)
    last_items: dict[int, ErasureJobItem] = {}
    items = ErasureJobItem.objects.filter(job__selection=selection, customer_id__in=customer_ids)
    for item in items.order_by("job_id", "pk"):
        last_items[item.customer_id] = item  # the latest run's last
    rows = []
    for pk in customer_ids:
        item = last_items.get(pk)
        if pk in found:
            number, anonymized_at = found[pk]
            state = "active" if anonymized_at is None else "anonymized"
        else:  # deleted: its number is known where a run of the selection deleted it
            number, state = (item.customer_number if item else ""), "deleted"
        rows.append(Member(pk, number, state, customer=visible.get(pk), last_item=item))
    return rows


# --- an erased customer's details leave the selections (A-7) ---------------------------------------

# The details of a customer that a selection's name or filter can hold: what the list's search finds
# (name, contact person, e-mail), how a person is named, and the numbers that single one out.
DETAIL_FIELDS = (
    "email",
    "name",
    "first_name",
    "last_name",
    "contact_person",
    "phone",
    "mobile",
    "organisation_number",
)
MIN_DETAIL = 2  # shorter values (an initial) are not a detail worth matching
MIN_EMAIL_LOCAL_PART = 6  # "hjalmarjakobsson" of hjalmarjakobsson@… names the person; "info" does not
SCRUBBED = "Xxxx"
_IDS_PER_QUERY = 2000  # within every database's limit of bound parameters
_WORD = re.compile(r"\w+")


def scrub_selections(*, customer_ids: list[int]) -> int:
    """Take the details of these customers, about to be deleted or anonymized, out of every saved
    selection's name and filter (A-7, S-1): inside the erasure's transaction, before the details are
    overwritten. Returns how many selections changed.

    A detail matches case-insensitively as a whole word (a trailing genitive "s" included: "Jakobssons
    kunder"). In the name each match becomes "Xxxx"; in the filter (a query string) every parameter whose
    URL-decoded value holds a detail gets the value "Xxxx", and the other parameters are kept. The
    selection's members (customer ids, which name nobody) are left as they are.

    Set-based: the selections are read once (they are few), the customers' details once, those that hold
    a detail once more under a lock, and each changed selection is written by one UPDATE; nothing is read
    about the customers when no selection exists. A detail is only looked for in the selections that
    hold its first word."""
    selections = [
        (pk, name, query, parse_qsl(query, keep_blank_values=True))
        for pk, name, query in SavedSelection.objects.values_list("pk", "name", "query")
    ]
    if not selections or not customer_ids:
        return 0
    texts = [
        "\n".join([name, *(value for _key, value in pairs)]).lower() for _pk, name, _q, pairs in selections
    ]
    holding: dict[str, set[int]] = defaultdict(set)  # a word -> the selections (by index) that hold it
    for index, text in enumerate(texts):
        for word in _WORD.findall(text):
            holding[word].add(index)
    matched: dict[int, set[str]] = defaultdict(set)  # a selection (by index) -> the details it holds
    for detail in _details(customer_ids):
        for index in _holding_first_word(detail, holding, len(texts)):
            if _occurs(detail, texts[index]):
                matched[index].add(detail)
    if not matched:
        return 0
    # Read again, locked, what is to change: another erasure's scrub of the same selection committed
    # meanwhile must not be undone by writing back what was read before it (in id order: no deadlock).
    found = {selections[index][0]: details for index, details in matched.items()}
    locked = SavedSelection.objects.select_for_update().filter(pk__in=list(found)).order_by("pk")
    changed = 0
    for pk, name, query in locked.values_list("pk", "name", "query"):
        pattern = _whole_words(found[pk])
        pairs = parse_qsl(query, keep_blank_values=True)
        new_pairs = [(key, SCRUBBED if pattern.search(value) else value) for key, value in pairs]
        new_name = pattern.sub(SCRUBBED, name)[:200]
        new_query = urlencode(new_pairs)[:2000] if new_pairs != pairs else query
        if (new_name, new_query) != (name, query):
            SavedSelection.objects.filter(pk=pk).update(name=new_name, query=new_query)
            changed += 1
    return changed


def _whole_words(details) -> re.Pattern:
    """Any of the details as a whole word, or followed by a genitive "s"; the longest first."""
    alternatives = (rf"(?<!\w){re.escape(d)}s?(?!\w)" for d in sorted(details, key=len, reverse=True))
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _occurs(detail: str, text: str) -> bool:
    """Whether the detail occurs in the text (both lower-cased) as _whole_words() finds it: not inside
    a word, at most a genitive "s" after it. Plain string search: no pattern to compile per detail."""
    start = text.find(detail)
    while start >= 0:
        end = start + len(detail)
        end += text.startswith("s", end)
        if (start == 0 or not _WORD.match(text[start - 1])) and (
            end == len(text) or not _WORD.match(text[end])
        ):
            return True
        start = text.find(detail, start + 1)
    return False


def _holding_first_word(detail: str, holding: dict[str, set[int]], count: int) -> set[int] | range:
    """The selections that can hold the detail (lower-cased) as a whole word: those holding its first
    word — the word itself, or the detail with a genitive "s" when it is one word."""
    first = _WORD.match(detail)
    if first is None:  # it starts with a sign ("+46 …"): every selection
        return range(count)
    if first.end() < len(detail):
        return holding.get(first.group(), set())
    return holding.get(detail, set()) | holding.get(f"{detail}s", set())


def _details(customer_ids: list[int]) -> set[str]:
    """The customers' details, lower-cased, each once."""
    from kund.customers.models import Customer

    details: set[str] = set()
    for start in range(0, len(customer_ids), _IDS_PER_QUERY):
        rows = Customer.objects.filter(pk__in=customer_ids[start : start + _IDS_PER_QUERY]).values_list(
            *DETAIL_FIELDS
        )
        for row in rows:
            values = [v.strip().lower() for v in row if v]
            local_part, at, _domain = dict(zip(DETAIL_FIELDS, row, strict=True))["email"].partition("@")
            if at and len(local_part) >= MIN_EMAIL_LOCAL_PART:
                values.append(local_part.lower())
            details.update(v for v in values if len(v) >= MIN_DETAIL and v != SCRUBBED.lower())
    return details
