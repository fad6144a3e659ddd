"""Deceased customers (seed 003: a customer "per Status auf … 'verstorben' gesetzt"): the status with the
date records a fact and erases nothing; such a customer cannot be chosen for new orders, like an inactive
one (R-5), is left out of mailings, and is found by the list's status filter."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from kund.audit.models import ChangeRecord
from kund.customers.models import Customer
from kund.customers.services import customer_set_status
from kund.customers.tests.register_fixtures import *  # noqa: F403
from kund.customers.tests.register_fixtures import make_user, new_private
from kund.sales.models import Order
from kund.sales.services import order_create
from kund.service.models import FaultReport
from kund.service.services import fault_report_create

pytestmark = pytest.mark.django_db

DIED = date(2024, 2, 11)


@pytest.fixture
def clerk(client):
    user = make_user("view_customer", "change_customer", username="klara.clerk")
    client.force_login(user)
    return user


def test_seed003_deceased_is_a_status_with_its_date_recorded_in_history(person, clerk):
    """Seed 003: "per Status auf … 'verstorben' gesetzt"; R-4: who recorded it and when."""
    # when
    customer_set_status(customer=person, actor=clerk, status=Customer.Status.DECEASED, deceased_on=DIED)

    # then
    fresh = Customer.objects.get(pk=person.pk)
    assert (fresh.status, fresh.deceased_on, fresh.is_deceased, fresh.is_active) == (
        "deceased",
        DIED,
        True,
        False,
    )
    assert fresh.anonymized_at is None and fresh.email == person.email  # it erases nothing
    changes = dict(
        ChangeRecord.objects.filter(customer=person, event=ChangeRecord.Event.CHANGED).values_list(
            "field", "new_value"
        )
    )
    assert changes == {"status": "deceased", "deceased_on": "2024-02-11"}


def test_seed003_leaving_the_status_clears_the_date(person):
    customer_set_status(customer=person, actor=None, status=Customer.Status.DECEASED, deceased_on=DIED)

    customer_set_status(customer=person, actor=None, status=Customer.Status.ACTIVE)

    fresh = Customer.objects.get(pk=person.pk)
    assert (fresh.status, fresh.deceased_on) == ("active", None)


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (None, "Enter the date of death"),
        (timezone.localdate() + timedelta(days=1), "future"),
        (date(1970, 1, 1), "before the birth date"),  # the person was born in 1981
    ],
    ids=["no date", "in the future", "before birth"],
)
def test_seed003_a_date_of_death_that_cannot_be_is_refused_and_nothing_changes(person, day, message):
    with pytest.raises(ValidationError, match=message):
        customer_set_status(customer=person, actor=None, status=Customer.Status.DECEASED, deceased_on=day)

    assert Customer.objects.get(pk=person.pk).status == Customer.Status.ACTIVE
    assert not ChangeRecord.objects.filter(customer=person, field="status").exists()


def test_seed003_a_company_is_not_recorded_as_deceased(company, client, clerk):
    with pytest.raises(ValidationError, match="company"):
        customer_set_status(customer=company, actor=None, status=Customer.Status.DECEASED, deceased_on=DIED)

    assert Customer.objects.get(pk=company.pk).status == Customer.Status.ACTIVE
    card = client.get(reverse("customers:detail", args=[company.number])).content.decode()
    assert 'id="customer-deceased-form"' not in card


def test_seed003_the_database_keeps_status_and_date_together(person):
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.filter(pk=person.pk).update(status=Customer.Status.DECEASED)
    with pytest.raises(IntegrityError), transaction.atomic():
        Customer.objects.filter(pk=person.pk).update(deceased_on=DIED)


def test_seed003_r5_a_deceased_customer_cannot_be_chosen_for_new_orders_or_fault_reports(person):
    """R-5's "kan inte väljas för nya ordrar", for the deceased as for the inactive."""
    customer_set_status(customer=person, actor=None, status=Customer.Status.DECEASED, deceased_on=DIED)

    with pytest.raises(ValidationError, match="deceased"):
        order_create(customer=person, actor=None)
    with pytest.raises(ValidationError, match="deceased"):
        fault_report_create(customer=person, actor=None)
    assert not Order.objects.exists() and not FaultReport.objects.exists()


def test_seed003_the_list_filters_by_the_deceased_status(client, clerk, person):
    other = new_private(first_name="Nils", last_name="Berg", organisation_number="")
    customer_set_status(customer=person, actor=None, status=Customer.Status.DECEASED, deceased_on=DIED)

    response = client.get(reverse("customers:list"), {"status": "deceased"})

    assert [c.number for c in response.context["page"].object_list] == [person.number]
    assert other.number not in response.content.decode()


def test_seed003_the_card_records_a_death_with_its_date(client, clerk, person):
    # given
    card = client.get(reverse("customers:detail", args=[person.number])).content.decode()
    assert 'id="customer-deceased-form"' in card

    # when
    response = client.post(
        reverse("customers:status", args=[person.number]), {"status": "deceased", "deceased_on": "2024-02-11"}
    )

    # then
    assert response.status_code == 302
    assert Customer.objects.get(pk=person.pk).deceased_on == DIED
    card = client.get(reverse("customers:detail", args=[person.number])).content.decode()
    assert "Deceased 2024-02-11" in card


@pytest.mark.parametrize("deceased_on", ["", "not a date", "9999-12-31", "2999-01-01"])
def test_seed003_the_card_answers_a_bad_date_with_a_message_and_changes_nothing(
    client, clerk, person, deceased_on
):
    response = client.post(
        reverse("customers:status", args=[person.number]),
        {"status": "deceased", "deceased_on": deceased_on},
        follow=True,
    )

    assert response.status_code == 200
    assert list(response.context["messages"])
    assert Customer.objects.get(pk=person.pk).status == Customer.Status.ACTIVE


def test_seed003_anonymizing_keeps_only_the_year_of_death(person):
    """As the birth date (SPEC §4): the year stays for statistics, the day goes."""
    from kund.privacy.services import anonymize_customers
    from kund.sales.models import Order as SalesOrder

    customer_set_status(customer=person, actor=None, status=Customer.Status.DECEASED, deceased_on=DIED)
    SalesOrder.objects.create(
        customer=person, number=77_001, date=date(2020, 1, 3), delivered=True, invoiced=True
    )

    anonymize_customers(customer_ids=[person.pk])

    fresh = Customer.objects.get(pk=person.pk)
    assert (fresh.status, fresh.deceased_on, fresh.name) == ("deceased", date(2024, 1, 1), "Xxxx Xxxx")
