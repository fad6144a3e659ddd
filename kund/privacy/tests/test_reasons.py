"""Why a customer is not erased (kund.privacy.reasons): stored as a code whatever language the run was
planned in, and said in the reader's language — each blocker by a message of its own, with its record's
reference as a placeholder, never English fragments put together."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from kund.privacy import jobs, mass, reasons
from kund.privacy.models import ErasureJob
from kund.privacy.services import ErasureRefused, anonymize_customers, customer_erase
from kund.privacy.tests.massdata import enable_crm, mass_eraser, order, private

pytestmark = pytest.mark.django_db

SWEDISH_BLOCKERS = {
    "order %(ref)s is not delivered": "ordern %(ref)s är inte levererad",
    "order %(ref)s is not invoiced": "ordern %(ref)s är inte fakturerad",
    "agreement %(ref)s is ongoing": "avtalet %(ref)s pågår",
}


@pytest.fixture
def blocked(db):
    customer = private("Sofia", "Lund", created=date(2015, 3, 1))
    blocking = order(customer, date(2016, 3, 1), delivered=False)
    return customer, blocking


@pytest.fixture
def anonymized(db):
    customer = private("Gunnar", "Holm", created=date(2015, 2, 1))
    order(customer, date(2016, 2, 1))
    anonymize_customers(customer_ids=[customer.pk])
    return customer


def test_a_runs_reasons_are_codes_whatever_language_it_was_planned_in(blocked, anonymized):
    # given a customer with an undelivered order and one already anonymized
    customer, blocking = blocked

    # when a run plans them in Swedish
    with translation.override("sv"):
        rows = mass.plan_rows([customer.pk, anonymized.pk, 999_999_999])

    # then what it stores names no language: the blocker as the plan gives it, the fixed reasons as codes
    assert [row.reason for row in rows] == [
        f"order {blocking.ref} not delivered",
        "already anonymized",
        "no longer exists",
    ]


def test_each_blocker_is_said_by_its_own_message_in_the_active_language(translations):
    # given a blocked customer's reason as a run stores it, and Swedish for the two blockers
    code = "agreement AG-1003 ongoing agreement; order O-1016 not delivered"
    translations("sv", SWEDISH_BLOCKERS)

    # when / then: one sentence per blocker, each wholly in the reader's language
    with translation.override("sv"):
        assert reasons.describe(code) == "avtalet AG-1003 pågår; ordern O-1016 är inte levererad"
    with translation.override("en"):
        assert reasons.describe(code) == "agreement AG-1003 is ongoing; order O-1016 is not delivered"


@pytest.mark.parametrize(
    ("code", "swedish"),
    [("already anonymized", "redan anonymiserad"), ("no longer exists", "finns inte längre")],
)
def test_the_fixed_reasons_are_said_through_the_catalog(code, swedish):
    with translation.override("sv"):
        assert reasons.describe(code) == swedish


def test_a_failure_names_the_error_in_a_sentence_and_unknown_text_stays_as_it_is():
    with translation.override("en"):
        assert reasons.describe("IntegrityError") == "an error stopped it (IntegrityError)"
        assert reasons.describe("redan raderad") == "redan raderad"  # stored before reasons were codes
        assert reasons.describe("") == ""


def test_the_erasure_refusal_is_one_language(blocked, translations):
    # given a blocked customer, and Swedish for its blockers
    customer, blocking = blocked
    translations("sv", SWEDISH_BLOCKERS)
    actor = mass_eraser()
    actor.is_superuser = True
    actor.save()

    # when it is erased in Swedish
    with translation.override("sv"), pytest.raises(ErasureRefused) as refused:
        customer_erase(customer=customer, actor=actor)

    # then the message is Swedish from end to end (was "… raderades inte: order O-… not delivered")
    expected = f"Kund {customer.number} raderades inte: ordern {blocking.ref} är inte levererad"
    assert str(refused.value) == expected


def test_the_run_page_says_the_reasons_in_the_readers_language(client, blocked, translations):
    # given a run planned by a user reading English
    customer, blocking = blocked
    enable_crm()
    user = mass_eraser()
    with translation.override("en"):
        job = jobs.plan_mass_job(actor=user, criteria=ErasureJob.Criteria.BOTH, through=date(2020, 12, 31))
    translations("sv", SWEDISH_BLOCKERS)
    client.force_login(user)

    # when a reader of Swedish opens it, and one of English
    swedish = client.get(reverse("mass_erasure:job", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="sv")
    english = client.get(reverse("mass_erasure:job", args=[job.pk]), HTTP_ACCEPT_LANGUAGE="en")

    # then each reads the reason in their own language
    assert f"ordern {blocking.ref} är inte levererad" in swedish.content.decode()
    assert "not delivered" not in swedish.content.decode()
    assert f"order {blocking.ref} is not delivered" in english.content.decode()


def test_the_review_list_says_the_reasons_in_the_readers_language(blocked, translations):
    customer, blocking = blocked
    rows = mass.plan_rows([customer.pk])
    translations("sv", SWEDISH_BLOCKERS)

    with translation.override("sv"):
        _to_erase, ignored = mass.csv_lists(rows, reader=mass_eraser())

    assert f"ordern {blocking.ref} är inte levererad" in ignored
    assert "not delivered" not in ignored


def test_the_review_list_says_the_action_in_the_readers_language(db):
    # given a customer a run would delete
    customer = private("Astrid", "Berg", created=date(2015, 1, 1))
    rows = mass.plan_rows([customer.pk])

    # when the list is written for a reader of Swedish
    with translation.override("sv"):
        to_erase, _ignored = mass.csv_lists(rows, reader=mass_eraser())

    # then the action is theirs ("ta bort"), not Kund's code
    assert "ta bort" in to_erase.splitlines()[1]
