from kund.core.admin_helpers import register_linked
from kund.crm import models

register_linked(
    models.Activity, list_display=("ref", "customer", "kind", "date", "subject"), list_filter=("kind",)
)
register_linked(models.Agreement, list_display=("ref", "customer", "description", "started_on", "ended_on"))
register_linked(models.Project, list_display=("ref", "customer", "name", "started_on"))
register_linked(models.ProjectGroup, list_display=("name",), search_fields=("name",))
register_linked(models.ProjectGroupMembership, list_display=("group", "customer", "joined_on"))
register_linked(models.ResellerLink, list_display=("customer", "reseller_name", "since"))
register_linked(
    models.EmailMessage, list_display=("ref", "customer", "document_kind", "document_ref", "sent_at")
)
