"""The customer list as a place to act (seeds 000, 004): a trash can per row that opens the erasure page,
and ticking customers to assign one responsible user to them all, with technicians grouped."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from kund.audit.models import ChangeRecord
from kund.customers.models import Customer, Notification
from kund.customers.selectors import TECHNICIANS_GROUP
from kund.customers.services import customer_assign
from kund.customers.tests.register_fixtures import *  # noqa: F403
from kund.customers.tests.register_fixtures import anonymize, make_user, new_company, new_private

pytestmark = pytest.mark.django_db


def _three() -> list[Customer]:
    return [
        new_private(
            first_name=first, last_name="Holm", organisation_number="", email=f"{first.lower()}@example.se"
        )
        for first in ("Alva", "Bror", "Cilla")
    ]


def _list(client, **params) -> str:
    return client.get(reverse("customers:list"), params).content.decode()


# --- the trash can (seed 000) ----------------------------------------------------------------------------


def test_seed000_the_list_has_a_trash_can_per_row_that_opens_the_erasure_page(client, person):
    """Seed 000: "Sök upp kunden i kundregistret och ta bort den genom att klicka på soptunnan i
    listningen" — the same erasure page as the card's (E-1 decides there)."""
    client.force_login(make_user("view_customer", "erase_customer"))

    html = _list(client)

    assert f'data-erase="{person.number}"' in html
    assert f'href="{reverse("privacy:customer_erasure", args=[person.pk])}"' in html


@pytest.mark.parametrize("rights", [("view_customer",), ("view_customer", "change_customer")])
def test_seed000_e4_without_the_erasure_right_there_is_no_trash_can(client, person, rights):
    client.force_login(make_user(*rights))

    html = _list(client)

    assert "data-erase=" not in html and reverse("privacy:customer_erasure", args=[person.pk]) not in html


def test_seed000_e4_an_only_assigned_eraser_gets_the_trash_can_on_its_own_customers_only(
    client, person, company
):
    # given a user with the erasure right who sees only the customers assigned to it
    user = make_user("view_assigned_customer", "erase_customer")
    customer_assign(customer=company, actor=None, responsible=user)
    client.force_login(user)

    # when
    html = _list(client)

    # then
    assert f'data-erase="{company.number}"' in html
    assert person.number not in html


# --- assigning from the list (seed 004) ------------------------------------------------------------------


@pytest.fixture
def manager(client):
    user = make_user("view_customer", "assign_customer", username="maria.manager")
    client.force_login(user)
    return user


@pytest.fixture
def technician():
    user = make_user(username="tim.tekniker")
    group, _created = Group.objects.get_or_create(name=TECHNICIANS_GROUP)
    user.groups.add(group)
    return user


def test_seed004_assigning_three_customers_at_once_goes_customer_by_customer(client, manager, technician):
    """Seed 004: "välja listvy … klicka på kugghjulet och välja Tilldela i listan"; R-6: the user is told
    of each customer, each card records it."""
    # given
    customers = _three()
    back = f"{reverse('customers:list')}?q=holm"

    # when
    response = client.post(
        reverse("customers:bulk_assign"),
        {"customers": [c.pk for c in customers], "responsible": technician.pk, "next": back},
    )

    # then
    assert response.status_code == 302 and response["Location"] == back
    assert set(Customer.objects.filter(responsible=technician).values_list("pk", flat=True)) == {
        c.pk for c in customers
    }
    notes = Notification.objects.filter(recipient=technician, verb=Notification.Verb.ASSIGNED)
    assert sorted(notes.values_list("customer_id", flat=True)) == sorted(c.pk for c in customers)
    history = ChangeRecord.objects.filter(event=ChangeRecord.Event.ASSIGNED, actor=manager)
    assert sorted(history.values_list("customer_id", "new_value")) == sorted(
        (c.pk, "tim.tekniker") for c in customers
    )


