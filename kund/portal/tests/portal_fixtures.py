"""Two customers with their own service records and a portal user each, for the portal's tests. Import the
fixtures with `from kund.portal.tests.portal_fixtures import *`."""

from dataclasses import dataclass
from datetime import date, datetime

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.files.base import ContentFile
from django.utils import timezone

from kund.customers.models import Customer
from kund.customers.services import customer_assign
from kund.customers.tests.register_fixtures import new_company
from kund.demo.testing.factories import next_number
from kund.portal.models import CustomerUser
from kund.portal.services import session_start
from kund.service.models import FaultReport, FaultReportFile, Installation, ServiceOrder, ServiceProtocol

__all__ = [
    "PASSWORD",
    "PNG",
    "Site",
    "sites",
    "site",
    "other_site",
    "technician",
    "portal_sign_in",
    "add_site",
]

PASSWORD = "Blåbärsskog-2026"
# The first bytes of a PNG: enough for the upload check, which reads what a file is, not its name.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64


@dataclass
class Site:
    """A customer with one of each service record, and a portal user who holds every portal right."""

    customer: Customer
    user: CustomerUser
    installation: Installation
    order: ServiceOrder
    protocol: ServiceProtocol
    fault: FaultReport
    photo: FaultReportFile


def add_site(
    *, name: str, org: str, email: str, user_name: str, protocol_text: str, responsible=None
) -> Site:
    customer = new_company(name=name, organisation_number=org, email=f"info@{email.split('@')[1]}")
    if responsible is not None:
        customer_assign(customer=customer, actor=None, responsible=responsible)
        customer.refresh_from_db()
    installation = Installation.objects.create(
        customer=customer,
        number=next_number(),
        description="Bergvärmepump NIBE S1255",
        serial_number=f"SN{next_number()}",
        installed_on=date(2023, 9, 12),
        site_address="Industrivägen 4",
        site_postal_code="172 66",
        site_city="Sundbyberg",
    )
    order = ServiceOrder.objects.create(
        customer=customer,
        installation=installation,
        number=next_number(),
        date=date(2025, 10, 2),
        status=ServiceOrder.Status.DONE,
        description="Årlig service av värmepump",
        internal_comment="Nyckel i receptionen",
    )
    protocol = ServiceProtocol.objects.create(
        customer=customer,
        service_order=order,
        number=next_number(),
        date=date(2025, 10, 2),
        text=protocol_text,
    )
    fault = FaultReport.objects.create(
        customer=customer,
        installation=installation,
        number=next_number(),
        reported_at=timezone.make_aware(datetime(2025, 11, 3, 8, 15)),
        description="Larm E-041 på displayen",
    )
    photo = FaultReportFile(fault_report=fault, content_type="image/png")
    photo.file.save("upload", ContentFile(PNG), save=True)
    user = CustomerUser(
        customer=customer, email=email, name=user_name, can_see_users=True, created_at=timezone.now()
    )
    user.set_password(PASSWORD)
    user.save()
    return Site(customer, user, installation, order, protocol, fault, photo)


@pytest.fixture
def technician(db):
    return get_user_model().objects.create_user("tomas.tekniker", "tomas@kund.test", "pw-not-used")


@pytest.fixture
def sites(db, technician) -> tuple[Site, Site]:
    one = add_site(
        name="Öhrlings Byggservice AB",
        org="556036-0793",
        email="karin.lund@ohrlings-bygg.se",
        user_name="Karin Lund",
        protocol_text="Filter bytt, köldmedium kontrollerat.",
        responsible=technician,
    )
    two = add_site(
        name="Nordbergs Fastigheter AB",
        org="556677-8899",
        email="jonas.berg@nordbergs.se",
        user_name="Jonas Berg",
        protocol_text="Cirkulationspump utbytt hos Nordbergs.",
    )
    return one, two


@pytest.fixture
def site(sites) -> Site:
    return sites[0]


@pytest.fixture
def other_site(sites) -> Site:
    return sites[1]


def portal_sign_in(client, user: CustomerUser) -> None:
    """Sign the client in to the portal as `user` (a session of the portal's own, in its cookie)."""
    client.cookies[settings.KUND_PORTAL_SESSION_COOKIE] = session_start(customer_user=user)
