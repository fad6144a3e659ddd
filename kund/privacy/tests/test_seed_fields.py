"""What seed 001's anonymization table names and the model lacked, through the erasure engine: a CRM
activity's second customer (a model reachable from two customers), a delivery's invoice address, a trade
invoice's sender block, an inbound delivery's kept terms and comment; prospects in mass erasure (seed
002's criteria, M-2); and the name an anonymized customer is shown by ("Xxxx Xxxx", a company "Xxxx")."""

import importlib
import io
import json
from datetime import date, datetime

import pytest
from django.apps import apps as django_apps
from django.core.management import call_command
from django.utils import timezone

from kund.audit.models import ErasureLogEntry
from kund.crm.models import Activity
from kund.customers.models import Customer
from kund.demo.testing.factories import Person, add_transactions, make_customer, next_number
from kund.privacy.mass import Criteria, select_customers
from kund.privacy.planner import Action, plan_customer
from kund.privacy.services import anonymize_customers, customer_anonymize
from kund.privacy.tests.massdata import company, enable_crm, order, private
from kund.sales.models import Delivery, InboundDelivery, TradeInvoice

pytestmark = pytest.mark.django_db

ANNA = Person(
    first_name="Anna",
    last_name="Andersson",
    email="anna.andersson@example.se",
    phone="070-111 22 33",
    mobile="073-444 55 66",
    personal_number="19790412-1236",
)
BERIT = Person(
    first_name="Berit",
    last_name="Sjöholm",
    email="berit.sjoholm@example.se",
    phone="070-999 88 77",
    mobile="076-555 44 33",
    personal_number="19650301-2386",
)


def _with_business(person: Person) -> Customer:
    customer = make_customer(person=person)
    add_transactions(customer, person=person)
    return customer


def _meeting(first: Customer, second: Customer, contact: Person) -> Activity:
    """An activity of `first` that `second` took part in, with the person met there."""
    return Activity.objects.create(
        customer=first,
        number=next_number(),
        kind=Activity.Kind.MEETING,
        date=timezone.make_aware(datetime(2022, 4, 5, 14)),
        subject="Gemensamt platsbesök",
        text="Besiktning av fasaden",
        contact_name=first.contact_person,
        second_customer=second,
        second_contact_name=contact.full_name,
        second_contact_email=contact.email,
        second_contact_phone=contact.phone,
    )


# --- a second customer's link (seed 001's CRM: "kundkoppling till aktiviteten") ---------------------------


def test_seed001_anonymizing_the_second_customer_anonymizes_the_links_details_only(admin_user):
    """Seed 001: "Om det finns en kundkoppling till aktiviteten/händelsen så anonymiseras den också" —
    from the second customer's side, the link; the first customer's activity stays its own."""
    # given
    anna, berit = _with_business(ANNA), _with_business(BERIT)
    meeting = _meeting(anna, berit, BERIT)

    # when
    customer_anonymize(customer=berit, actor=admin_user)

    # then
    meeting.refresh_from_db()
    assert (meeting.second_contact_name, meeting.second_contact_email, meeting.second_contact_phone) == (
        "Xxxx",
        "",
        "",
    )
    assert (meeting.subject, meeting.text, meeting.contact_name) == (
        "Gemensamt platsbesök",
        "Besiktning av fasaden",
        anna.contact_person,
    )
    assert meeting.customer_id == anna.pk and meeting.second_customer_id == berit.pk
    assert Customer.objects.get(pk=anna.pk).anonymized_at is None


def test_seed001_anonymizing_the_first_customer_anonymizes_the_activity_and_its_link(admin_user):
    anna, berit = _with_business(ANNA), _with_business(BERIT)
    meeting = _meeting(anna, berit, BERIT)

    customer_anonymize(customer=anna, actor=admin_user)

    meeting.refresh_from_db()
    assert (meeting.subject, meeting.text, meeting.contact_name) == ("Xxxx", "", "Xxxx")
    assert (meeting.second_contact_name, meeting.second_contact_email, meeting.second_contact_phone) == (
        "Xxxx",
        "",
        "",
    )
    assert Customer.objects.get(pk=berit.pk).anonymized_at is None


def test_seed001_e2_a_second_customer_link_is_an_event_of_that_customer(admin_user):
    """E-2's "Aktiviteter och händelser": linked as second customer, the customer has an event, so it
    is anonymized rather than deleted (and the plan counts the link)."""
    # given a customer without business of its own, linked to another's activity
    anna = _with_business(ANNA)
    berit = make_customer(person=BERIT)
    _meeting(anna, berit, BERIT)

    # when
    plan = plan_customer(berit)

    # then
    assert plan.action == Action.ANONYMIZE
    assert plan.linked == {"linked_activity": 1}
    outcome = customer_anonymize(customer=berit, actor=admin_user)
    assert outcome.result == "anonymized"


