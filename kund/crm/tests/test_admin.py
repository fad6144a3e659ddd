"""The back office for activities: a second customer (seed 001) is chosen as the first one is."""

import pytest
from django.contrib.auth.models import Group

from kund.core.rights import ADMINISTRATOR_GROUP
from kund.core.tests.test_admin import _add, _form_errors
from kund.crm.models import Activity
from kund.customers.models import Customer
from kund.customers.tests.register_fixtures import anonymize, make_user, new_company, new_private

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    user = make_user(username="astrid.admin")
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get(name=ADMINISTRATOR_GROUP))
    client.force_login(user)
    return client


def _meeting(client, customer: Customer, second: Customer):
    return _add(
        client,
        Activity,
        customer=customer.pk,
        second_customer=second.pk,
        number=7101,
        kind=Activity.Kind.MEETING,
        date_0="2025-03-01",
        date_1="10:30:00",
        subject="Gemensamt möte",
        second_contact_name="Per Åkesson",
    )


def test_seed001_a4_an_anonymized_customer_cannot_be_linked_as_second_customer(admin_client):
    # given
    first, gone = new_company(), anonymize(new_private())

    # when
    response = _meeting(admin_client, first, gone)

    # then
    assert "cannot be chosen for anything new" in " ".join(_form_errors(response)["second_customer"])
    assert not Activity.objects.exists()


def test_seed001_a_customer_is_not_its_own_second_customer(admin_client):
    customer = new_company()

    response = _meeting(admin_client, customer, customer)

    assert response.status_code == 200 and not Activity.objects.exists()


def test_seed001_another_customer_is_linked(admin_client):
    first, second = new_company(), new_private()

    response = _meeting(admin_client, first, second)

    assert response.status_code == 302
    assert Activity.objects.get().second_customer == second
