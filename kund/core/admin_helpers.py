"""Back-office admin defaults for Kund's big tables: no full counts, no select boxes with a million
customers."""

from django.contrib import admin


class LinkedRecordAdmin(admin.ModelAdmin):
    """Admin for a record linked to a customer: pick the customer by id, do not count the whole table."""

    show_full_result_count = False
    list_per_page = 50
    raw_id_fields = ("customer",)
    list_select_related = ("customer",)


class VoucherAdmin(LinkedRecordAdmin):
    """Invoices and receipts are kept by bookkeeping law (SPEC A-3): the back office cannot delete them."""

    def has_delete_permission(self, request, obj=None):
        return False


def register_linked(
    model, *, list_display=("__str__",), search_fields=(), list_filter=(), raw_id_fields=None, base=None
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
    admin_class = type(f"{model.__name__}Admin", (base or LinkedRecordAdmin,), attrs)
    admin.site.register(model, admin_class)
    return admin_class
