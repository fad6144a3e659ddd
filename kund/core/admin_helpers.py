"""The Django admin as Kund's back office: for administrators only (kund/core/admin.py), and never a way
around the rules the register's other doors keep.

- Every list of customers, or of records linked to a customer, goes through `rules.restrict()`, and so
  does every choice of a customer (or of a linked record) in a form: the rules stay the one source even if
  the back office is ever opened to others.
- A new record, or one moved to another customer, is checked in its form's clean() by the customer
  services' `ensure_customer_accepts()` (SPEC A-4, R-5): a refusal is a form error and nothing is saved or
  logged. The records of an anonymized customer are read-only (A-4).
- A service's refusal that comes only when saving (a number taken meanwhile) rolls the whole save back —
  inline rows and the admin log included — and is shown as an error.
- The admin log names objects by number or reference, never by a name or a title (A-7): what it keeps
  leads back to no one, whatever the erasure engine finds to remove.

And the defaults for Kund's big tables: no full counts, no select boxes with a million customers.
"""

from __future__ import annotations

import functools
import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.admin.options import get_content_type_for_model
from django.core.exceptions import ValidationError
from django.db import router, transaction
from django.http import HttpResponseRedirect

from kund.core import rules

CUSTOMER = "customers.Customer"
_MAX_LINK_DEPTH = 3


@functools.cache
def customer_path(model) -> str | None:
    """The lookup from `model` to the customer its rows belong to: "" for the customer itself, "customer",
    "order__customer", "purchase__dropship_order__customer"; None when its rows belong to no customer."""
    if model._meta.label == CUSTOMER:
        return ""
    level = [(model, "")]
    seen = {model}
    for _depth in range(_MAX_LINK_DEPTH):
        following = []
        for current, prefix in level:
            links = [f for f in current._meta.concrete_fields if f.many_to_one or f.one_to_one]
            for field in links:
                if field.related_model._meta.label == CUSTOMER:
                    return f"{prefix}{field.name}"
            for field in links:
                if field.related_model not in seen:
                    seen.add(field.related_model)
                    following.append((field.related_model, f"{prefix}{field.name}__"))
        level = following
    return None


def restrict(queryset, user):
    """`queryset` as far as `user` may see its customers (rules.restrict), or unchanged for rows that
    belong to no customer."""
    path = customer_path(queryset.model)
    if path is None:
        return queryset
    return rules.restrict(queryset, user, via=f"{path}__" if path else "")


def customer_of(obj, path: str | None = None):
    """The customer `obj` belongs to (itself for a customer), as loaded; None when it has none yet."""
    path = customer_path(type(obj)) if path is None else path
    if path is None:
        return None
    for name in filter(None, path.split("__")):
        obj = getattr(obj, name, None)  # an unset link raises RelatedObjectDoesNotExist, an AttributeError
        if obj is None:
            return None
    return obj


def is_frozen(obj) -> bool:
    """An anonymized customer, or a record of one: nothing about it changes any more (SPEC A-4)."""
    customer = customer_of(obj)
    return customer is not None and customer.is_anonymized


def _current(customer):
    """The customer as stored now, locked for the rest of the admin's save (which runs in one
    transaction) so that an erasure cannot slip in between the check and the write."""
    if customer.pk is None:
        return customer  # being created in this very form
    queryset = type(customer)._base_manager.filter(pk=customer.pk)
    if transaction.get_connection(router.db_for_write(type(customer))).in_atomic_block:
        queryset = queryset.select_for_update()
    return queryset.first() or customer


def log_label(obj) -> str:
    """How the admin log names an object: its reference or customer number, never a name or a title."""
    ref = getattr(obj, "ref", None)
    if ref:
        return str(ref)
    if obj._meta.label == CUSTOMER:
        return obj.number
    return f"{obj._meta.verbose_name} {obj.pk}"


def adopt(obj, created) -> None:
    """Make the admin's unsaved `obj` the row a service has just created, so that the inline rows, the
    log entry and the redirect that follow find it."""
    for field in obj._meta.concrete_fields:
        if not field.generated:
            setattr(obj, field.attname, getattr(created, field.attname))
    obj._state.adding = False
    obj._state.db = created._state.db


class LinkedRecordForm(forms.ModelForm):
    """The admin form of a record linked to a customer: a new record, or one moved to another customer,
    must be one the customer services accept (SPEC A-4, R-5); a record of an anonymized customer does not
    change. The refusal is a form error, so nothing is saved."""

    def clean(self):
        cleaned_data = super().clean()
        path = customer_path(self._meta.model)
        if not path:
            return cleaned_data
        adding = self.instance._state.adding
        if not adding and not self.has_changed():
            return cleaned_data
        link, _sep, rest = path.partition("__")
        if link in self.fields and link not in cleaned_data:
            return cleaned_data  # the link itself is invalid and already has its error
        target = cleaned_data[link] if link in self.fields else getattr(self.instance, link, None)
        # Core names no app when it is imported; the customer services are asked here, at run time.
        from kund.customers.services import ensure_customer_accepts, ensure_customer_changeable

        try:
            if not adding:
                previous = customer_of(self.instance, path)
                if previous is not None:
                    ensure_customer_changeable(_current(previous))
            if adding or link in self.changed_data:
                customer = customer_of(target, rest) if target is not None else None
                if customer is not None:
                    ensure_customer_accepts(_current(customer), kind=self._meta.model._meta.label)
        except ValidationError as exc:
            shown = link in self.fields and not self.fields[link].widget.is_hidden
            self.add_error(link if shown else None, exc)
        return cleaned_data


