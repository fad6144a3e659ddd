from kund.core.cli import KundCommand
from kund.customers.cli import customer_and_actor
from kund.privacy.access_export import access_export


class Command(KundCommand):
    help = (
        "Print everything held about one customer (B-1, GDPR art. 15/20) as JSON or as a printable HTML "
        "page; the export is recorded in the customer's history."
    )

    def add_arguments(self, parser):
        parser.add_argument("number", help="the customer number")
        parser.add_argument("--format", choices=("json", "html"), default="json")
        parser.add_argument("--as", dest="username", help="the acting user (default: the first superuser)")

    def handle(self, *args, number, format, username, **options):
        customer, actor = customer_and_actor(number, username)  # only a customer the actor may view
        export = access_export(customer=customer, actor=actor)
        self.stdout.write(export.as_json() if format == "json" else export.as_html())
