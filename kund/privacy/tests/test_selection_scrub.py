"""A-7, S-1: an erased customer's details leave every saved selection's name and filter, in the erasure's
own transaction — whichever way the customer is erased (one customer, a mass run, a selection)."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse

from kund.customers.models import Customer
from kund.privacy import services
from kund.privacy.jobs import plan_mass_job, run_job, start_job
from kund.privacy.models import SavedSelection
from kund.privacy.selections import scrub_selections, selection_save
from kund.privacy.services import customer_anonymize, customer_delete, erase_customers
from kund.privacy.tests.massdata import enable_crm, mass_eraser, order, private

pytestmark = pytest.mark.django_db

EMAIL = "hjalmarjakobsson@gmail.com"


@pytest.fixture
def admin(db):
    return get_user_model().objects.create_superuser("admin", "admin@kund.test", "pw")


def hjalmar(**data) -> Customer:
    return private(
        "Hjalmar",
        "Jakobsson",
        created=date(2015, 3, 1),
        email=EMAIL,
        phone="070-612 34 56",
        organisation_number="19620314-2385",
        **data,
    )


def saved(admin, name: str, query: str) -> SavedSelection:
    return selection_save(actor=admin, name=name, query=query)


def fresh(selection: SavedSelection) -> SavedSelection:
    return SavedSelection.objects.get(pk=selection.pk)


# --- what is taken out ------------------------------------------------------------------------------


def test_the_name_and_the_filter_lose_the_details_and_keep_the_rest(admin):
    # given selections naming the customer by e-mail (URL-encoded, as the list saves it), by name in
    # another case and in the genitive, and by personal number, and one that does not name him
    customer = hjalmar()
    by_email = saved(admin, "Hjalmars e-post", "q=hjalmarjakobsson%40gmail.com&kind=private")
    by_name = saved(admin, "JAKOBSSONS kunder i Stockholm", "q=Hjalmar+Jakobsson")
    by_number = saved(admin, "Kund 19620314-2385, tel. 070-612 34 56", "kind=private")
    other = private("Karin", "Holm", created=date(2016, 1, 1))
    unrelated = saved(admin, "Holm och Bostäder", "q=holm")

    # when the customer's details are scrubbed
    changed = scrub_selections(customer_ids=[customer.pk])

    # then each detail became Xxxx, the rest of the name and the other parameters are kept
    assert changed == 3
    assert (fresh(by_email).name, fresh(by_email).query) == ("Xxxx e-post", "q=Xxxx&kind=private")
    assert (fresh(by_name).name, fresh(by_name).query) == ("Xxxx kunder i Stockholm", "q=Xxxx")
    assert (fresh(by_number).name, fresh(by_number).query) == ("Kund Xxxx, tel. Xxxx", "kind=private")
    assert (fresh(unrelated).name, fresh(unrelated).query) == ("Holm och Bostäder", "q=holm")
    # the members are ids, which name nobody, and stay
    assert list(fresh(by_email).members.values_list("customer_id", flat=True)) == [customer.pk]
    assert other.pk in fresh(unrelated).members.values_list("customer_id", flat=True)


def test_a_short_first_name_inside_another_word_is_not_a_match(admin):
    # given a customer named Bo, and a selection about housing companies in Borås
    customer = private("Bo", "Ek", created=date(2015, 1, 1), email="bo.ek@example.se")
    selection = saved(admin, "Bostäder i Borås", "q=bo")

    # when
    scrub_selections(customer_ids=[customer.pk])

    # then the name is untouched, but the search for exactly "bo" was his first name
    assert (fresh(selection).name, fresh(selection).query) == ("Bostäder i Borås", "q=Xxxx")


def test_nothing_is_read_about_the_customers_when_no_selection_exists(admin, django_assert_num_queries):
    customer = hjalmar()
    with django_assert_num_queries(1):
        assert scrub_selections(customer_ids=[customer.pk]) == 0


# --- every way of erasing -----------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["delete", "anonymize"])
def test_erasing_one_customer_scrubs_the_selections(admin, action):
    # given a customer (with a purchase, to be anonymized) and a selection found by his e-mail and
    # named by his last name
    customer = hjalmar()
    if action == "anonymize":
        order(customer, date(2016, 1, 1))
    selection = saved(admin, "Jakobsson, att ringa", f"q={EMAIL.replace('@', '%40')}")

    # when
    erase = customer_delete if action == "delete" else customer_anonymize
    erase(customer=customer, actor=admin)

    # then
    after = fresh(selection)
    assert (after.name, after.query) == ("Xxxx, att ringa", "q=Xxxx")


def test_a_mass_run_scrubs_the_selections(admin):
    # given a mass run's customer named in a selection
    enable_crm()
    eraser = mass_eraser()
    customer = hjalmar()
    selection = saved(admin, "Hjalmar Jakobsson", f"q={EMAIL}")
    job = plan_mass_job(actor=eraser, criteria="both", through=date(2020, 12, 31))

    # when it runs
    start_job(actor=eraser, job=job, enqueue=False)
    run_job(job_id=job.pk)

    # then
    assert not Customer.objects.filter(pk=customer.pk).exists()
    after = fresh(selection)
    assert (after.name, after.query) == ("Xxxx", "q=Xxxx")


def test_the_scrub_rolls_back_with_a_failed_erasure(admin, monkeypatch):
    # given a selection naming the customer, and an erasure that fails after the scrub
    customer = hjalmar()
    selection = saved(admin, "Hjalmar Jakobsson", f"q={EMAIL}")

    def broken(present):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_delete_rows", broken)

    # when
    result = erase_customers(customer_ids=[customer.pk], actor=admin)

    # then nothing changed: the customer and the selection as they were
    assert result.failed and Customer.objects.filter(pk=customer.pk).exists()
    assert (fresh(selection).name, fresh(selection).query) == ("Hjalmar Jakobsson", f"q={EMAIL}")


# --- nowhere in the database ------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_e_mail_is_found_nowhere_after_the_erasure(admin):
    from kund.privacy.tests.test_forensic import _scan, _where

    # given a selection found by the customer's e-mail and named by him
    customer = hjalmar()
    saved(admin, "Hjalmar Jakobssons beställningar", "q=hjalmarjakobsson%40gmail.com")
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert _scan()("hjalmarjakobsson") > 0  # the scanner finds it before (so it can fail)

    # when the customer is deleted
    customer_delete(customer=customer, actor=admin)

    # then neither the e-mail (as typed or URL-encoded) nor the name is found anywhere
    hits = _scan()
    for value in (EMAIL, "hjalmarjakobsson%40gmail.com", "hjalmarjakobsson", "Jakobsson"):
        assert hits(value) == 0, f"{value} survived: {_where(value)}"


def test_the_selection_pages_no_longer_show_the_details(client, admin):
    # given a selection found by the customer's e-mail and named by him, and the customer deleted
    customer = hjalmar()
    selection = saved(admin, "Hjalmar Jakobssons beställningar", "q=hjalmarjakobsson%40gmail.com")
    customer_delete(customer=customer, actor=admin)
    client.force_login(admin)

    # when the list of selections and the selection's page are shown
    pages = [
        client.get(reverse("mass_erasure:selections")).content.decode(),
        client.get(reverse("mass_erasure:selection", args=[selection.pk])).content.decode(),
    ]

    # then neither shows the e-mail or the name
    for page in pages:
        assert "Xxxx beställningar" in page
        assert all(value not in page.lower() for value in ("hjalmarjakobsson", "jakobsson", "hjalmar"))
