"""SPEC §8: `kund erasure_plan`, `kund erase`, `kund verify_erasure_log` — output and exit statuses."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from kund.audit.models import ErasureLogEntry
from kund.customers.models import Customer
from kund.demo.testing.factories import add_owned, add_transactions, make_customer

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, int]:
    out = StringIO()
    try:
        call_command(*args, stdout=out, stderr=StringIO())
    except CommandError as exc:
        return str(exc), exc.returncode
    return out.getvalue(), 0


def test_erasure_plan_json_has_the_contract_shape(admin_user):
    customer = make_customer(actor=admin_user)
    rows = add_transactions(customer, settled=False)
    text, status = run("erasure_plan", customer.number, "--json")
    assert status == 0
    plan = json.loads(text)
    assert set(plan) == {
        "customer",
        "action",
        "blockers",
        "documents_to_delete",
        "kept_free_text",
        "linked",
        "residue",
    }
    assert plan["customer"] == customer.number and plan["action"] == "blocked"
    assert {"kind": "order", "ref": rows["order"].ref, "reason": "not delivered"} in plan["blockers"]
    assert {"kind": "order", "ref": rows["order"].ref, "field": "internal_comment"} in plan["kept_free_text"]
    assert plan["linked"]["order"] == 1


@pytest.mark.parametrize("setup,action", [("none", "delete"), ("settled", "anonymize"), ("open", "blocked")])
def test_erasure_plan_exits_0_whatever_the_action(admin_user, setup, action):
    customer = make_customer(actor=admin_user)
    if setup != "none":
        add_transactions(customer, settled=setup == "settled")
    text, status = run("erasure_plan", customer.number, "--json")
    assert status == 0 and json.loads(text)["action"] == action


def test_erasure_plan_unknown_customer_exits_2():
    text, status = run("erasure_plan", "999999")
    assert status == 2 and "unknown customer number" in text


def test_erase_without_yes_does_nothing_and_says_so(admin_user):
    customer = make_customer(actor=admin_user)
    text, status = run("erase", customer.number)
    assert status == 2 and "--yes" in text
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_erase_deletes_and_prints_the_receipt(admin_user):
    customer = make_customer(actor=admin_user)
    add_owned(customer)
    text, status = run("erase", customer.number, "--yes", "--as", "admin")
    assert status == 0 and "deleted" in text
    assert ErasureLogEntry.objects.get().hash in text
    assert not Customer.objects.filter(pk=customer.pk).exists()
    # a deleted customer is an unknown one
    assert run("erasure_plan", customer.number)[1] == 2


def test_erase_blocked_exits_1_with_the_reason(admin_user):
    customer = make_customer(actor=admin_user)
    rows = add_transactions(customer, settled=False)
    text, status = run("erase", customer.number, "--yes")
    assert status == 1 and rows["invoice"].ref in text
    assert Customer.objects.get(pk=customer.pk).anonymized_at is None


def test_erase_as_a_user_without_the_right_exits_1(admin_user, clerk):
    customer = make_customer(actor=admin_user)
    text, status = run("erase", customer.number, "--yes", "--as", "clerk")
    assert status == 1 and "right" in text
    assert Customer.objects.filter(pk=customer.pk).exists()


def test_erase_as_unknown_user_exits_2(admin_user):
    customer = make_customer(actor=admin_user)
    assert run("erase", customer.number, "--yes", "--as", "nobody")[1] == 2


def test_verify_erasure_log_detects_tampering(admin_user):
    for _ in range(3):
        customer = make_customer(actor=admin_user)
        run("erase", customer.number, "--yes")
    text, status = run("verify_erasure_log")
    assert status == 0 and "3 rows" in text
    ErasureLogEntry.objects.filter(sequence=2).update(actor_username="someone-else")
    text, status = run("verify_erasure_log")
    assert status == 1 and "row 2" in text