class BackOfficeMixin:
    """What every back-office admin of customers and their records shares (see the module's docstring)."""

    def get_queryset(self, request):
        return restrict(super().get_queryset(request), request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if "queryset" not in kwargs and customer_path(related) is not None:
            kwargs["queryset"] = restrict(related._default_manager.all(), request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class BackOfficeAdmin(BackOfficeMixin, admin.ModelAdmin):
    def has_change_permission(self, request, obj=None):
        if obj is not None and is_frozen(obj):
            return False
        return super().has_change_permission(request, obj)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Django runs the whole add or change in one transaction: a service that refuses while saving
        # rolls back the object, its inline rows and the log entry alike.
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), level=messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())

    # --- the admin log, naming objects by reference only -------------------------------------------

    @staticmethod
    def _log_entry(request, obj, action_flag, message="") -> LogEntry:
        return LogEntry(
            user_id=request.user.pk,
            content_type_id=get_content_type_for_model(obj).pk,
            object_id=obj.pk,
            object_repr=log_label(obj)[:200],
            action_flag=action_flag,
            change_message=json.dumps(message) if isinstance(message, list) else message,
        )

    def log_addition(self, request, obj, message):
        entry = self._log_entry(request, obj, ADDITION, message)
        entry.save()
        return entry

    def log_change(self, request, obj, message):
        entry = self._log_entry(request, obj, CHANGE, message)
        entry.save()
        return entry

    def log_deletions(self, request, queryset):
        return LogEntry.objects.bulk_create([self._log_entry(request, obj, DELETION) for obj in queryset])

    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        # Django names each inline row by str() (a branch's name, a custom field's value); name it by
        # reference instead. Its entries come last, in this order.
        rows = [
            row
            for formset in formsets or ()
            for row in (
                *formset.new_objects,
                *(changed for changed, _fields in formset.changed_objects),
                *formset.deleted_objects,
            )
        ]
        for entry, row in zip(message[len(message) - len(rows) :], rows, strict=True):
            next(iter(entry.values()))["object"] = log_label(row)
        return message


class LinkedRecordAdmin(BackOfficeAdmin):
    """Admin for a record linked to a customer: pick the customer by id, do not count the whole table.

    `creator`, when set, is the service that creates the record (a staticmethod, called as
    `creator(customer=, actor=, data=)`): an add then goes through it and leaves the record's number and
    responsible user to it (SPEC R-6)."""

    form = LinkedRecordForm
    show_full_result_count = False
    list_per_page = 50
    raw_id_fields = ("customer",)
    list_select_related = ("customer",)
    creator = None
    CREATOR_SETS = ("number", "responsible")

    def get_exclude(self, request, obj=None):
        excluded = tuple(super().get_exclude(request, obj) or ())
        if obj is None and self.creator is not None:
            names = {f.name for f in self.model._meta.concrete_fields}
            excluded += tuple(name for name in self.CREATOR_SETS if name in names)
        return excluded

    def save_model(self, request, obj, form, change):
        if change or self.creator is None:
            return super().save_model(request, obj, form, change)
        data = {name: form.cleaned_data[name] for name in form.changed_data if name != "customer"}
        adopt(obj, self.creator(customer=form.cleaned_data["customer"], actor=request.user, data=data))


class VoucherAdmin(LinkedRecordAdmin):
    """Invoices and receipts are kept by bookkeeping law with their copy of the customer's details
    (SPEC A-3): the back office neither issues, alters nor deletes them. It may only record that an
    invoice has been paid, which is not part of the legal copy and ends the E-3 blocker."""

    changeable = ("paid",)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _changeable(self):
        names = {f.name for f in self.model._meta.concrete_fields}
        return [name for name in self.changeable if name in names]

    def has_change_permission(self, request, obj=None):
        return bool(self._changeable()) and super().has_change_permission(request, obj)

    def get_readonly_fields(self, request, obj=None):
        changeable = set(self._changeable())
        fields = self.model._meta.concrete_fields
        return [f.name for f in fields if f.name not in changeable and not f.auto_created]


class LinkedRecordInline(BackOfficeMixin, admin.TabularInline):
    """An inline of records linked to a customer: none added, changed or deleted once the parent (the
    customer, or its record) is frozen (SPEC A-4); the same form checks as a record of its own."""

    form = LinkedRecordForm
    extra = 0

    def has_add_permission(self, request, obj=None):
        return not (obj is not None and is_frozen(obj)) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not (obj is not None and is_frozen(obj)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not (obj is not None and is_frozen(obj)) and super().has_delete_permission(request, obj)


def register_linked(
    model,
    *,
    list_display=("__str__",),
    search_fields=(),
    list_filter=(),
    raw_id_fields=None,
    base=None,
    creator=None,
):
    attrs = {
        "list_display": list_display,
        "search_fields": search_fields,
        "list_filter": list_filter,
    }
    fk_names = [
        f.name
        for f in model._meta.concrete_fields
        if f.is_relation
        and f.related_model is not None
        and f.name != "customer"
        and f.related_model._meta.app_label not in {"auth"}
    ]
    has_customer = any(f.name == "customer" for f in model._meta.concrete_fields)
    attrs["raw_id_fields"] = (
        raw_id_fields
        if raw_id_fields is not None
        else ((("customer",) if has_customer else ()) + tuple(fk_names))
    )
    attrs["list_select_related"] = ("customer",) if has_customer else False
    if creator is not None:
        attrs["creator"] = staticmethod(creator)
    admin_class = type(f"{model.__name__}Admin", (base or LinkedRecordAdmin,), attrs)
    admin.site.register(model, admin_class)
    return admin_class
