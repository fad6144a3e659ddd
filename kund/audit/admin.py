from django.contrib import admin

from kund.audit.models import ChangeRecord, ErasureLogEntry
from kund.core.admin_helpers import BackOfficeMixin


class ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChangeRecord)
class ChangeRecordAdmin(BackOfficeMixin, ReadOnlyAdmin):
    list_display = ("at", "customer", "actor", "event", "field")
    list_select_related = ("customer", "actor")
    raw_id_fields = ("customer",)


@admin.register(ErasureLogEntry)
class ErasureLogEntryAdmin(ReadOnlyAdmin):
    list_display = ("sequence", "at", "customer_number", "action", "actor_username", "ruleset_version")
    search_fields = ("customer_number",)
