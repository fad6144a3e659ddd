"""Test data with a known shape: one customer with a row in every linked table, every personal field
filled with that customer's own details, so a test can follow each value through an erasure.

For realistic volumes, tests use the demo seeder (kund.demo.seeder); these factories are for the cases a
test must control exactly (a blocker of one kind, a field of one table).
"""

import hashlib
import itertools
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.files.base import ContentFile
from django.utils import timezone

from kund.billing.models import AgreementInvoice, Invoice, PaymentReminder, Receipt, ReminderFee
from kund.crm.models import (
    Activity,
    Agreement,
    EmailMessage,
    Project,
    ProjectGroup,
    ProjectGroupMembership,
    ResellerLink,
)
from kund.customers.models import Branch, CreditFile, CreditInfo, Customer, CustomField, CustomFieldValue
from kund.customers.services import customer_create
from kund.documents.models import Document
from kund.portal.models import CustomerUser, CustomerUserToken, PortalSession
from kund.sales.models import (
    Delivery,
    DropshipOrder,
    InboundDelivery,
    Order,
    OrderExtraInfo,
    Purchase,
    Quote,
    TradeInvoice,
)
from kund.service.models import FaultReport, FaultReportFile, Installation, ServiceOrder, ServiceProtocol
from kund.support.models import SupportTicket, TicketReply

_numbers = itertools.count(500_000)


def next_number() -> int:
    return next(_numbers)


@dataclass(frozen=True)
class Person:
    """The personal details a test follows through an erasure."""

    first_name: str = "Ingrid"
    last_name: str = "Lindqvist"
    email: str = "ingrid.lindqvist@example.se"
    phone: str = "070-123 45 67"
    mobile: str = "073-765 43 21"
    street: str = "Storgatan 12"
    postal_code: str = "114 55"
    city: str = "Uppsala"
    personal_number: str = "19811218-9876"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"

    def values(self) -> list[str]:
        return [self.full_name, self.email, self.phone, self.mobile, self.street, self.personal_number]


def make_customer(*, actor=None, person: Person | None = None, number: str | None = None, **data) -> Customer:
    p = person or Person()
    fields = {
        "kind": Customer.Kind.PRIVATE,
        "first_name": p.first_name,
        "last_name": p.last_name,
        "name": p.full_name,
        "organisation_number": p.personal_number,
        "vat_number": "",
        "gender": Customer.Gender.FEMALE,
        "birth_date": date(1981, 12, 18),
        "email_consent": True,
        "post_consent": True,
        "invoice_company_name": p.full_name,
        "invoice_attention": p.full_name,
        "invoice_address1": p.street,
        "invoice_address2": "Lgh 1102",
        "invoice_address3": "c/o Lindqvist",
        "invoice_postal_code": p.postal_code,
        "invoice_city": p.city,
        "invoice_region": "Uppsala län",
        "invoice_country": "SE",
        "invoice_latitude": Decimal("59.858562"),
        "invoice_longitude": Decimal("17.638927"),
        "visit_company_name": p.full_name,
        "visit_address1": p.street,
        "visit_postal_code": p.postal_code,
        "visit_city": p.city,
        "visit_region": "Uppsala län",
        "visit_country": "SE",
        "visit_latitude": Decimal("59.858562"),
        "visit_longitude": Decimal("17.638927"),
        "delivery_company_name": p.full_name,
        "delivery_address1": p.street,
        "delivery_postal_code": p.postal_code,
        "delivery_city": p.city,
        "delivery_region": "Uppsala län",
        "delivery_country": "SE",
        "delivery_latitude": Decimal("59.858562"),
        "delivery_longitude": Decimal("17.638927"),
        "contact_person": p.full_name,
        "phone": p.phone,
        "mobile": p.mobile,
        "fax": "018-12 34 56",
        "email": p.email,
        "website": "https://lindqvist.example.se",
        "info": "Vill bli kontaktad på kvällstid.",
        "internal_info": f"Ring {p.first_name} på {p.mobile}.",
    }
    fields.update(data)
    return customer_create(actor=actor, data=fields, number=number)


