from kund.core.admin_helpers import LinkedRecordInline, register_linked
from kund.support import models


class TicketReplyInline(LinkedRecordInline):
    model = models.TicketReply
    raw_id_fields = ("author",)


TicketAdmin = register_linked(
    models.SupportTicket, list_display=("ref", "customer", "created_at", "status", "subject")
)
TicketAdmin.inlines = [TicketReplyInline]