def test_seed001_the_erasure_log_counts_an_activity_once_per_link(admin_user):
    # given a customer with an activity of its own and one of another customer's linking it
    anna, berit = _with_business(ANNA), _with_business(BERIT)
    _meeting(anna, berit, BERIT)

    # when
    customer_anonymize(customer=berit, actor=admin_user)

    # then: its own activity and the linking one, summed under the model
    entry = ErasureLogEntry.objects.get(customer_number=berit.number)
    assert entry.counts["crm.Activity"] == 2


def test_seed001_erasure_plan_json_lists_the_linked_activity(admin_user):
    anna, berit = _with_business(ANNA), _with_business(BERIT)
    _meeting(anna, berit, BERIT)
    out = io.StringIO()

    call_command("erasure_plan", berit.number, "--json", stdout=out)

    linked = json.loads(out.getvalue())["linked"]
    assert linked["activity"] == 1 and linked["linked_activity"] == 1


# --- the fields of seed 001's table the models lacked ---------------------------------------------------


def test_seed001_a_deliverys_invoice_and_delivery_address_are_both_anonymized(admin_user):
    """Seed 001, "Leveransinformation": "gäller både för faktura- och leveransaddress"; region and
    country kept (A-1)."""
    anna = _with_business(ANNA)

    customer_anonymize(customer=anna, actor=admin_user)

    delivery = Delivery.objects.get(customer=anna)
    for prefix in ("invoice", "delivery"):
        values = [getattr(delivery, f"{prefix}_{part}") for part in ("name", "attention", "address", "city")]
        assert values == ["", "", "", ""], prefix
        assert getattr(delivery, f"{prefix}_postal_code") == ""
        assert getattr(delivery, f"{prefix}_country") == "SE"


def test_seed001_a_trade_invoices_sender_block_is_anonymized_with_the_recipients(admin_user):
    """Seed 001, "Handelsfaktura": "adressuppgifter för mottagare och avsändare"."""
    anna = _with_business(ANNA)

    customer_anonymize(customer=anna, actor=admin_user)

    trade = TradeInvoice.objects.get(customer=anna)
    assert (trade.sender_name, trade.sender_address, trade.sender_postal_code, trade.sender_city) == ("",) * 4
    assert (trade.name, trade.address, trade.customer_display) == ("", "", "Xxxx")
    assert trade.sender_country == "SE"


def test_seed001_an_inbound_deliverys_terms_and_internal_comment_are_kept_and_listed_for_review(admin_user):
    """Seed 001, "Inleverans av Inköp kopplat till dropship-order": "Krav/Villkor, Intern kommentar
    Bibehålls" — kept, and shown before anonymizing as free text to clear by hand (A-2)."""
    anna = _with_business(ANNA)

    kept = {(k.kind, k.field) for k in plan_customer(anna).kept_free_text}
    customer_anonymize(customer=anna, actor=admin_user)

    inbound = InboundDelivery.objects.get(purchase__dropship_order__customer=anna)
    assert (inbound.terms, inbound.internal_comment) == ("Fritt vårt lager", "Avisera Anna")
    assert {("inbound_delivery", "terms"), ("inbound_delivery", "internal_comment")} <= kept


# --- "Xxxx Xxxx" (seed 001's example) --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "shown"),
    [
        ({"kind": "private", "first_name": "Anna", "last_name": "Andersson"}, "Xxxx Xxxx"),
        ({"kind": "company", "name": "Anderssons Bygg AB"}, "Xxxx"),
        ({"kind": "prospect", "first_name": "Anna", "last_name": "Andersson"}, "Xxxx Xxxx"),
        ({"kind": "prospect", "name": "Anderssons Bygg AB"}, "Xxxx"),
    ],
    ids=["person", "company", "person prospect", "company prospect"],
)
def test_seed001_anna_andersson_becomes_xxxx_xxxx_and_a_company_xxxx(data, shown):
    """Seed 001: "Till exempel Anna Andersson omvandlas till Xxxx Xxxx"."""
    from kund.customers.services import customer_create

    customer = customer_create(actor=None, data=data)
    Activity.objects.create(
        customer=customer,
        number=next_number(),
        kind=Activity.Kind.CALL,
        date=timezone.make_aware(datetime(2023, 1, 9, 9)),
        subject="Samtal",
    )

    anonymize_customers(customer_ids=[customer.pk])

    fresh = Customer.objects.get(pk=customer.pk)
    assert fresh.name == shown and fresh.search_name == shown.lower()
    assert (fresh.first_name, fresh.last_name) == ("Xxxx", "Xxxx")


