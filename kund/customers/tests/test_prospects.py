"""Prospects (seed 001, "Visa anonymiserade kunder/prospects"): customers-to-be with a kind of their own,
in the list's filter, converted to a customer keeping their number, and erased like any customer (E-1)."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from kund.audit.models import ChangeRecord
from kund.customers.models import Customer
from kund.customers.services import customer_convert_prospect, customer_update
from kund.customers.tests.register_fixtures import *  # noqa: F403
from kund.customers.tests.register_fixtures import make_user, new_company, new_private
from kund.sales.models import Order
from kund.sales.services import order_create

pytestmark = pytest.mark.django_db


def new_prospect(**overrides) -> Customer:
    data = {
        "kind": Customer.Kind.PROSPECT,
        "first_name": "Signe",
        "last_name": "Wallin",
        "email": "signe@example.se",
    }
    data.update(overrides)
    return new_private(**{"organisation_number": "", "birth_date": None, **data})


@pytest.fixture
def clerk(client):
    user = make_user("view_customer", "change_customer", "add_customer", username="klara.clerk")
    client.force_login(user)
    return user


def test_seed001_a_prospect_is_a_kind_of_its_own_in_the_lists_filter(client, clerk):
    """Seed 001: "Visa kunder/prospects" — the list shows customers or prospects as asked."""
    # given
    prospect = new_prospect()
    customer = new_private(first_name="Sture", last_name="Wallin", organisation_number="")

    # when
    prospects = client.get(reverse("customers:list"), {"kind": "prospect"})
    everyone = client.get(reverse("customers:list"), {"q": "wallin"})

    # then
    assert [c.number for c in prospects.context["page"].object_list] == [prospect.number]
    assert {c.number for c in everyone.context["page"].object_list} == {prospect.number, customer.number}
    assert "Prospect" in prospects.content.decode()


def test_seed001_a_prospect_gets_its_name_from_first_and_last_name_and_a_company_prospect_its_own():
    assert new_prospect().name == "Signe Wallin"
    assert new_prospect(first_name="", last_name="", name="Wallins Måleri AB").name == "Wallins Måleri AB"


def test_seed001_a_prospect_becomes_a_customer_keeping_its_number_recorded_in_history(clerk):
    """Seed 001's prospects become customers; R-1: the number stays; R-4: the change is recorded."""
    # given
    prospect = new_prospect()

    # when
    customer = customer_convert_prospect(customer=prospect, actor=clerk, kind=Customer.Kind.PRIVATE)

    # then
    fresh = Customer.objects.get(pk=prospect.pk)
    assert (fresh.kind, fresh.number, fresh.name) == ("private", prospect.number, "Signe Wallin")
    assert customer.number == prospect.number
    record = ChangeRecord.objects.get(customer=prospect, event=ChangeRecord.Event.CONVERTED)
    assert (record.actor, record.field, record.old_value, record.new_value) == (
        clerk,
        "kind",
        "prospect",
        "private",
    )


def test_seed001_a_company_prospect_becomes_a_company(clerk):
    prospect = new_prospect(first_name="", last_name="", name="Wallins Måleri AB")

    customer_convert_prospect(customer=prospect, actor=clerk, kind=Customer.Kind.COMPANY)

    assert Customer.objects.get(pk=prospect.pk).kind == Customer.Kind.COMPANY


@pytest.mark.parametrize(
    ("make", "kind", "message"),
    [
        (lambda: new_private(), "company", "Only a prospect"),
        (
            lambda: new_prospect(first_name="", last_name="", name="Wallins Måleri AB"),
            "private",
            "first or last",
        ),
        (lambda: new_prospect(), "prospect", "private person or a company"),
    ],
    ids=["not a prospect", "a person without a name", "not a customer kind"],
)
def test_seed001_conversion_refuses_what_does_not_fit_and_changes_nothing(clerk, make, kind, message):
    # given
    customer = make()
    before = Customer.objects.filter(pk=customer.pk).values().get()

    # when
    with pytest.raises(ValidationError, match=message):
        customer_convert_prospect(customer=customer, actor=clerk, kind=kind)

    # then
    assert Customer.objects.filter(pk=customer.pk).values().get() == before
    assert not ChangeRecord.objects.filter(event=ChangeRecord.Event.CONVERTED).exists()


def test_seed001_the_edit_form_cannot_turn_a_prospect_into_a_customer_or_back():
    """Conversion is its own action, with its own history event."""
    prospect, customer = new_prospect(), new_company()

    with pytest.raises(ValidationError):
        customer_update(customer=prospect, actor=None, data={"kind": Customer.Kind.PRIVATE})
    with pytest.raises(ValidationError):
        customer_update(customer=customer, actor=None, data={"kind": Customer.Kind.PROSPECT})


