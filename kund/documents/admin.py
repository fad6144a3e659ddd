from kund.core.admin_helpers import register_linked
from kund.documents import models

register_linked(
    models.Document, list_display=("title", "customer", "uploaded_at"), raw_id_fields=("customer",)
)
