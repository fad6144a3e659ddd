"""fault_report_create: the register's rules for a new fault report (R-5, R-6, A-4)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kund.customers.models import Customer
from kund.customers.services import customer_assign, customer_set_status
from kund.customers.tests.register_fixtures import *  # noqa: F403
from kund.customers.tests.register_fixtures import anonymize
from kund.service.models import FaultReport
from kund.service.services import fault_report_create


@pytest.mark.django_db
def test_r6_new_fault_report_is_assigned_to_the_customers_responsible_user(company, seller):
    # given
    customer_assign(customer=company, actor=None, responsible=seller)

    # when
    report = fault_report_create(
        customer=company,
        actor=None,
        data={"reporter_name": "Per Åkesson", "description": "Värmepumpen larmar"},
    )

    # then
    assert report.responsible == seller
    assert report.reported_at is not None


@pytest.mark.django_db
def test_r6_reassigning_the_customer_changes_who_gets_the_next_report(company, seller, other_seller):
    customer_assign(customer=company, actor=None, responsible=seller)
    first = fault_report_create(customer=company, actor=None)
    customer_assign(customer=company, actor=None, responsible=other_seller)

    second = fault_report_create(customer=company, actor=None)

    assert (first.responsible, second.responsible) == (seller, other_seller)
    assert second.number == first.number + 1


@pytest.mark.django_db
def test_r5_inactive_customer_cannot_get_a_fault_report(company):
    customer_set_status(customer=company, actor=None, status=Customer.Status.INACTIVE)

    with pytest.raises(ValidationError, match="inactive"):
        fault_report_create(customer=company, actor=None)
    assert not FaultReport.objects.exists()


@pytest.mark.django_db
def test_a4_anonymized_customer_cannot_get_a_fault_report(person):
    anonymize(person)

    with pytest.raises(ValidationError, match="anonymized"):
        fault_report_create(customer=person, actor=None)
    assert not FaultReport.objects.exists()


@pytest.mark.django_db
def test_seed004_every_new_fault_report_notifies_the_responsible_user(company, seller):
    """Seed 004: "få notifikation om alla ordrar och felanmälningar som berör kunden"."""
    from kund.customers.models import Notification

    # given
    customer_assign(customer=company, actor=None, responsible=seller)

    # when
    report = fault_report_create(customer=company, actor=None, data={"description": "Larmet tjuter"})

    # then
    note = Notification.objects.get(recipient=seller, verb=Notification.Verb.FAULT_REPORTED)
    assert (note.customer_id, note.record_ref) == (company.pk, report.ref)


@pytest.mark.django_db
def test_seed004_the_notification_list_names_the_new_record(client, company, seller):
    customer_assign(customer=company, actor=None, responsible=seller)
    report = fault_report_create(customer=company, actor=None)
    client.force_login(seller)

    html = client.get(reverse("customers:notifications")).content.decode()

    assert (
        f'data-record="{report.ref}"' in html
        and "A fault was reported for a customer you are responsible for" in html
    )
