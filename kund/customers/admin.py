"""Back office for the register. Saving goes through the customer services, so the admin keeps the same
rules as every other door: numbers validated and never reused, history recorded, anonymized customers
frozen."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError

from kund.customers import models, services


class BranchInline(admin.TabularInline):
    model = models.Branch
    extra = 0


class CustomFieldValueInline(admin.TabularInline):
    model = models.CustomFieldValue
    extra = 0


class CreditInfoInline(admin.TabularInline):
    model = models.CreditInfo
    extra = 0
    show_change_link = True


@admin.register(models.Customer)
class CustomerAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "kind", "status", "invoice_city", "created_at", "anonymized_at")
    list_filter = ("kind", "status", "group")
    search_fields = ("=number", "name", "email")
    show_full_result_count = False
    list_per_page = 50
    raw_id_fields = ("responsible",)
    readonly_fields = ("anonymized_at", "created_at", "updated_at", "status")
    inlines = [BranchInline, CustomFieldValueInline, CreditInfoInline]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields.append("number")  # changed by an administrator through the register, not here
            fields.append("responsible")
        return fields

    def save_model(self, request, obj, form, change):
        data = {
            name: form.cleaned_data[name] for name in form.changed_data if name in services.EDITABLE_FIELDS
        }
        try:
            if change:
                services.customer_update(customer=obj, actor=request.user, data=data)
            else:
                created = services.customer_create(
                    actor=request.user,
                    number=form.cleaned_data.get("number") or None,
                    data={
                        n: form.cleaned_data[n] for n in services.EDITABLE_FIELDS if n in form.cleaned_data
                    },
                )
                obj.pk = created.pk
                obj.number = created.number
        except ValidationError as exc:
            self.message_user(request, "; ".join(exc.messages), level=messages.ERROR)


@admin.register(models.CustomerGroup)
class CustomerGroupAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(models.CustomField)
class CustomFieldAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "position")


@admin.register(models.CreditInfo)
class CreditInfoAdmin(admin.ModelAdmin):
    list_display = ("customer", "checked_on", "provider", "rating")
    raw_id_fields = ("customer",)
    show_full_result_count = False


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
