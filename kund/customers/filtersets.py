"""The customer list's search and filters (SPEC R-2). One filterset serves the list page and its export, so
an export holds exactly the filtered list."""

import datetime
from dataclasses import dataclass

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef, QuerySet
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kund.core.bounds import BoundedDateField
from kund.customers.forms import BootstrapForm
from kund.customers.models import Customer, CustomerGroup, CustomField, CustomFieldValue
from kund.customers.selectors import customer_search, customers_visible_to, record_search

# ?sort= value -> the ordering; the name sorts by its indexed, lower-cased copy.
SORTS = {
    "number": ("number",),
    "-number": ("-number",),
    "name": ("search_name", "number"),
    "-name": ("-search_name", "-number"),
    "created": ("created_at", "number"),
    "-created": ("-created_at", "-number"),
}
DEFAULT_SORT = "number"

# The days a creation-date filter can bound by: a moment at the very edge of the calendar (0001-01-01 or
# 9999-12-31 in Stockholm) has no UTC equivalent to store or compare, so a bound beyond these is no bound.
FIRST_BOUND = datetime.date(1, 1, 2)
LAST_BOUND = datetime.date(9999, 12, 30)


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class BoundedDateFilter(django_filters.DateFilter):
    """A date filter whose field accepts only dates from 1900 to 2999 (kund.core.bounds): the day after
    9999-12-31 and the first moment of 0001-01-01 in UTC do not exist, so such dates are refused next to
    the field, before the filter's arithmetic, and the export answers them with 400."""

    field_class = BoundedDateField


class StyledFilterSet(django_filters.FilterSet):
    """A filterset whose form has Kund's look, and whose date range (`date_range`: the names of its
    first and last day, each a BoundedDateFilter) is checked: the first not after the last."""

    date_range: tuple[str, str] | None = None

    def get_form_class(self):
        base = super().get_form_class()
        date_range = self.date_range

        class StyledForm(BootstrapForm, base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self._style()

            def clean(self):
                cleaned = super().clean()
                if date_range is None:
                    return cleaned
                first, last = (cleaned.get(name) for name in date_range)
                if first and last and first > last:
                    self.add_error(date_range[1], _("The last day is before the first."))
                return cleaned

        return StyledForm

    not_listed = ("q",)  # not listed among the active filters (the search is said on its own)

    def active_filters(self) -> list[tuple[str, str]]:
        """(label, value) of each filter that narrows the list: for "No … match", so it says with what."""
        if not self.is_bound or not self.is_valid():
            return []
        active = []
        for name, field in self.form.fields.items():
            value = self.form.cleaned_data.get(name)
            if name in self.not_listed or value in (None, "", False):
                continue
            if hasattr(field, "choices") and not hasattr(value, "pk"):
                value = dict(field.choices).get(value, value)
            active.append((str(field.label), str(value)))
        return active

    def error_lines(self) -> list[str]:
        """Each of the bound form's errors as "Field label: message", for answers that have no form."""
        lines = []
        for name, errors in self.form.errors.items():
            field = self.form.fields.get(name)
            label = f"{field.label}: " if field is not None and field.label else ""
            lines.extend(f"{label}{message}" for message in errors)
        return lines


class CustomerFilterSet(StyledFilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="filter_search",
        max_length=100,
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, e-mail, street, city, phone or personal number")}
        ),
    )
    kind = django_filters.ChoiceFilter(label=_("Kind"), choices=Customer.Kind.choices, empty_label=_("Any"))
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Customer.Status.choices, empty_label=_("Any")
    )
    group = django_filters.ModelChoiceFilter(
        label=_("Customer group"), queryset=CustomerGroup.objects.all(), empty_label=_("Any")
    )
    responsible = django_filters.ModelChoiceFilter(
        label=_("Responsible user"),
        queryset=get_user_model().objects.filter(is_active=True).order_by("username"),
        empty_label=_("Anyone"),
    )
    created_from = BoundedDateFilter(
        label=_("Created from"), method="filter_created_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = BoundedDateFilter(
        label=_("Created through"), method="filter_created_to", widget=forms.DateInput(attrs={"type": "date"})
    )
    country = django_filters.CharFilter(
        label=_("Country"),
        method="filter_country",
        max_length=2,
        widget=forms.TextInput(attrs={"placeholder": "SE", "size": 2}),
    )
    field = django_filters.ModelChoiceFilter(
        label=_("Custom field"), queryset=CustomField.objects.all(), method="filter_noop", empty_label="—"
    )
    value = django_filters.CharFilter(label=_("has the value"), method="filter_noop", max_length=200)
    anonymized = django_filters.BooleanFilter(
        label=_("Show anonymized customers"),
        method="filter_noop",
        widget=forms.CheckboxInput(attrs={"value": "1"}),
    )

    date_range = ("created_from", "created_to")
    not_listed = ("q", "anonymized")

    class Meta:
        model = Customer
        fields: list[str] = []

    # Set before the queryset is built: the search checked on each row, for walking a sort order through
    # a wide search (selectors.customer_search, rows=True).
    search_rows = False

    def filter_search(self, queryset, name, value):
        return customer_search(queryset, value, rows=self.search_rows)

    def filter_created_from(self, queryset, name, value):
        if value < FIRST_BOUND:
            return queryset
        return queryset.filter(created_at__gte=_start_of(value))

    def filter_created_to(self, queryset, name, value):
        if value > LAST_BOUND:
            return queryset
        return queryset.filter(created_at__lt=_start_of(value + datetime.timedelta(days=1)))

    def filter_country(self, queryset, name, value):
        value = value.strip().upper()
        if not value:
            return queryset
        condition = Exact(F("invoice_country"), value)
        if connection.vendor == "sqlite":
            # Nearly every customer is in one country, so SQLite's statistics call the country index
            # useless and it reads the whole table even for a country nobody is in; unlikely() tells it
            # the term is selective and it uses the index (the value is unchanged).
            condition = Func(condition, function="unlikely", output_field=BooleanField())
        return queryset.filter(condition)

    def filter_noop(self, queryset, name, value):
        return queryset  # applied together in filter_queryset

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        data = self.form.cleaned_data
        custom_field, custom_value = data.get("field"), (data.get("value") or "").strip()
        if custom_field is not None and custom_value:
            # a text comparison whatever the field's kind; values are stored as text.
            queryset = queryset.filter(
                Exists(
                    CustomFieldValue.objects.filter(
                        customer=OuterRef("pk"), field=custom_field, value__iexact=custom_value
                    )
                )
            )
        return queryset

    def narrows(self) -> bool:
        """Whether a valid filter is set that can leave customers out."""
        data = self.form.cleaned_data
        plain = ("q", "kind", "status", "group", "responsible", "created_from", "created_to", "country")
        if any(str(data.get(name) or "").strip() for name in plain):
            return True
        return data.get("field") is not None and bool((data.get("value") or "").strip())

    @property
    def include_anonymized(self) -> bool:
        return bool(self.form.is_valid() and self.form.cleaned_data.get("anonymized"))


