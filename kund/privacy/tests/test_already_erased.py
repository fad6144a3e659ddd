"""Two erasures of the same customer at once: the one that commits first erases it, the other is told
"already erased" — by the engine, the erasure page, `kund erase` and a job — never a traceback.

The race is made deterministic: the second erasure has read the customer (and the page has shown its
plan) when the first one commits, just before the second's chunk locks the customer.
"""

from datetime import date
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from kund.audit.models import ErasureLogEntry
from kund.customers.models import Customer
from kund.privacy import services
from kund.privacy.jobs import plan_mass_job, run_job, start_job
from kund.privacy.services import AlreadyErased, customer_anonymize, customer_delete, erase_customers
from kund.privacy.tests import erasure_cases
from kund.privacy.tests.massdata import enable_crm, mass_eraser, private

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def _officer(username: str):
    user = get_user_model().objects.create_user(username, f"{username}@kund.test", "pw")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="customers", codename__in=["view_customer", "erase_customer"]
        )
    )
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def first_admin():
    return _officer("anna.first")


@pytest.fixture
def second_admin():
    return _officer("bertil.second")


def another_erasure_commits_first(monkeypatch, customer_id: int, actor) -> None:
    """The next erasure through the engine finds the customer already erased by `actor`: that erasure
    runs and commits just before the engine locks the chunk (after the caller read the customer)."""
    real = services.erase_customers
    pending = [True]

    def interleaved(**kwargs):
        if pending and customer_id in kwargs["customer_ids"]:
            pending.clear()
            real(customer_ids=[customer_id], actor=actor)
        return real(**kwargs)

    monkeypatch.setattr(services, "erase_customers", interleaved)


# --- the engine -------------------------------------------------------------------------------------


def test_a_customer_deleted_by_a_concurrent_erasure_is_already_erased(first_admin, second_admin, monkeypatch):
    # given a deletable customer the second administrator has read, and the first one deleting it first
    customer = erasure_cases.deletable()
    stale = Customer.objects.get(pk=customer.pk)
    another_erasure_commits_first(monkeypatch, customer.pk, first_admin)

    # when the second administrator deletes it too
    with pytest.raises(AlreadyErased) as refused:
        customer_delete(customer=stale, actor=second_admin)

    # then a clear refusal, and one erasure in the log, by the first
    assert refused.value.gone is True
    assert str(refused.value) == f"Customer {customer.number} was not erased: it has already been erased."
    assert not Customer.objects.filter(pk=customer.pk).exists()
    entry = ErasureLogEntry.objects.get(customer_number=customer.number)
    assert entry.actor_username == "anna.first"


def test_a_customer_anonymized_by_a_concurrent_erasure_is_already_erased(
    first_admin, second_admin, monkeypatch
):
    # given an anonymizable customer the second administrator has read, anonymized first by the other
    customer = erasure_cases.anonymizable()
    stale = Customer.objects.get(pk=customer.pk)
    another_erasure_commits_first(monkeypatch, customer.pk, first_admin)

    # when the second administrator anonymizes it too
    with pytest.raises(AlreadyErased) as refused:
        customer_anonymize(customer=stale, actor=second_admin)

    # then
    assert refused.value.gone is False and "already anonymized" in str(refused.value)
    assert ErasureLogEntry.objects.filter(customer_number=customer.number).count() == 1


def test_the_batch_reports_a_customer_gone_before_its_chunk_as_already_erased(first_admin):
    # given the ids of two customers, one of which is deleted before the batch locks it
    gone, kept = erasure_cases.deletable(), private("Elsa", "Lund", created=date(2016, 1, 1))
    erase_customers(customer_ids=[gone.pk], actor=first_admin)

    # when
    result = erase_customers(customer_ids=[gone.pk, kept.pk], actor=first_admin)

    # then
    by_id = {o.customer_id: o for o in result.outcomes}
    assert (by_id[gone.pk].result, by_id[gone.pk].reason, by_id[gone.pk].erased_before) == (
        "ignored",
        "already erased",
        "gone",
    )
    assert by_id[kept.pk].result == "deleted" and by_id[kept.pk].erased_before == ""