def add_transactions(
    customer: Customer, *, person: Person | None = None, settled: bool = True, day=None
) -> dict:
    """One row in every linked table of `customer`, each carrying the person's details. With `settled`
    nothing blocks anonymization: orders delivered and invoiced, invoices paid, agreements ended."""
    p = person or Person()
    day = day or date(2021, 3, 15)
    when = timezone.make_aware(datetime(day.year, day.month, day.day, 10, 30))
    address = {
        "name": p.full_name,
        "attention": p.full_name,
        "address": p.street,
        "postal_code": p.postal_code,
        "city": p.city,
        "region": "Uppsala län",
        "country": "SE",
    }
    inv = {f"invoice_{k}": v for k, v in address.items()}
    dlv = {f"delivery_{k}": v for k, v in address.items()}
    comments = {
        "published_comment": f"Levereras till {p.full_name}",
        "terms": "30 dagar netto",
        "internal_comment": f"{p.first_name} vill ha sms på {p.mobile}",
    }
    frozen = {
        "customer_number": customer.number,
        "customer_name": p.full_name,
        "customer_address": p.street,
        "customer_postal_code": p.postal_code,
        "customer_city": p.city,
        "customer_country": "SE",
        "customer_org_number": p.personal_number,
        "customer_vat_number": "",
    }
    rows: dict = {}
    rows["activity"] = Activity.objects.create(
        customer=customer,
        number=next_number(),
        kind=Activity.Kind.CALL,
        date=when,
        subject=f"Samtal med {p.full_name}",
        text=f"{p.first_name} ringde från {p.phone}",
        contact_name=p.full_name,
        contact_email=p.email,
        contact_phone=p.phone,
    )
    rows["agreement"] = Agreement.objects.create(
        customer=customer,
        number=next_number(),
        description="Serviceavtal värmepump",
        started_on=day,
        ended_on=None if not settled else day + timedelta(days=365),
        customer_reference=p.full_name,
        recipient=p.full_name,
        email=p.email,
        monthly_amount=Decimal("199"),
    )
    rows["agreement_invoice"] = AgreementInvoice.objects.create(
        customer=customer,
        agreement=rows["agreement"],
        number=next_number(),
        date=day,
        due_date=day,
        total=Decimal("199"),
        paid=True,
        **frozen,
    )
    rows["project"] = Project.objects.create(
        customer=customer, number=next_number(), name=f"Badrum {p.last_name}", started_on=day
    )
    group, _ = ProjectGroup.objects.get_or_create(name="Renoveringar")
    rows["project_group"] = ProjectGroupMembership.objects.create(
        group=group, customer=customer, joined_on=day
    )
    rows["reseller"] = ResellerLink.objects.create(
        customer=customer, reseller_name="VVS Partner AB", since=day
    )
    rows["email_history"] = EmailMessage.objects.create(
        customer=customer,
        document_kind=EmailMessage.DocumentKind.INVOICE,
        document_ref="F-1",
        sent_at=when,
        name=p.full_name,
        email=p.email,
        phone=p.phone,
        subject=f"Faktura till {p.full_name}",
        text=f"Hej {p.first_name}!",
        replies=f"Tack! /{p.first_name}",
        internal_comment=f"{p.first_name} nöjd",
    )
    rows["quote"] = Quote.objects.create(
        customer=customer,
        number=next_number(),
        date=day,
        customer_reference=p.full_name,
        total=Decimal("1000"),
        **inv,
        **dlv,
        **comments,
    )
    rows["order"] = Order.objects.create(
        customer=customer,
        number=next_number(),
        date=day,
        delivered=settled,
        invoiced=settled,
        customer_reference=p.full_name,
        customer_order_reference=f"{p.last_name}-1",
        notification_mobile=p.mobile,
        total=Decimal("1000"),
        **inv,
        **dlv,
        **comments,
    )
    rows["order_extra_info"] = OrderExtraInfo.objects.create(
        order=rows["order"], delivered_on=day, invoiced_on=day, note="Portkod 1234"
    )
    rows["delivery"] = Delivery.objects.create(
        customer=customer,
        order=rows["order"],
        number=next_number(),
        date=day,
        customer_reference=p.full_name,
        notification_mobile=p.mobile,
        **inv,
        **dlv,
        **comments,
    )
    rows["dropship_order"] = DropshipOrder.objects.create(
        customer=customer,
        order=rows["order"],
        number=next_number(),
        date=day,
        order_reference=p.last_name,
        phone=p.phone,
        mobile=p.mobile,
        **inv,
        **dlv,
        **comments,
    )
    rows["purchase"] = Purchase.objects.create(
        dropship_order=rows["dropship_order"],
        number=next_number(),
        supplier_name="Grossisten AB",
        date=day,
        order_reference=p.last_name,
        phone=p.phone,
        mobile=p.mobile,
        **dlv,
        **comments,
    )
    rows["inbound_delivery"] = InboundDelivery.objects.create(
        purchase=rows["purchase"],
        number=next_number(),
        date=day,
        order_reference=p.last_name,
        phone=p.phone,
        mobile=p.mobile,
        published_comment=f"Till {p.full_name}",
        terms="Fritt vårt lager",
        internal_comment=f"Avisera {p.first_name}",
        **dlv,
    )
    rows["trade_invoice"] = TradeInvoice.objects.create(
        customer=customer,
        number=next_number(),
        date=day,
        customer_display=p.full_name,
        name=p.full_name,
        address=p.street,
        postal_code=p.postal_code,
        city=p.city,
        country="NO",
        recipient_org_number=p.personal_number,
        recipient_vat_number="SE198112189876",
        recipient_name=p.full_name,
        email=p.email,
        phone=p.phone,
        goods_description="Reservdelar",
        # a return: the goods come from the customer
        sender_name=p.full_name,
        sender_address=p.street,
        sender_postal_code=p.postal_code,
        sender_city=p.city,
        sender_country="SE",
    )
    rows["invoice"] = Invoice.objects.create(
        customer=customer,
        order=rows["order"],
        number=next_number(),
        date=day,
        due_date=day + timedelta(days=30),
        total=Decimal("1000"),
        paid=settled,
        customer_email=p.email,
        **frozen,
    )
    rows["receipt"] = Receipt.objects.create(
        customer=customer,
        number=next_number(),
        date=day,
        total=Decimal("250"),
        sent_to_email=p.email,
        sent_to_mobile=p.mobile,
        **frozen,
    )
    rows["payment_reminder"] = PaymentReminder.objects.create(
        customer=customer,
        invoice=rows["invoice"],
        number=next_number(),
        date=day + timedelta(days=40),
        customer_name=p.full_name,
        customer_address=p.street,
        customer_postal_code=p.postal_code,
        customer_city=p.city,
        customer_email=p.email,
    )
    rows["reminder_fee"] = ReminderFee.objects.create(
        customer=customer,
        reminder=rows["payment_reminder"],
        date=day + timedelta(days=40),
        amount=Decimal("60"),
    )
    rows["support_ticket"] = SupportTicket.objects.create(
        customer=customer,
        number=next_number(),
        created_at=when,
        name=p.full_name,
        email=p.email,
        phone=p.phone,
        subject=f"Fel på pumpen hos {p.last_name}",
        text=f"Ring {p.phone}",
        internal_comment=f"{p.first_name} är arg",
    )
    rows["ticket_reply"] = TicketReply.objects.create(
        ticket=rows["support_ticket"], posted_at=when, text=f"Hälsningar {p.full_name}"
    )
    rows["installation"] = Installation.objects.create(
        customer=customer,
        number=next_number(),
        description="Värmepump",
        serial_number="HP-99",
        installed_on=day,
        site_address=p.street,
        site_postal_code=p.postal_code,
        site_city=p.city,
    )
    rows["service_order"] = ServiceOrder.objects.create(
        customer=customer,
        installation=rows["installation"],
        number=next_number(),
        date=day,
        contact_name=p.full_name,
        contact_phone=p.phone,
        description="Årlig service",
        internal_comment=f"Nyckel hos {p.first_name}",
        status=ServiceOrder.Status.DONE,
    )
    rows["service_protocol"] = ServiceProtocol.objects.create(
        customer=customer,
        service_order=rows["service_order"],
        number=next_number(),
        date=day,
        text="Filter bytt",
        signed_by=p.full_name,
    )
    rows["fault_report"] = FaultReport.objects.create(
        customer=customer,
        installation=rows["installation"],
        number=next_number(),
        reported_at=when,
        reporter_name=p.full_name,
        reporter_email=p.email,
        reporter_phone=p.phone,
        description="Pumpen låter",
        resolved=True,
    )
    photo = FaultReportFile(fault_report=rows["fault_report"], content_type="image/png")
    photo.file.save("upload", ContentFile(b"\x89PNG\r\n\x1a\n" + p.full_name.encode()), save=True)
    rows["fault_photo"] = photo
    return rows


