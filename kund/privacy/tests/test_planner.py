"""E-1..E-3 and A-2: the planner's decisions, and that planning many customers costs a fixed number of
queries."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kund.customers.models import Customer
from kund.demo.seeder import seed_demo
from kund.demo.testing.factories import Person, add_owned, add_transactions, make_customer
from kund.privacy.planner import Action, classify, plan_customer, plan_customers

pytestmark = pytest.mark.django_db


def test_e1_no_transactions_means_delete_with_documents_counted(admin_user):
    customer = make_customer(actor=admin_user)
    add_owned(customer)
    plan = plan_customer(customer)
    assert plan.action == Action.DELETE
    assert plan.documents_to_delete == 1
    assert plan.linked == {} and plan.blockers == []


def test_e1_settled_transactions_mean_anonymize_with_kept_text_listed(admin_user):
    customer = make_customer(actor=admin_user)
    rows = add_transactions(customer)
    add_owned(customer)
    plan = plan_customer(customer)
    assert plan.action == Action.ANONYMIZE
    assert plan.linked["order"] == 1 and plan.linked["invoice"] == 1 and plan.linked["activity"] == 1
    kept = {(k.kind, k.ref, k.field) for k in plan.kept_free_text}
    # info tab, internal information, custom values, documents and the comments are listed
    assert ("customer", customer.number, "info") in kept
    assert ("customer", customer.number, "internal_info") in kept
    assert ("order", rows["order"].ref, "internal_comment") in kept
    assert ("order", rows["order"].ref, "published_comment") in kept
    assert ("quote", rows["quote"].ref, "terms") in kept
    assert any(k[0] == "customfieldvalue" for k in kept)
    assert any(k[0] == "document" for k in kept)


def test_e1_blocked_lists_every_blocker_with_its_reference(admin_user):
    customer = make_customer(actor=admin_user)
    rows = add_transactions(customer, settled=False)
    plan = plan_customer(customer)
    assert plan.action == Action.BLOCKED
    found = {(b.kind, b.ref, b.reason) for b in plan.blockers}
    assert found == {
        ("order", rows["order"].ref, "not delivered"),
        ("order", rows["order"].ref, "not invoiced"),
        ("invoice", rows["invoice"].ref, "not paid"),
        ("agreement", rows["agreement"].ref, "ongoing agreement"),
    }


def test_e3_agreement_ending_in_the_future_is_ongoing_and_one_ended_is_not(admin_user):
    customer = make_customer(actor=admin_user)
    rows = add_transactions(customer)
    agreement = rows["agreement"]
    today = timezone.localdate()
    type(agreement).objects.filter(pk=agreement.pk).update(ended_on=today)
    assert plan_customer(customer).action == Action.BLOCKED  # ends today: still running
    type(agreement).objects.filter(pk=agreement.pk).update(ended_on=today - timedelta(days=1))
    assert plan_customer(customer).action == Action.ANONYMIZE


def test_classify_many_customers_in_one_query(admin_user):
    deletable = make_customer(actor=admin_user, person=Person(first_name="Dan"))
    settled = make_customer(actor=admin_user, person=Person(first_name="Siv"))
    add_transactions(settled)
    blocked = make_customer(actor=admin_user, person=Person(first_name="Bo"))
    add_transactions(blocked, settled=False)
    with CaptureQueriesContext(connection) as queries:
        actions = dict(classify(Customer.objects.all()).values_list("pk", "erasure_action"))
    assert len(queries) == 1
    assert actions == {deletable.pk: "delete", settled.pk: "anonymize", blocked.pk: "blocked"}


def _seed(n: int, admin_user):
    for i in range(n):
        customer = make_customer(actor=admin_user, person=Person(first_name=f"Kund{i}"))
        if i % 3:
            add_transactions(customer, settled=bool(i % 2))


def test_planning_costs_a_fixed_number_of_queries(admin_user):
    # given 3 customers, then 12
    _seed(3, admin_user)
    with CaptureQueriesContext(connection) as few:
        plans_few = plan_customers(Customer.objects.all(), detail=True)
    _seed(9, admin_user)
    with CaptureQueriesContext(connection) as many:
        plans_many = plan_customers(Customer.objects.all(), detail=True)
    # then the number of queries does not grow with the number of customers
    assert len(plans_few) == 3 and len(plans_many) == 12
    assert len(many) == len(few)
    assert len(many) < 80


def test_planning_a_slice_of_the_register_plans_just_that_slice(admin_user):
    _seed(4, admin_user)
    first_two = Customer.objects.order_by("number")[:2]
    plans = plan_customers(first_two, detail=False)
    assert set(plans) == set(first_two.values_list("pk", flat=True))


def _by_customer(plans):
    return {pk: (p.action, sorted((b.kind, b.ref, b.reason) for b in p.blockers)) for pk, p in plans.items()}


def test_e1_e3_planning_the_whole_register_decides_as_planning_its_customers_one_set_at_a_time():
    """The whole register is planned with its blockers read straight from the blocking rows; a set of
    customers by looking each of them up. Both must find the same blockers for every customer."""
    seed_demo(customers=200, seed=3)
    with CaptureQueriesContext(connection) as queries:
        everyone = plan_customers(Customer.objects.all(), detail=False)
    (blocker_query,) = [q["sql"] for q in queries if "_reason" in q["sql"]]
    assert "IN (SELECT" not in blocker_query  # read from the blocking rows, not looked up per customer
    ids = list(Customer.objects.values_list("pk", flat=True))
    half = len(ids) // 2
    by_sets = {}
    for part in (ids[:half], ids[half:]):
        by_sets |= plan_customers(Customer.objects.filter(pk__in=part), detail=False)
    assert _by_customer(everyone) == _by_customer(by_sets)
    assert sum(bool(p.blockers) for p in everyone.values()) > 10
    assert {p.action for p in everyone.values()} == set(Action)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="reads SQLite's query plan")
def test_e3_each_blocker_is_looked_up_in_its_own_small_index():
    """The blocker checks of classify() run for every customer planned. Each looks in a partial index of
    the blocking rows only (open orders, unpaid invoices), not in every order or invoice of the customer;
    the index's condition must match the policy's blocker condition for the database to use it."""
    sql, params = classify(Customer.objects.all()).query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        steps = [row[3] for row in cursor.fetchall()]
    used = {step.split(" INDEX ")[1].split(" ")[0] for step in steps if " INDEX " in step}
    small = {
        "agreement_customer_ended",
        "order_not_delivered",
        "order_not_invoiced",
        "invoice_unpaid",
        "agreement_invoice_unpaid",
    }
    assert small <= used