# --- the erasure page -------------------------------------------------------------------------------


def _url(customer) -> str:
    return reverse("privacy:customer_erasure", args=[customer.pk])


def test_the_page_says_already_erased_when_a_concurrent_delete_commits_first(
    client, first_admin, second_admin, monkeypatch
):
    # given the second administrator's page showing the plan, and the first one's delete committing
    # between that POST's look-up of the customer and the engine's lock
    customer = erasure_cases.deletable()
    client.force_login(second_admin)
    assert client.get(_url(customer)).context["action"] == "delete"
    another_erasure_commits_first(monkeypatch, customer.pk, first_admin)

    # when the second administrator confirms
    response = client.post(_url(customer), {"action": "delete", "confirm": "on"}, follow=True)

    # then the customer list with the message, no error
    assert response.status_code == 200
    assert response.redirect_chain == [("/customers/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        f"Customer {customer.number} was not erased: it has already been erased."
    ]
    assert ErasureLogEntry.objects.filter(customer_number=customer.number).count() == 1


def test_the_page_says_already_erased_when_the_customer_went_before_the_post(
    client, first_admin, second_admin
):
    # given the page shown, then the customer deleted by the other administrator
    customer = erasure_cases.deletable()
    client.force_login(second_admin)
    client.get(_url(customer))
    customer_delete(customer=customer, actor=first_admin)

    # when the second administrator confirms
    response = client.post(_url(customer), {"action": "delete", "confirm": "on"}, follow=True)

    # then
    assert response.redirect_chain == [("/customers/", 302)]
    assert [str(m) for m in response.context["messages"]] == [
        "The customer no longer exists: it has already been erased."
    ]


def test_the_page_shows_already_anonymized_when_a_concurrent_anonymization_commits_first(
    client, first_admin, second_admin, monkeypatch
):
    # given
    customer = erasure_cases.anonymizable()
    client.force_login(second_admin)
    client.get(_url(customer))
    another_erasure_commits_first(monkeypatch, customer.pk, first_admin)

    # when
    response = client.post(_url(customer), {"action": "anonymize", "confirm": "on"})

    # then the page again, now of an anonymized customer, with the refusal
    assert response.status_code == 200
    assert response.context["action"] == "already_anonymized"
    assert "already anonymized" in response.context["refused"]
    assert 'id="erasure-refused"' in response.content.decode()


# --- the command line and jobs ----------------------------------------------------------------------


def test_kund_erase_prints_one_line_and_exits_1(admin_user, first_admin, monkeypatch):
    # given a customer deleted by someone else after the command looked it up
    customer = erasure_cases.deletable()
    another_erasure_commits_first(monkeypatch, customer.pk, first_admin)

    # when
    with pytest.raises(CommandError) as failed:
        call_command("erase", customer.number, "--yes", stdout=StringIO(), stderr=StringIO())

    # then
    assert failed.value.returncode == 1
    assert str(failed.value) == f"Customer {customer.number} was not erased: it has already been erased."


def test_a_job_records_a_customer_deleted_meanwhile_as_ignored_already_erased(first_admin):
    # given a planned mass run, and one of its customers deleted by someone else before it runs
    enable_crm()
    eraser = mass_eraser()
    customer = private("Astrid", "Berg", created=date(2015, 1, 1))
    job = plan_mass_job(actor=eraser, criteria="both", through=date(2020, 12, 31))
    customer_delete(customer=customer, actor=first_admin)

    # when
    start_job(actor=eraser, job=job, enqueue=False)
    run_job(job_id=job.pk)

    # then
    job.refresh_from_db()
    item = job.items.get()
    assert (item.result, item.reason) == ("ignored", "already erased")
    assert (job.deleted, job.ignored, job.failed) == (0, 1, 0)