def test_seed001_those_anonymized_before_are_renamed_xxxx_xxxx_by_the_migration():
    # given a person and a company anonymized when every name became "Xxxx"
    person = private("Anna", "Andersson", created=date(2019, 1, 1))
    firm = company("Anderssons Bygg AB", created=date(2019, 1, 1))
    Customer.objects.filter(pk__in=[person.pk, firm.pk]).update(anonymized_at=timezone.now(), name="Xxxx")
    migration = importlib.import_module("kund.customers.migrations.0011_prospects_deceased_record_refs")

    # when
    migration.name_anonymized_persons(django_apps, None)

    # then
    assert Customer.objects.get(pk=person.pk).name == "Xxxx Xxxx"
    assert Customer.objects.get(pk=firm.pk).name == "Xxxx"


# --- mass erasure: prospects by a criterion of their own (seed 002, M-2) ----------------------------------


def _prospect(name: str, *, created: date) -> Customer:
    return private(name, "Prospektsson", created=created, kind=Customer.Kind.PROSPECT)


def test_seed002_prospects_created_on_or_before_the_date_have_their_own_criterion():
    """Seed 002: "Kunder skapade innan valt datum" for prospects (seed 001), the date inclusive; M-2's
    other criteria select private persons only, so prospects are not caught by them."""
    # given
    through = date(2021, 6, 30)
    on_the_day = _prospect("Alma", created=through)
    after = _prospect("Bodil", created=date(2021, 7, 1))
    person = private("Cecilia", "Holm", created=date(2020, 1, 1))
    buyer = private("Dan", "Holm", created=date(2020, 1, 1))
    order(buyer, date(2020, 5, 1))

    # then
    chosen = set(select_customers(criteria=Criteria.PROSPECTS, through=through).values_list("pk", flat=True))
    assert chosen == {on_the_day.pk}
    assert after.pk not in chosen and person.pk not in chosen
    both = set(select_customers(criteria=Criteria.BOTH, through=through).values_list("pk", flat=True))
    assert both == {person.pk, buyer.pk}


def test_seed002_mass_erase_command_deletes_old_prospects(admin_user):
    # given
    enable_crm()
    old = _prospect("Alma", created=date(2019, 3, 1))
    new = _prospect("Bodil", created=timezone.localdate())
    out = io.StringIO()

    # when
    call_command(
        "mass_erase", "--criteria", "prospects", "--through", "2020-12-31", "--yes", "--json", stdout=out
    )

    # then
    result = json.loads(out.getvalue())
    assert (result["selected"], result["delete"], result["deleted"]) == (1, 1, 1)
    assert not Customer.objects.filter(pk=old.pk).exists()
    assert Customer.objects.filter(pk=new.pk).exists()


def test_seed001_the_erasure_page_says_what_happens_to_the_link_and_to_the_name(client, eraser):
    """The page's field map in words: the second customer's link, and "Xxxx Xxxx" for the name."""
    from django.urls import reverse

    # given
    anna, berit = _with_business(ANNA), make_customer(person=BERIT)
    _meeting(anna, berit, BERIT)
    client.force_login(eraser)

    # when
    response = client.get(reverse("privacy:customer_erasure", args=[berit.pk]))

    # then
    changes = dict(response.context["changes"])
    link = changes["activities linked as second customer"]
    assert any("second customer's contact name" in fields and becomes == "Xxxx" for fields, becomes in link)
    assert not any("subject" in fields for fields, _becomes in link)
    assert ("customer name", "Xxxx Xxxx (a company: Xxxx)") in changes["customers"]
    assert dict(response.context["linked"]) == {"activities linked as second customer": 1}


def test_seed001_r3_the_second_customers_card_shows_the_activities_that_link_it(client, eraser):
    from django.urls import reverse

    anna, berit = _with_business(ANNA), make_customer(person=BERIT)
    meeting = _meeting(anna, berit, BERIT)
    client.force_login(eraser)

    response = client.get(reverse("customers:section", args=[berit.number, "linked_activities"]))

    assert response.status_code == 200
    assert meeting.ref in response.content.decode()


def test_seed001_b5_the_first_customers_activity_text_is_searched_for_the_second_customer(admin_user):
    """B-5 for the second link: "the customer's … full name occur in no row of any table" — the first
    customer's note of the meeting keeps its words, without the second customer's name and number."""
    # given
    anna, berit = _with_business(ANNA), make_customer(person=BERIT)
    meeting = _meeting(anna, berit, BERIT)
    Activity.objects.filter(pk=meeting.pk).update(text=f"Träffade {BERIT.full_name}, ring {BERIT.mobile}.")

    # when
    plan = plan_customer(berit)
    customer_anonymize(customer=berit, actor=admin_user)

    # then
    assert ("linked_activity", "text") in {(k.kind, k.field) for k in plan.kept_free_text}
    meeting.refresh_from_db()
    assert BERIT.last_name not in meeting.text and "765" not in meeting.text.replace(" ", "")
    assert meeting.text.startswith("Träffade Xxxx")
