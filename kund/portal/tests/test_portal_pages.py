"""R-10's portal pages: the customer's service protocols, installations and fault reports; a fault
reported in the portal lands on the customer's card, assigned to the responsible user, who is notified
(R-6); its photo goes through the storage under a random name and is downloaded only through views that
ask who is asking."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from kund.customers.models import Notification
from kund.customers.tests.register_fixtures import make_user
from kund.portal.tests.portal_fixtures import *  # noqa: F403
from kund.portal.tests.portal_fixtures import PNG, portal_sign_in
from kund.service.models import FaultReport, FaultReportFile

pytestmark = pytest.mark.django_db


def _photo(name: str = "köket hos karin.png", content: bytes = PNG) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="image/png")


def _report(client, site, **extra):
    data = {
        "installation": site.installation.pk,
        "description": "Värmepumpen piper och visar larm E-041.",
        "phone": "070-555 12 34",
        **extra,
    }
    return client.post(reverse("portal:fault_new"), data)


def test_r10_the_portal_shows_the_customers_protocols_but_not_internal_comments(client, site):
    portal_sign_in(client, site.user)

    listing = client.get(reverse("portal:protocols"))
    page = client.get(reverse("portal:protocol", args=[site.protocol.pk]))

    assert [p.pk for p in listing.context["page"].object_list] == [site.protocol.pk]
    text = page.content.decode()
    assert site.protocol.text in text and site.order.description in text
    assert site.order.internal_comment not in text


def test_r10_the_portal_shows_installations_with_their_protocols_and_faults(client, site):
    portal_sign_in(client, site.user)

    page = client.get(reverse("portal:installation", args=[site.installation.pk]))

    assert page.status_code == 200
    assert page.context["protocols"] == [site.protocol]
    assert page.context["faults"] == [site.fault]


def test_r10_a_portal_right_not_held_hides_its_pages_and_links(client, site):
    # given a user who may only see protocols
    site.user.can_see_installations = site.user.can_report_faults = site.user.can_see_users = False
    site.user.save()
    portal_sign_in(client, site.user)

    # then the other pages do not exist for them, and the start page does not offer them
    for name, args in (
        ("installations", []),
        ("installation", [site.installation.pk]),
        ("faults", []),
        ("fault_new", []),
        ("fault", [site.fault.pk]),
        ("fault_file", [site.fault.pk, site.photo.pk]),
        ("users", []),
    ):
        assert client.get(reverse(f"portal:{name}", args=args)).status_code == 404, name
    home = client.get(reverse("portal:home")).content.decode()
    assert reverse("portal:protocols") in home
    assert reverse("portal:faults") not in home and reverse("portal:installations") not in home


def test_r10_r6_a_fault_reported_in_the_portal_is_on_the_card_assigned_and_notified(client, site, technician):
    # given a signed-in customer user of a customer whose responsible user is the technician
    portal_sign_in(client, site.user)

    # when they report a fault with a photo
    response = _report(client, site, file=_photo())

    # then the report is the customer's, assigned to the technician, who has a notification about it
    report = FaultReport.objects.latest("pk")
    assert response.status_code == 302 and response["Location"] == reverse("portal:fault", args=[report.pk])
    assert (report.customer, report.responsible, report.installation) == (
        site.customer,
        technician,
        site.installation,
    )
    assert (report.reporter_name, report.reporter_email, report.reporter_phone) == (
        "Karin Lund",
        site.user.email,
        "070-555 12 34",
    )
    assert not report.resolved
    note = Notification.objects.get(recipient=technician, verb=Notification.Verb.FAULT_REPORTED)
    assert note.customer == site.customer
    # and the technician sees it: in the notifications, on the card, and on the report's page with the photo
    technician.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(technician)
    notes = client.get(reverse("customers:notifications")).content.decode()
    assert "A fault was reported for a customer you are responsible for" in notes
    card = client.get(reverse("customers:detail", args=[site.customer.number]))
    (faults,) = [entry for entry in card.context["sections"] if entry["section"].key == "fault_reports"]
    assert report in faults["rows"]
    panel = card.content.decode()
    assert reverse("service:fault_report", args=[site.customer.number, report.pk]) in panel
    detail = client.get(reverse("service:fault_report", args=[site.customer.number, report.pk]))
    (photo,) = detail.context["report"].files.all()
    assert "Värmepumpen piper" in detail.content.decode()
    download = client.get(
        reverse("service:fault_report_file", args=[site.customer.number, report.pk, photo.pk])
    )
    assert download.status_code == 200 and b"".join(download.streaming_content) == PNG


def test_r10_the_photo_is_stored_under_a_random_name_and_downloaded_as_an_attachment(client, site):
    portal_sign_in(client, site.user)
    _report(client, site, file=_photo())
    photo = FaultReportFile.objects.latest("pk")

    # the stored name tells nothing of the file's name or the customer
    assert photo.file.name.startswith("fault-reports/") and photo.file.name.endswith(".png")
    assert "karin" not in photo.file.name and "köket" not in photo.file.name
    assert default_storage.exists(photo.file.name)
    assert photo.content_type == "image/png"

    # and the portal user downloads it as an attachment under a neutral name, never cached or sniffed
    response = client.get(reverse("portal:fault_file", args=[photo.fault_report_id, photo.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"{photo.fault_report.ref}-{photo.pk}.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


def test_r10_only_photos_and_pdfs_are_taken_by_what_they_are_not_by_their_name(client, site):
    portal_sign_in(client, site.user)
    before = FaultReport.objects.count(), FaultReportFile.objects.count()

    response = _report(client, site, file=_photo("bild.png", b"<svg onload='alert(1)'></svg>"))

    assert response.status_code == 200
    assert "file" in response.context["form"].errors
    assert (FaultReport.objects.count(), FaultReportFile.objects.count()) == before


@override_settings(KUND_FAULT_FILE_MAX_BYTES=64)
def test_r10_a_file_too_large_is_refused_with_a_message(client, site):
    portal_sign_in(client, site.user)
    before = FaultReport.objects.count()

    response = _report(client, site, file=_photo(content=PNG + b"\x00" * 100))

    assert "file" in response.context["form"].errors
    assert FaultReport.objects.count() == before


def test_r10_a_fault_without_a_photo_or_installation(client, site):
    portal_sign_in(client, site.user)

    response = _report(client, site, installation="")

    report = FaultReport.objects.latest("pk")
    assert response.status_code == 302
    assert report.installation is None and not report.files.exists()


def test_r10_a_fault_needs_a_description(client, site):
    portal_sign_in(client, site.user)
    before = FaultReport.objects.count()

    response = _report(client, site, description="   ")

    assert "description" in response.context["form"].errors
    assert FaultReport.objects.count() == before


def test_r10_staff_who_may_not_view_the_customer_do_not_see_its_fault_reports(client, site):
    client.force_login(make_user("view_assigned_customer"))

    for url in (
        reverse("service:fault_report", args=[site.customer.number, site.fault.pk]),
        reverse("service:fault_report_file", args=[site.customer.number, site.fault.pk, site.photo.pk]),
    ):
        assert client.get(url).status_code == 404


def test_r10_a_fault_report_is_found_under_its_own_customer_only(client, site, other_site):
    client.force_login(make_user("view_customer"))

    assert (
        client.get(
            reverse("service:fault_report", args=[site.customer.number, other_site.fault.pk])
        ).status_code
        == 404
    )
    url = reverse(
        "service:fault_report_file", args=[site.customer.number, site.fault.pk, other_site.photo.pk]
    )
    assert client.get(url).status_code == 404
