from kund.core.admin_helpers import register_linked
from kund.sales import models
from kund.sales.services import order_create

register_linked(
    models.Quote, list_display=("ref", "customer", "date", "status", "total"), list_filter=("status",)
)
register_linked(
    models.Order,
    list_display=("ref", "customer", "date", "delivered", "invoiced", "total"),
    list_filter=("delivered", "invoiced"),
    creator=order_create,
)
register_linked(models.OrderExtraInfo, list_display=("order", "delivered_on", "invoiced_on"))
register_linked(models.Delivery, list_display=("ref", "customer", "date"))
register_linked(models.DropshipOrder, list_display=("ref", "customer", "date"))
register_linked(models.Purchase, list_display=("ref", "dropship_order", "supplier_name", "date"))
register_linked(models.InboundDelivery, list_display=("ref", "purchase", "date"))
register_linked(models.TradeInvoice, list_display=("ref", "customer", "date"))
