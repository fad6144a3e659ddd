"""Back office for the register. Saving goes through the customer services, so the admin keeps the same
rules as every other door: numbers validated and never reused, history recorded, anonymized customers
frozen. A refusal is a form error and nothing is saved or logged; customers are erased through the erasure
pages and commands only, never deleted here."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models as db

from kund.core import rules
from kund.core.admin_helpers import BackOfficeAdmin, LinkedRecordAdmin, LinkedRecordInline, adopt
from kund.customers import models, services


class BranchInline(LinkedRecordInline):
    model = models.Branch


class CustomFieldValueInline(LinkedRecordInline):
    model = models.CustomFieldValue


class CreditInfoInline(LinkedRecordInline):
    model = models.CreditInfo
    show_change_link = True


class CustomerAdminForm(forms.ModelForm):
    """The checks the customer services make, asked before anything is written so that a refusal is a
    form error: a typed-in number must be valid and never used before (SPEC R-1); an anonymized customer
    is not changed (A-4)."""

    def clean(self):
        cleaned_data = super().clean()
        try:
            if self.instance._state.adding:
                if cleaned_data.get("number"):
                    cleaned_data["number"] = services.validate_customer_number(cleaned_data["number"])
            elif self.has_changed():
                services.ensure_customer_changeable(self.instance)
                if "kind" in cleaned_data:
                    services.ensure_kind_changeable(self.instance, cleaned_data["kind"])
        except ValidationError as exc:
            self.add_error(None, exc)
        return cleaned_data


@admin.register(models.Customer)
class CustomerAdmin(BackOfficeAdmin):
    form = CustomerAdminForm
    list_display = ("number", "name", "kind", "status", "invoice_city", "created_at", "anonymized_at")
    list_filter = ("kind", "status", "group")
    search_fields = ("=number", "name", "email")
    show_full_result_count = False
    list_per_page = 50
    raw_id_fields = ("responsible",)
    # The status and the date of death go together through the register's status action (seed 003).
    readonly_fields = ("anonymized_at", "created_at", "updated_at", "status", "deceased_on")
    inlines = [BranchInline, CustomFieldValueInline, CreditInfoInline]
    formfield_overrides = {db.URLField: {"assume_scheme": "https"}}  # as the register's own form

    # The register's rules, not Django's permission names, say who may do what with a customer.
    def has_view_permission(self, request, obj=None):
        if obj is None:
            return rules.may_view_register(request.user)
        return rules.may_view(request.user, obj)

    def has_add_permission(self, request):
        return rules.may_create(request.user)

    def has_change_permission(self, request, obj=None):
        if obj is None:
            return rules.may_change_any(request.user)
        return rules.may_change(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        # Deleting is erasure (SPEC E-1, D-1): it has its own pages, checks, log and clean-up.
        return False

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("number")  # changed by an administrator through the register, not here
        if obj is not None or not rules.may_assign_any(request.user):
            fields.append("responsible")  # assigned through the register, which notifies (SPEC R-6)
        return fields

    def save_model(self, request, obj, form, change):
        # A refusal raised here (a number taken since the form was checked) rolls the whole save back.
        if change:
            changed = [name for name in form.changed_data if name in services.EDITABLE_FIELDS]
            data = {name: form.cleaned_data[name] for name in changed}
            services.customer_update(customer=obj, actor=request.user, data=data)
            return
        created = services.customer_create(
            actor=request.user,
            number=form.cleaned_data["number"],
            data={n: form.cleaned_data[n] for n in services.EDITABLE_FIELDS if n in form.cleaned_data},
        )
        if form.cleaned_data.get("responsible") is not None:
            created = services.customer_assign(
                customer=created, actor=request.user, responsible=form.cleaned_data["responsible"]
            )
        adopt(obj, created)


@admin.register(models.CustomerGroup)
class CustomerGroupAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(models.CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "position")


@admin.register(models.CreditInfo)
class CreditInfoAdmin(LinkedRecordAdmin):
    list_display = ("customer", "checked_on", "provider", "rating")


@admin.register(models.NumberReservation)
class NumberReservationAdmin(admin.ModelAdmin):
    list_display = ("number", "reserved_at")
    search_fields = ("=number",)
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
