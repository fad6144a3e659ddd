from kund.core.admin_helpers import register_linked
from kund.service import models
from kund.service.services import fault_report_create

register_linked(models.Installation, list_display=("ref", "customer", "description", "installed_on"))
register_linked(models.ServiceOrder, list_display=("ref", "customer", "date", "status"))
register_linked(models.ServiceProtocol, list_display=("ref", "customer", "date"))
register_linked(
    models.FaultReport,
    list_display=("ref", "customer", "reported_at", "resolved"),
    creator=fault_report_create,
)