def test_seed004_unassigning_from_the_list_tells_the_previous_user(client, manager, technician):
    customers = _three()
    for customer in customers:
        customer_assign(customer=customer, actor=None, responsible=technician)

    client.post(reverse("customers:bulk_assign"), {"customers": [c.pk for c in customers], "responsible": ""})

    assert not Customer.objects.filter(responsible__isnull=False).exists()
    assert Notification.objects.filter(recipient=technician, verb=Notification.Verb.UNASSIGNED).count() == 3


def test_seed004_r9_one_customer_the_user_may_not_assign_and_none_is_assigned(client, manager, technician):
    """All or nothing: bad input changes nothing."""
    customers = _three()
    gone = anonymize(new_company())

    response = client.post(
        reverse("customers:bulk_assign"),
        {"customers": [*(c.pk for c in customers), gone.pk], "responsible": technician.pk},
        follow=True,
    )

    assert response.status_code == 200
    assert "Nothing was assigned" in response.content.decode()
    assert not Customer.objects.filter(responsible__isnull=False).exists()
    assert not Notification.objects.exists()


def test_seed004_r9_only_assigned_viewer_cannot_assign_a_customer_it_does_not_see(client, technician):
    # given a user with the assign right who sees only its own customers
    user = make_user("view_assigned_customer", "assign_customer")
    own, other = _three()[:2]
    customer_assign(customer=own, actor=None, responsible=user)
    client.force_login(user)

    # when
    client.post(
        reverse("customers:bulk_assign"), {"customers": [own.pk, other.pk], "responsible": technician.pk}
    )

    # then
    assert Customer.objects.get(pk=own.pk).responsible == user
    assert Customer.objects.get(pk=other.pk).responsible is None


@pytest.mark.parametrize(
    "data",
    [
        {"responsible": ""},
        {"customers": ["x"], "responsible": ""},
        {"customers": ["1"], "responsible": "not-a-user"},
        {"customers": ["-4"], "responsible": ""},
        {"customers": [str(2**70)], "responsible": ""},
    ],
    ids=["nothing ticked", "not a number", "unknown user", "negative", "too large"],
)
def test_seed004_bad_input_gets_a_message_and_changes_nothing(client, manager, person, data):
    response = client.post(reverse("customers:bulk_assign"), data, follow=True)

    assert response.status_code == 200
    assert list(response.context["messages"])
    assert not ChangeRecord.objects.filter(event=ChangeRecord.Event.ASSIGNED).exists()


def test_seed004_the_next_address_must_be_the_list(client, manager, person, technician):
    response = client.post(
        reverse("customers:bulk_assign"),
        {"customers": [person.pk], "responsible": technician.pk, "next": "https://example.com/customers/"},
    )

    assert response["Location"] == reverse("customers:list")


def test_seed004_the_list_has_a_box_per_row_and_technicians_grouped_first(client, manager, technician):
    """Seed 004: "Klicka på Tilldela så listas alla tekniker i grupper"."""
    person = new_private()
    seller = make_user(username="sam.seller")

    html = _list(client)

    assert f'data-select="{person.number}"' in html and 'form="bulk-assign"' in html
    html = html[html.index('id="bulk-assign"') :]
    html = html[: html.index("</form>")]
    technicians = html.index('<optgroup label="Technicians">')
    others = html.index('<optgroup label="Other users">')
    assert technicians < html.index(f'value="{technician.pk}"') < others < html.index(f'value="{seller.pk}"')


def test_seed004_without_the_assign_right_there_are_no_boxes(client, person):
    client.force_login(make_user("view_customer"))

    html = _list(client)

    assert 'id="bulk-assign"' not in html and "data-select=" not in html


def test_seed004_the_cards_assign_page_groups_the_technicians_too(client, manager, technician, person):
    html = client.get(reverse("customers:assign", args=[person.number])).content.decode()

    assert '<optgroup label="Technicians">' in html
