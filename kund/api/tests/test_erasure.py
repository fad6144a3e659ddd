"""Erasure through the API (SPEC B-9, E-1..E-5, B-1, B-2): the plan is `kund erasure_plan --json`, the erase
carries out what applies and returns the receipt, a blocked customer is a 409 with its blockers, the access
export is `kund export_customer`, and the erasure log reads back what was done. Round trips by API only."""

import io
import json

import pytest
from django.core.management import call_command

from kund.api.tests.conftest import problem_of
from kund.audit.models import ChangeRecord, ErasureLogEntry
from kund.core.tests.test_permission_matrix import make_persona
from kund.customers.models import Customer
from kund.demo.testing.factories import Person, add_transactions, make_customer

pytestmark = pytest.mark.django_db

LIST = "/api/customers/"


def one(number: str, rest: str = "") -> str:
    return f"/api/customers/{number}/{rest}"


@pytest.fixture
def admin():
    return make_persona("administrator")


@pytest.fixture
def api(api_as, admin):
    return api_as(admin)


def _command(*args) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


# --- the plan (E-1..E-3, A-2) -------------------------------------------------------------------------------


@pytest.mark.parametrize("settled", [True, False], ids=["anonymize", "blocked"])
def test_b9_the_plan_is_the_object_of_erasure_plan_json(api, admin, settled):
    # given a customer with a row in every linked table, its orders settled or not
    customer = make_customer()
    add_transactions(customer, settled=settled)

    # when
    response = api.get(one(customer.number, "erasure-plan/"))

    # then the very object the command line prints
    assert response.status_code == 200
    assert response.json() == json.loads(
        _command("erasure_plan", customer.number, "--json", "--as", admin.username)
    )
    assert response.json()["action"] == ("anonymize" if settled else "blocked")


# --- erasing (E-1, E-4, E-5, B-2) ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "body", [None, {}, {"confirm": False}, {"confirm": "true"}, {"confirm": True, "x": 1}]
)
def test_e5_nothing_is_erased_without_confirm_true(api, body):
    # given
    customer = make_customer()

    # when
    response = api.post(one(customer.number, "erase/"), body)

    # then
    assert response.status_code == 400
    problem_of(response)
    assert Customer.objects.filter(pk=customer.pk, anonymized_at__isnull=True).exists()


def test_e3_a_blocked_customer_is_a_409_with_its_blockers(api):
    # given a customer with an undelivered, uninvoiced order, an unpaid invoice and a running agreement
    customer = make_customer()
    add_transactions(customer, settled=False)
    before = Customer.objects.filter(pk=customer.pk).values().get()

    # when
    response = api.post(one(customer.number, "erase/"), {"confirm": True})

    # then refused, with every blocker by kind, reference and reason; nothing changed
    assert response.status_code == 409
    problem = problem_of(response)
    assert problem["type"] == "urn:kund:problem:blocked"
    assert problem["action"] == "blocked"
    reasons = {(b["kind"], b["reason"]) for b in problem["blockers"]}
    assert {("order", "not delivered"), ("order", "not invoiced"), ("invoice", "not paid")} <= reasons
    assert all(b["ref"] for b in problem["blockers"])
    assert Customer.objects.filter(pk=customer.pk).values().get() == before
    assert not ErasureLogEntry.objects.exists()


def test_e1_the_action_expected_must_be_the_one_that_applies(api):
    # given a customer with transactions (to be anonymized)
    customer = make_customer()
    add_transactions(customer)

    # when the client expects a delete
    response = api.post(one(customer.number, "erase/"), {"confirm": True, "action": "delete"})

    # then nothing is done, and the problem says what applies
    assert response.status_code == 409
    problem = problem_of(response)
    assert problem["type"] == "urn:kund:problem:not-erasable"
    assert problem["action"] == "anonymize"
    assert not Customer.objects.get(pk=customer.pk).is_anonymized


def test_e1_an_anonymized_customer_is_not_erased_twice(api):
    # given
    customer = make_customer()
    add_transactions(customer)
    assert api.post(one(customer.number, "erase/"), {"confirm": True}).status_code == 200

    # when
    again = api.post(one(customer.number, "erase/"), {"confirm": True})

    # then
    assert again.status_code == 409
    assert problem_of(again)["action"] == "already_anonymized"
    assert ErasureLogEntry.objects.count() == 1


