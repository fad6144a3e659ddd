"""Saved selections (SPEC S-1): a customer list's search result frozen under a name. Erasing one is a job
(kund.privacy.jobs.plan_selection_job), for an administrator only (S-2)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from kund.core import rules
from kund.privacy.models import SavedSelection, SelectionMember

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
