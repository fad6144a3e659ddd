from django.db import transaction

from kund.core.admin_helpers import LinkedRecordAdmin, register_linked
from kund.documents import models
from kund.documents.services import record_document


class DocumentAdmin(LinkedRecordAdmin):
    """The back office's documents: each added or deleted one in the card's history, as from the card."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            record_document(obj, actor=request.user, added=True)

    def delete_model(self, request, obj):
        with transaction.atomic():
            record_document(obj, actor=request.user, added=False)
            super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic():
            for document in queryset.select_related("customer"):
                record_document(document, actor=request.user, added=False)
            super().delete_queryset(request, queryset)


register_linked(
    models.Document,
    list_display=("title", "customer", "uploaded_at"),
    raw_id_fields=("customer",),
    base=DocumentAdmin,
)
