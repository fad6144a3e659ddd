from django.core.exceptions import ValidationError

from kund.core.admin_helpers import LinkedRecordAdmin, LinkedRecordForm, register_linked
from kund.crm import models
from kund.customers.services import ensure_customer_accepts


class ActivityForm(LinkedRecordForm):
    """An activity's second customer (seed 001) is chosen like its first: never an anonymized one (A-4)."""

    def clean(self):
        cleaned_data = super().clean()
        second = cleaned_data.get("second_customer")
        if second is not None and "second_customer" in self.changed_data:
            try:
                ensure_customer_accepts(second, kind=models.Activity._meta.label)
            except ValidationError as exc:
                self.add_error("second_customer", exc)
        return cleaned_data


class ActivityAdmin(LinkedRecordAdmin):
    form = ActivityForm


register_linked(
    models.Activity,
    list_display=("ref", "customer", "kind", "date", "subject"),
    list_filter=("kind",),
    base=ActivityAdmin,
)
register_linked(models.Agreement, list_display=("ref", "customer", "description", "started_on", "ended_on"))
register_linked(models.Project, list_display=("ref", "customer", "name", "started_on"))
register_linked(models.ProjectGroup, list_display=("name",), search_fields=("name",))
register_linked(models.ProjectGroupMembership, list_display=("group", "customer", "joined_on"))
register_linked(models.ResellerLink, list_display=("customer", "reseller_name", "since"))
register_linked(
    models.EmailMessage, list_display=("ref", "customer", "document_kind", "document_ref", "sent_at")
)
