from django.contrib import admin

from kund.core.models import RegisterSettings


@admin.register(RegisterSettings)
class RegisterSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "number_min_length", "number_max_length", "crm_enabled")

    def has_add_permission(self, request):
        return not RegisterSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