def test_seed001_a_prospect_cannot_be_chosen_for_a_new_order_until_converted():
    """A prospect has no transactions (seed 001): it is converted before it buys."""
    prospect = new_prospect()

    with pytest.raises(ValidationError, match="prospect"):
        order_create(customer=prospect, actor=None)
    assert not Order.objects.exists()

    customer_convert_prospect(customer=prospect, actor=None, kind=Customer.Kind.PRIVATE)
    assert order_create(customer=prospect, actor=None).customer_id == prospect.pk


def test_seed001_the_card_converts_a_prospect(client, clerk):
    # given
    prospect = new_prospect()
    card = client.get(reverse("customers:detail", args=[prospect.number])).content.decode()
    assert 'id="customer-convert"' in card

    # when
    response = client.post(reverse("customers:convert", args=[prospect.number]), {"kind": "private"})

    # then
    assert response.status_code == 302
    assert Customer.objects.get(pk=prospect.pk).kind == Customer.Kind.PRIVATE
    card = client.get(response["Location"]).content.decode()
    assert 'id="customer-convert"' not in card
    assert prospect.number in card


def test_seed001_the_card_answers_bad_input_with_a_message_and_changes_nothing(client, clerk):
    customer = new_private()

    for data in ({"kind": "private"}, {"kind": "nonsense"}, {}):
        response = client.post(reverse("customers:convert", args=[customer.number]), data, follow=True)
        assert response.status_code == 200
        assert list(response.context["messages"])
    assert Customer.objects.get(pk=customer.pk).kind == Customer.Kind.PRIVATE


def test_seed001_converting_needs_the_change_right(client):
    client.force_login(make_user("view_customer"))
    prospect = new_prospect()

    response = client.post(reverse("customers:convert", args=[prospect.number]), {"kind": "private"})

    assert response.status_code == 403
    assert Customer.objects.get(pk=prospect.pk).kind == Customer.Kind.PROSPECT


def test_seed001_e1_a_prospect_without_transactions_is_deleted_and_with_an_activity_anonymized():
    """E-1 for prospects as for every customer: usually delete, anonymize once something is linked."""
    from datetime import UTC, datetime

    from kund.crm.models import Activity
    from kund.privacy.planner import Action, plan_customer

    bare, met = new_prospect(), new_prospect(first_name="Tove")
    Activity.objects.create(
        customer=met,
        number=90_001,
        kind=Activity.Kind.MEETING,
        date=datetime(2024, 5, 2, 10, tzinfo=UTC),
        subject="Mässbesök",
    )

    assert plan_customer(bare).action == Action.DELETE
    assert plan_customer(met).action == Action.ANONYMIZE


def test_seed001_an_exported_prospect_imports_back(client, clerk):
    """The list's export writes the kind "prospect"; its file imports back (SPEC §8)."""
    from kund.customers.importing import import_customers

    # given
    prospect = new_prospect(first_name="Ebba", last_name="Nyström", email="ebba@example.se")
    exported = b"".join(
        client.get(reverse("customers:export", args=["csv"]), {"kind": "prospect"}).streaming_content
    )
    Customer.objects.all().delete()
    exported = exported.replace(f"{prospect.number},".encode(), b",")  # a deleted number stays reserved (D-2)

    # when
    report = import_customers(actor=None, data=exported)

    # then
    assert report.errors == [] and report.imported == 1
    assert Customer.objects.get(last_name="Nyström").kind == Customer.Kind.PROSPECT


def test_seed001_a_prospect_is_created_with_the_registers_form(client, clerk):
    response = client.post(
        reverse("customers:create"),
        {"kind": "prospect", "first_name": "Ebba", "last_name": "Nyström", "invoice_country": "SE"},
    )

    assert response.status_code == 302
    created = Customer.objects.get(last_name="Nyström")
    assert (created.kind, created.name) == ("prospect", "Ebba Nyström")


def test_seed001_a_prospect_without_any_name_is_refused_beside_the_field(client, clerk):
    response = client.post(reverse("customers:create"), {"kind": "prospect", "invoice_country": "SE"})

    assert response.status_code == 200
    assert "name" in response.context["form"].errors
    assert not Customer.objects.exists()


def test_seed001_the_edit_form_offers_no_way_between_prospect_and_customer(client, clerk):
    prospect, customer = new_prospect(), new_company()

    prospect_kinds = (
        client.get(reverse("customers:edit", args=[prospect.number])).context["form"].fields["kind"]
    )
    customer_kinds = (
        client.get(reverse("customers:edit", args=[customer.number])).context["form"].fields["kind"]
    )

    assert [value for value, _label in prospect_kinds.choices] == ["prospect"]
    assert [value for value, _label in customer_kinds.choices] == ["private", "company"]