def sort_of(request_value: str | None) -> str:
    return request_value if request_value in SORTS else DEFAULT_SORT


@dataclass
class FilteredCustomers:
    """The list's filterset over what the user may see, and what it selects. `base` is every customer the
    user may see before filtering — the very same object as `customers` when no filter narrows them
    (customer_page() relies on that to take its fastest path)."""

    filterset: CustomerFilterSet
    base: QuerySet
    customers: QuerySet

    @property
    def valid(self) -> bool:
        return not self.filterset.is_bound or self.filterset.is_valid()


def filter_customers(data, user, *, search_rows: bool = False) -> FilteredCustomers:
    """The customer list's search and filters (R-2) over the customers `user` may see (R-9), for every
    door that lists customers: the list page, its export and the API. A malformed filter selects nobody;
    the caller says why (filterset.errors). `search_rows`: a search the trigram index finds often is
    checked row by row, for the list to walk its order (selectors.customer_page)."""
    filterset = CustomerFilterSet(data or None, queryset=Customer.objects.none())
    base = customers_visible_to(user, include_anonymized=filterset.include_anonymized)
    filterset.queryset = base
    filterset.search_rows = search_rows
    if filterset.is_bound and not filterset.is_valid():
        customers = Customer.objects.none()
    elif filterset.is_bound and filterset.narrows():
        customers = filterset.qs
    else:
        customers = base
    return FilteredCustomers(filterset=filterset, base=base, customers=customers)


# --- lists of a customer's records: invoices, orders (kund.billing, kund.sales) ----------------------------

YES_NO = (("yes", _("Yes")), ("no", _("No")))


class RecordFilterSet(StyledFilterSet):
    """Search and filters of a list of records linked to customers: the record's number or its customer,
    found as the customer list finds it (selectors.record_search), and its date between two days."""

    record_prefix = "R"  # the model's REF_PREFIX, as in "F-1042"
    date_range = ("date_from", "date_to")

    q = django_filters.CharFilter(label=_("Search"), method="filter_search", max_length=100)
    date_from = BoundedDateFilter(
        label=_("Dated from"),
        field_name="date",
        lookup_expr="gte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    date_to = BoundedDateFilter(
        label=_("Dated through"),
        field_name="date",
        lookup_expr="lte",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def filter_search(self, queryset, name, value):
        return record_search(queryset, value, prefix=self.record_prefix)

    @staticmethod
    def yes_or_no(queryset, field: str, value: str):
        return queryset.filter(**{field: value == "yes"}) if value in ("yes", "no") else queryset
