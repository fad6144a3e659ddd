"""R-10 and erasure: deleting or anonymizing a customer deletes its customer users with their sessions,
invitation and reset links (the policy lists them), and the photos sent with its fault reports; the fault
reports themselves follow the policy of fault reports. (The forensic scan of what is left is in
kund/privacy/tests/test_forensic.py.)"""

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import reverse

from kund.audit.models import ErasureLogEntry
from kund.customers.tests.register_fixtures import make_user
from kund.demo.testing.factories import add_transactions, make_customer
from kund.portal import services
from kund.portal.models import CustomerUser, CustomerUserToken, PortalSession
from kund.portal.tests.portal_fixtures import PASSWORD, PNG, portal_sign_in
from kund.privacy import policy
from kund.privacy.services import customer_anonymize, customer_delete
from kund.service.models import FaultReport, FaultReportFile

pytestmark = pytest.mark.django_db

PORTAL_TABLES = ("portal.CustomerUser", "portal.CustomerUserToken", "portal.PortalSession")


def _with_portal_users(customer) -> tuple[CustomerUser, str]:
    """A signed-in portal user and an invited one, each with a link; returns the first and its session."""
    staff = make_user("view_customer", "add_customer_user")
    user, secret = services.customer_user_invite(
        customer=customer, actor=staff, email="karin.lundmark@example.se", name="Karin Lundmark"
    )
    link = services.link_for(secret, "invitation")
    services.password_set_with_link(link=link, password=PASSWORD)
    services.password_reset_request(email=user.email, base_url="http://testserver/")
    services.customer_user_invite(customer=customer, actor=staff, email="olof.stromberg@example.se")
    return user, services.session_start(customer_user=user)


def test_r10_the_policy_deletes_customer_users_their_links_and_sessions_with_the_customer():
    for label in PORTAL_TABLES:
        table = policy.table_for(label)
        assert table.rows == policy.DELETE_ROWS and table.deleted_with_customer and table.kind is None


def test_d1_deleting_a_customer_deletes_its_customer_users_and_their_logins(
    admin_user, client, django_capture_on_commit_callbacks
):
    # given a customer without transactions, with portal users, links and a session
    customer = make_customer()
    user, session = _with_portal_users(customer)
    portal_sign_in(client, user)
    assert client.get(reverse("portal:home")).context["portal_user"] == user

    # when it is deleted
    with django_capture_on_commit_callbacks(execute=True):
        outcome = customer_delete(customer=customer, actor=admin_user)

    # then nothing of its portal is left, and the session signs nobody in
    assert outcome.result == "deleted"
    assert not CustomerUser.objects.exists()
    assert not CustomerUserToken.objects.exists() and not PortalSession.objects.exists()
    assert services.session_user(session) is None
    assert "portal-sign-in-form" in client.get(reverse("portal:home")).content.decode()
    counts = ErasureLogEntry.objects.get(customer_number=customer.number).counts
    assert counts["portal.CustomerUser"] == 2 and counts["portal.PortalSession"] == 2


def test_r10_anonymizing_a_customer_deletes_its_portal_and_the_photos_of_its_fault_reports(
    admin_user, django_capture_on_commit_callbacks
):
    # given a settled customer with portal users, and a fault reported in the portal with a photo
    customer = make_customer()
    add_transactions(customer)
    user, session = _with_portal_users(customer)
    photo = ContentFile(PNG, name="bild.png")
    report = services.portal_report_fault(
        customer_user=user, description="Läcker vid ventilen", files=[photo]
    )
    stored = FaultReportFile.objects.get(fault_report=report).file.name
    assert default_storage.exists(stored)

    # when it is anonymized
    with django_capture_on_commit_callbacks(execute=True):
        outcome = customer_anonymize(customer=customer, actor=admin_user)

    # then the customer users, their links and sessions, and the photo (row and file) are gone
    assert outcome.result == "anonymized"
    assert not CustomerUser.objects.filter(customer=customer).exists()
    assert not CustomerUserToken.objects.exists() and not PortalSession.objects.exists()
    assert services.session_user(session) is None
    assert not FaultReportFile.objects.filter(fault_report__customer=customer).exists()
    assert not default_storage.exists(stored)
    # and the fault report stays, as the policy of fault reports says
    report = FaultReport.objects.get(pk=report.pk)
    assert (report.reporter_name, report.reporter_email, report.reporter_phone) == ("Xxxx", "", "")
    assert report.description == "Läcker vid ventilen"  # kept free text, reviewed by hand


def test_r10_an_anonymized_customers_card_shows_no_portal_panel(admin_user, client):
    customer = make_customer()
    add_transactions(customer)
    _with_portal_users(customer)
    customer_anonymize(customer=customer, actor=admin_user)
    client.force_login(admin_user)

    card = client.get(reverse("customers:detail", args=[customer.number])).content.decode()

    assert 'id="portal-panel"' not in card
    assert client.get(reverse("customer_users:list", args=[customer.number])).status_code == 404
