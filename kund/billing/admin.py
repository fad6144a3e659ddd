from kund.billing import models
from kund.core.admin_helpers import VoucherAdmin, register_linked

register_linked(
    models.Invoice,
    list_display=("ref", "customer", "date", "total", "paid"),
    list_filter=("paid",),
    base=VoucherAdmin,
)
register_linked(
    models.AgreementInvoice, list_display=("ref", "customer", "date", "total", "paid"), base=VoucherAdmin
)
register_linked(models.Receipt, list_display=("ref", "customer", "date", "total"), base=VoucherAdmin)
register_linked(models.PaymentReminder, list_display=("ref", "customer", "invoice", "date"))
register_linked(models.ReminderFee, list_display=("ref", "customer", "date", "amount"))
