"""Saved selections (SPEC S-1..S-3): saved from the customer list's search, erased by an administrator
only, customers that cannot be erased reported one by one with their reason, a final message with the
counts."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from kund.audit.models import ErasureLogEntry
from kund.core.rights import ensure_administrator_group
from kund.customers.models import Customer
from kund.privacy import jobs
from kund.privacy.models import ErasureJob, SavedSelection
from kund.privacy.selections import selection_save
from kund.privacy.services import anonymize_customers
from kund.privacy.tests.massdata import company, order, private, user_with

pytestmark = pytest.mark.django_db
SAVE = reverse("mass_erasure:selection_save")


@pytest.fixture
def admin():
    return get_user_model().objects.create_superuser("admin", "admin@kund.test", "pw")


@pytest.fixture
def clerk():
    return user_with("kalle", "view_customer", "erase_customer", "mass_erase_customers")


@pytest.fixture
def mixed(db):
    """Customers named Lindqvist of every sort: deletable, anonymizable, blocked, already anonymized, a
    company; and one who is not a Lindqvist."""
    deletable = private("Ingrid", "Lindqvist", created=date(2019, 1, 1))
    buyer = private("Per", "Lindqvist", created=date(2019, 1, 2))
    order(buyer, date(2020, 1, 1))
    blocked = private("Anna", "Lindqvist", created=date(2019, 1, 3))
    blocking = order(blocked, date(2020, 1, 1), invoiced=False)
    gone = private("Olle", "Lindqvist", created=date(2019, 1, 4))
    order(gone, date(2020, 1, 1))
    firm = company("Lindqvist Bygg AB", created=date(2019, 1, 5))
    other = private("Karin", "Holm", created=date(2019, 1, 6))
    return {
        "deletable": deletable,
        "buyer": buyer,
        "blocked": blocked,
        "blocking": blocking,
        "gone": gone,
        "firm": firm,
        "other": other,
    }


def test_s1_save_freezes_the_lists_search_result(client, clerk, mixed):
    # given the customer list searched for "lindqvist"
    client.force_login(clerk)

    # when saved as a selection
    response = client.post(SAVE, {"name": "Familjen Lindqvist", "query": "q=lindqvist"})

    # then it holds exactly the ids found, its filter, who and when
    selection = SavedSelection.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "mass_erasure:selection", args=[selection.pk]
    )
    expected = {mixed[k].pk for k in ("deletable", "buyer", "blocked", "gone", "firm")}
    assert set(selection.members.values_list("customer_id", flat=True)) == expected
    assert selection.size == 5 and selection.query == "q=lindqvist" and selection.created_by == clerk

    # and it stays frozen when a new Lindqvist arrives
    private("Nils", "Lindqvist", created=date(2021, 1, 1))
    assert selection.members.count() == 5


def test_s1_the_search_respects_what_the_user_may_see(mixed):
    # given a user who may mass-erase but see only customers assigned to them, and one such customer
    own = user_with("tekniker", "view_assigned_customer", "mass_erase_customers")
    Customer.objects.filter(pk=mixed["buyer"].pk).update(responsible=own)

    # when / then
    selection = selection_save(actor=own, name="Mina", query="q=lindqvist")
    assert list(selection.members.values_list("customer_id", flat=True)) == [mixed["buyer"].pk]
    with pytest.raises(PermissionDenied):
        selection_save(actor=user_with("ingen", "erase_customer"), name="x", query="")


@pytest.mark.parametrize(("name", "query"), [("", "q=lindqvist"), ("Tom", "q=zzzzzz")])
def test_s1_a_selection_needs_a_name_and_customers(clerk, mixed, name, query):
    with pytest.raises(ValidationError):
        selection_save(actor=clerk, name=name, query=query)
    assert not SavedSelection.objects.exists()


def test_s1_selections_page_lists_them(client, clerk, mixed):
    selection = selection_save(actor=clerk, name="Familjen Lindqvist", query="q=lindqvist")
    client.force_login(clerk)
    page = client.get(reverse("mass_erasure:selections")).content.decode()
    assert "Familjen Lindqvist" in page and "kalle" in page
    detail = client.get(reverse("mass_erasure:selection", args=[selection.pk])).content.decode()
    assert 'id="selection-size">5<' in detail
    assert "erase-selection-form" not in detail  # S-2: not an administrator


def test_s2_only_an_administrator_can_erase_a_selection(client, clerk, mixed):
    # given a user with every erasure right who is not an administrator
    selection = selection_save(actor=clerk, name="Familjen Lindqvist", query="q=lindqvist")
    client.force_login(clerk)

    # when / then: neither the page's check nor the service plans a run
    response = client.post(reverse("mass_erasure:selection_check", args=[selection.pk]))
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        jobs.plan_selection_job(actor=clerk, selection=selection)
    assert not ErasureJob.objects.exists() and Customer.objects.count() == 6


def test_s2_a_member_of_the_administrator_group_may(mixed, django_capture_on_commit_callbacks):
    group = ensure_administrator_group()
    boss = user_with("chefen")
    boss.groups.add(group)
    selection = selection_save(actor=boss, name="Alla Lindqvist", query="q=lindqvist")
    job = jobs.plan_selection_job(actor=boss, selection=selection)
    with django_capture_on_commit_callbacks(execute=True):
        jobs.start_job(actor=boss, job=job)
    job.refresh_from_db()
    assert job.state == "done"


def test_s3_mixed_outcomes_are_reported_one_by_one_with_the_counts(
    client, admin, mixed, django_capture_on_commit_callbacks
):
    # given a saved selection, and one of its customers anonymized since it was saved
    selection = selection_save(actor=admin, name="Familjen Lindqvist", query="q=lindqvist")
    anonymize_customers(customer_ids=[mixed["gone"].pk])
    client.force_login(admin)

    # when the administrator has it checked, and confirms twice
    response = client.post(reverse("mass_erasure:selection_check", args=[selection.pk]))
    job = ErasureJob.objects.get()
    assert response["Location"] == reverse("mass_erasure:job", args=[job.pk])
    start = reverse("mass_erasure:start", args=[job.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(start, {"understood": "on", "confirmed": "yes"})

    # then §4's rules, companies included
    job.refresh_from_db()
    assert job.kind == "selection" and job.state == "done"
    assert (job.deleted, job.anonymized, job.ignored, job.failed) == (2, 1, 2, 0)
    assert not Customer.objects.filter(pk__in=[mixed["deletable"].pk, mixed["firm"].pk]).exists()
    assert Customer.objects.get(pk=mixed["buyer"].pk).anonymized_at is not None
    assert Customer.objects.get(pk=mixed["blocked"].pk).anonymized_at is None
    assert Customer.objects.get(pk=mixed["other"].pk).anonymized_at is None

    # and the result page lists the ones not erased with their reason, and a final message with counts
    page = client.get(response["Location"]).content.decode()
    assert "2 deleted, 1 anonymized, 2 ignored, 0 failed" in page
    assert f'data-customer="{mixed["blocked"].number}"' in page
    assert f"order {mixed['blocking'].ref} is not invoiced" in page
    assert f'data-customer="{mixed["gone"].number}"' in page and "already anonymized" in page
    assert ErasureLogEntry.objects.filter(job_id=job.pk).count() == 3

    # and the selection's filter, which may name the person, is cleared
    selection.refresh_from_db()
    assert selection.query == ""


def test_s2_a_selection_job_page_is_for_administrators_only(client, clerk, admin, mixed):
    selection = selection_save(actor=admin, name="Familjen Lindqvist", query="q=lindqvist")
    job = jobs.plan_selection_job(actor=admin, selection=selection)
    client.force_login(clerk)
    assert client.get(reverse("mass_erasure:job", args=[job.pk])).status_code == 403


def test_s1_the_customer_list_offers_save_as_selection_with_its_query(client, clerk, mixed):
    client.force_login(clerk)
    page = client.get(reverse("customers:list") + "?q=lindqvist&kind=private").content.decode()
    assert 'id="save-selection"' in page
    assert 'name="query" value="q=lindqvist&amp;kind=private"' in page
