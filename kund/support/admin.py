from django.contrib import admin

from kund.core.admin_helpers import register_linked
from kund.support import models


class TicketReplyInline(admin.TabularInline):
    model = models.TicketReply
    extra = 0
    raw_id_fields = ("author",)


TicketAdmin = register_linked(
    models.SupportTicket, list_display=("ref", "customer", "created_at", "status", "subject")
)
TicketAdmin.inlines = [TicketReplyInline]