def test_b9_round_trip_create_plan_delete_by_api_only(api):
    # given a customer made through the API, with nothing linked to it
    made = api.post(LIST, {"first_name": "Sven", "last_name": "Ek", "email": "sven.ek@example.se"})
    number = made.json()["number"]

    # when it is planned, then erased
    plan = api.get(one(number, "erasure-plan/")).json()
    erased = api.post(one(number, "erase/"), {"confirm": True, "action": plan["action"]})

    # then it was deleted, with a receipt that is the log's row, and it is unknown from then on
    assert plan["action"] == "delete" and plan["blockers"] == []
    assert erased.status_code == 200
    result = erased.json()
    assert result == {
        "customer": number,
        "action": "delete",
        "result": "deleted",
        "receipt": ErasureLogEntry.objects.get(customer_number=number).hash,
    }
    assert api.get(one(number)).status_code == 404
    assert api.get(one(number, "erasure-plan/")).status_code == 404
    assert number not in [row["number"] for row in api.get(LIST).json()["results"]]


def test_b9_round_trip_plan_anonymize_verify_the_receipt(api):
    # given a customer with orders, invoices and every other linked record, all settled
    customer = make_customer()
    add_transactions(customer)

    # when it is planned and erased through the API
    plan = api.get(one(customer.number, "erasure-plan/")).json()
    erased = api.post(one(customer.number, "erase/"), {"confirm": True}).json()

    # then it was anonymized; the receipt is in the erasure log, whose chain verifies
    assert plan["action"] == "anonymize" and plan["linked"]["order"] >= 1
    assert erased["action"] == "anonymize" and erased["result"] == "anonymized"
    entry = ErasureLogEntry.objects.get(hash=erased["receipt"])
    assert entry.customer_number == customer.number and entry.action == "anonymize"
    assert "erasure log intact: 1 rows" in _command("verify_erasure_log")
    shown = api.get(one(customer.number)).json()
    assert shown["anonymized"] is True and shown["name"] == "Xxxx Xxxx"  # a private person (seed 001)
    assert Person().email not in json.dumps(shown)


# --- the access export (B-1) --------------------------------------------------------------------------------


def test_b1_the_export_is_what_export_customer_prints_and_is_recorded(api, admin):
    # given
    customer = make_customer()
    add_transactions(customer)

    # when
    response = api.get(one(customer.number, "export/"))

    # then the command line's export — but for when it was made, and the history, which the command's
    # export finds one export longer — recorded in the customer's history
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    printed = json.loads(_command("export_customer", customer.number, "--as", admin.username))
    body = response.json()
    for export in (body, printed):
        export.pop("generated_at")
        export["records"].pop("audit.ChangeRecord")
    assert body == printed
    assert body["records"]["sales.Order"]
    assert ChangeRecord.objects.filter(
        customer=customer, event=ChangeRecord.Event.EXPORTED, actor=admin
    ).exists()


# --- the erasure log (B-2) ----------------------------------------------------------------------------------


def test_b2_the_log_reads_back_every_erasure_in_order_and_after_a_sequence(api):
    # given three erasures
    receipts = []
    for number in ("8001", "8002", "8003"):
        customer = make_customer(number=number)
        receipts.append(api.post(one(number, "erase/"), {"confirm": True}).json()["receipt"])
        assert not Customer.objects.filter(pk=customer.pk).exists()

    # when read two at a time, then only what came after the second, then one customer's
    first = api.get("/api/erasure-log/", {"page_size": 2}).json()
    rest = api.get(first["next"]).json()
    after = api.get("/api/erasure-log/", {"after": 2}).json()
    mine = api.get("/api/erasure-log/", {"customer": "8002"}).json()

    # then the rows, oldest first, chained, each with its receipt, and no personal data
    rows = first["results"] + rest["results"]
    assert [row["customer"] for row in rows] == ["8001", "8002", "8003"]
    assert [row["hash"] for row in rows] == receipts
    assert rows[1]["previous_hash"] == rows[0]["hash"]
    assert rest["next"] is None
    assert [row["customer"] for row in after["results"]] == ["8003"]
    assert [row["customer"] for row in mine["results"]] == ["8002"]
    assert set(rows[0]) == {"sequence", "customer", "action", "actor", "at", "counts", "ruleset_version"} | {
        "job",
        "previous_hash",
        "hash",
    }


@pytest.mark.parametrize(
    "params", [{"after": "-1"}, {"after": "x"}, {"page_size": "0"}, {"customer": "x" * 21}]
)
def test_b2_bad_log_parameters_are_a_400(api, params):
    response = api.get("/api/erasure-log/", params)
    assert response.status_code == 400
    assert set(params) <= set(problem_of(response)["errors"])
