"""The customer list's search and filters (SPEC R-2). One filterset serves the list page and its export, so
an export holds exactly the filtered list."""

import datetime

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField, Exists, F, Func, OuterRef
from django.db.models.lookups import Exact
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kund.customers.forms import BootstrapForm
from kund.customers.models import Customer, CustomerGroup, CustomField, CustomFieldValue
from kund.customers.selectors import customer_search

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


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class CustomerFilterSet(django_filters.FilterSet):
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
    created_from = django_filters.DateFilter(
        label=_("Created from"), method="filter_created_from", widget=forms.DateInput(attrs={"type": "date"})
    )
    created_to = django_filters.DateFilter(
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

    class Meta:
        model = Customer
        fields: list[str] = []

    # Set before the queryset is built: the search checked on each row, for walking a sort order through
    # a wide search (selectors.customer_search, rows=True).
    search_rows = False

    def filter_search(self, queryset, name, value):
        return customer_search(queryset, value, rows=self.search_rows)

    def filter_created_from(self, queryset, name, value):
        return queryset.filter(created_at__gte=_start_of(value))

    def filter_created_to(self, queryset, name, value):
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

    def get_form_class(self):
        base = super().get_form_class()

        class StyledForm(BootstrapForm, base):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self._style()

        return StyledForm

    @property
    def include_anonymized(self) -> bool:
        return bool(self.form.is_valid() and self.form.cleaned_data.get("anonymized"))


def sort_of(request_value: str | None) -> str:
    return request_value if request_value in SORTS else DEFAULT_SORT
