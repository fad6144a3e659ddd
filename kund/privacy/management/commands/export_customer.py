from django.core.management.base import BaseCommand

from kund.core.cli import acting_user, bad_input, customer_by_number
from kund.privacy.access_export import access_export


class Command(BaseCommand):
    help = (
        "Print everything held about one customer (B-1, GDPR art. 15/20) as JSON or as a printable HTML "
        "page; the export is recorded in the customer's history."
    )

    def add_arguments(self, parser):
        parser.add_argument("number", help="the customer number")
        parser.add_argument("--format", choices=("json", "html"), default="json")
        parser.add_argument("--as", dest="username", help="the acting user (default: the first superuser)")

    def handle(self, *args, number, format, username, **options):
        customer = customer_by_number(number)
        actor = acting_user(username)
        may_view = actor.has_perm("customers.view_customer") or (
            actor.has_perm("customers.view_assigned_customer") and customer.responsible_id == actor.pk
        )
        if not may_view:
            raise bad_input(f"{actor.get_username()} may not view customer {customer.number}")
        export = access_export(customer=customer, actor=actor)
        self.stdout.write(export.as_json() if format == "json" else export.as_html())
