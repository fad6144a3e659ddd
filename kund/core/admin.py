from django.contrib import admin

from kund.core import rules
from kund.core.models import RegisterSettings


def _administrators_only(request) -> bool:
    """The back office is for administrators (rules.may_use_admin); everyone else is sent to its
    sign-in page, as Django does for a visitor who is not staff."""
    return rules.may_use_admin(request.user)


admin.site.has_permission = _administrators_only


@admin.register(RegisterSettings)
class RegisterSettingsAdmin(admin.ModelAdmin):
    list_display = ("__str__", "number_min_length", "number_max_length", "crm_enabled")

    def has_add_permission(self, request):
        return not RegisterSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False