def add_owned(customer: Customer, *, person: Person | None = None) -> dict:
    """What is only the customer's: branch, credit information with a file, a custom-field value and a
    document."""
    p = person or Person()
    rows: dict = {}
    rows["branch"] = Branch.objects.create(
        customer=customer,
        name=f"{p.last_name} sommarstuga",
        address=p.street,
        postal_code=p.postal_code,
        city=p.city,
        country="SE",
        phone=p.phone,
        email=p.email,
        contact=p.full_name,
    )
    rows["credit_info"] = CreditInfo.objects.create(
        customer=customer, checked_on=date(2022, 1, 1), provider="UC", rating="AA", note=f"{p.full_name} ok"
    )
    credit_file = CreditFile(credit_info=rows["credit_info"])
    credit_file.file.save("uc-rapport.pdf", ContentFile(b"%PDF-1.4 " + p.full_name.encode()), save=True)
    rows["credit_file"] = credit_file
    field, _ = CustomField.objects.get_or_create(name="Portkod")
    rows["custom_value"] = CustomFieldValue.objects.create(customer=customer, field=field, value="1234")
    document = Document(customer=customer, title="Avtal (skannat)")
    document.file.save("avtal.pdf", ContentFile(b"%PDF-1.4 avtal"), save=True)
    rows["document"] = document
    # the person as a portal user, signed in, with a password-reset link on its way
    local, domain = p.email.split("@")
    portal_user = CustomerUser(customer=customer, email=f"{local}.{next_number()}@{domain}", name=p.full_name)
    portal_user.set_unusable_password()
    portal_user.save()
    rows["portal_user"] = portal_user
    now = timezone.now()
    rows["portal_link"] = CustomerUserToken.objects.create(
        customer_user=portal_user,
        purpose=CustomerUserToken.Purpose.RESET,
        token_hash=_secret_hash(),
        expires_at=now + timedelta(hours=1),
    )
    rows["portal_session"] = PortalSession.objects.create(
        customer_user=portal_user, key_hash=_secret_hash(), expires_at=now + timedelta(hours=8)
    )
    return rows


def _secret_hash() -> str:
    return hashlib.sha256(secrets.token_bytes(32)).hexdigest()
