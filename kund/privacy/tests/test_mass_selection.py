"""Who a mass erasure selects (SPEC M-1, M-2), the one-year warning (M-3) and the verification (M-4)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kund.customers.models import Customer
from kund.privacy import mass
from kund.privacy.mass import Criteria, is_recent, select_customers, verify
from kund.privacy.services import anonymize_customers
from kund.privacy.tests.massdata import PURCHASES, company, order, private, read_list

THROUGH = date(2020, 6, 30)
DAY_AFTER = THROUGH + timedelta(days=1)

pytestmark = pytest.mark.django_db


def selected(criteria, through=THROUGH, limit=None) -> set[int]:
    return set(select_customers(criteria=criteria, through=through, limit=limit).values_list("pk", flat=True))


@pytest.mark.parametrize("kind", sorted(PURCHASES))
def test_m1_purchase_on_the_through_date_counts_as_before_it(kind):
    # given a customer whose only purchase (an order, an invoice or a receipt) is on the through date
    customer = private("Astrid", "Berg", created=date(2018, 3, 1))
    PURCHASES[kind](customer, THROUGH)

    # when / then purchases-before selects it, never-purchased does not
    assert selected(Criteria.PURCHASES_BEFORE) == {customer.pk}
    assert selected(Criteria.NEVER_PURCHASED) == set()
    assert selected(Criteria.BOTH) == {customer.pk}


@pytest.mark.parametrize("kind", sorted(PURCHASES))
def test_m1_purchase_the_day_after_keeps_the_customer_out(kind):
    # given a customer with an old purchase and one (of each kind in turn) the day after the through date
    customer = private("Gunnar", "Lund", created=date(2016, 1, 10))
    order(customer, date(2017, 5, 5))
    PURCHASES[kind](customer, DAY_AFTER)

    # then no criterion selects it
    assert selected(Criteria.PURCHASES_BEFORE) == set()
    assert selected(Criteria.NEVER_PURCHASED) == set()
    assert selected(Criteria.BOTH) == set()


def test_m1_never_purchased_uses_the_local_creation_date_inclusively():
    # given customers without purchases created late on the through date and early the day after
    # (Stockholm time: 23:00 on the through date is 21:00 or 22:00 UTC, the next day 00:30 is still
    # the previous day in UTC)
    on_the_day = private("Maja", "Ek", created=THROUGH, hour=23)
    day_after = private("Nils", "Wallin", created=DAY_AFTER, hour=0)

    # then only the first is selected
    assert selected(Criteria.NEVER_PURCHASED) == {on_the_day.pk}
    assert day_after.pk not in selected(Criteria.BOTH)


def test_m1_both_is_the_union_and_never_purchased_excludes_buyers():
    # given one old buyer, one never-buyer and one buyer created long ago who still buys
    buyer = private("Sofia", "Holm", created=date(2015, 2, 2))
    receipt_day = date(2019, 12, 24)
    PURCHASES["receipt"](buyer, receipt_day)
    never = private("Oskar", "Forsberg", created=date(2016, 8, 8))
    active = private("Elsa", "Hedlund", created=date(2014, 4, 4))
    order(active, date(2024, 1, 15))

    # then
    assert selected(Criteria.PURCHASES_BEFORE) == {buyer.pk}
    assert selected(Criteria.NEVER_PURCHASED) == {never.pk}
    assert selected(Criteria.BOTH) == {buyer.pk, never.pk}


def test_m2_companies_and_anonymized_customers_are_never_selected():
    # given a company and an anonymized private person, both meeting every criterion, and one who counts
    firm = company(created=date(2015, 1, 1))
    gone = private("Erik", "Ström", created=date(2015, 1, 1))
    order(gone, date(2016, 1, 1))
    assert anonymize_customers(customer_ids=[gone.pk]).counts()["anonymized"] == 1
    kept = private("Lars", "Sandberg", created=date(2015, 1, 1))

    # then only the private person not anonymized is selected
    assert selected(Criteria.BOTH) == {kept.pk}
    assert firm.pk not in selected(Criteria.NEVER_PURCHASED)


def test_m2_oldest_first_and_at_most_the_limit(settings):
    # given five never-buyers created on different days, in shuffled order
    days = [date(2017, 5, 1), date(2015, 3, 1), date(2019, 9, 1), date(2016, 4, 1), date(2018, 7, 1)]
    by_day = {day: private("Karin", f"Berg{i}", created=day).pk for i, day in enumerate(days)}
    oldest_first = [by_day[day] for day in sorted(days)]

    # when selecting with a limit of three, and with the setting's default of two
    limited = list(
        select_customers(criteria=Criteria.BOTH, through=THROUGH, limit=3).values_list("pk", flat=True)
    )
    settings.KUND_MASS_ERASURE_LIMIT = 2
    by_setting = list(select_customers(criteria=Criteria.BOTH, through=THROUGH).values_list("pk", flat=True))

    # then the oldest come first and the limit holds
    assert limited == oldest_first[:3]
    assert by_setting == oldest_first[:2]


def test_m2_the_selection_is_one_query(django_assert_num_queries):
    # given some customers of each sort
    for i in range(6):
        customer = private("Nils", f"Ek{i}", created=date(2015, 1, 1 + i))
        if i % 2:
            order(customer, date(2016, 1, 1))

    # then selecting them is a single query, whatever their number
    with django_assert_num_queries(1):
        assert len(list(select_customers(criteria=Criteria.BOTH, through=THROUGH))) == 6


@pytest.mark.parametrize(
    ("through", "recent"),
    [
        (date(2026, 3, 1), True),
        (date(2025, 11, 24), True),
        (date(2025, 11, 23), False),
        (date(2020, 1, 1), False),
    ],
)
def test_m3_warning_when_the_date_lies_within_the_last_year(through, recent):
    assert is_recent(through, today=date(2026, 11, 23)) is recent


def test_m4_verification_counts_and_the_two_csv_lists(admin_user):
    # given a deletable never-buyer, an anonymizable old buyer and a blocked one (an undelivered order)
    never = private("Astrid", "Nyström", created=date(2015, 5, 5))
    buyer = private("Gunnar", "Holm", created=date(2015, 6, 6))
    order(buyer, date(2016, 6, 6))
    blocked = private("Sofia", "Wallin", created=date(2015, 7, 7))
    open_order = order(blocked, date(2016, 7, 7), delivered=False)

    # when verifying
    verification = verify(criteria=Criteria.BOTH, through=THROUGH)

    # then the totals (M-4)
    assert verification.counts() == {"selected": 3, "ignored": 1, "delete": 1, "anonymize": 1}
    assert [r.action for r in verification.rows] == ["delete", "anonymize", "ignore"]
    ignored_row = verification.rows[2]
    assert ignored_row.customer_id == blocked.pk
    assert open_order.ref in ignored_row.reason and "not delivered" in ignored_row.reason

    # and both lists, with the customer's number and name for review
    to_erase, ignored = mass.csv_lists(verification.rows, reader=admin_user)
    erase_rows = read_list(to_erase)
    assert [(r["customer_number"], r["name"], r["action"]) for r in erase_rows] == [
        (never.number, "Astrid Nyström", "delete"),
        (buyer.number, "Gunnar Holm", "anonymize"),
    ]
    assert erase_rows[1]["last_purchase"] == "2016-06-06"
    assert erase_rows[0]["created_at"] == "2015-05-05"
    ignored_rows = read_list(ignored)
    assert len(ignored_rows) == 1
    assert ignored_rows[0]["customer_number"] == blocked.number
    assert f"order {open_order.ref} is not delivered" in ignored_rows[0]["reason"]


def test_m4_a_customer_gone_since_selection_is_ignored_with_its_reason():
    # given a planned id that no longer exists
    customer = private("Elsa", "Lund", created=date(2015, 1, 1))
    ids = [customer.pk, customer.pk + 10_000]

    # when planning
    rows = mass.plan_rows(ids)

    # then
    assert rows[0].action == "delete"
    assert rows[1].action == "ignore" and rows[1].reason == "no longer exists"
    assert Customer.objects.filter(pk=customer.pk).exists()


def _blocked(last: str, created: date) -> Customer:
    customer = private("Sofia", last, created=created)
    order(customer, date(2016, 1, 1), delivered=False)
    return customer


def test_m2_the_limit_counts_customers_that_can_be_erased_not_blocked_ones():
    # given blocked customers before, between and after four erasable ones, oldest first
    old_blocked = [_blocked(f"Lund{i}", date(2014, 1, 1 + i)) for i in range(2)]
    erasable = [private("Nils", f"Ek{i}", created=date(2015, 1, 1 + i)) for i in range(2)]
    between = _blocked("Wallin", date(2015, 6, 1))
    erasable += [private("Maja", f"Berg{i}", created=date(2015, 7, 1 + i)) for i in range(2)]
    later_blocked = _blocked("Holm", date(2016, 1, 1))

    # when selecting three
    chosen = list(
        select_customers(criteria=Criteria.BOTH, through=THROUGH, limit=3).values_list("pk", flat=True)
    )
    verification = verify(criteria=Criteria.BOTH, through=THROUGH, limit=3)

    # then the three oldest erasable ones are selected, and the blocked ones older than the last of them
    # are listed as ignored with their reason, in creation order; the later blocked one is not listed
    assert chosen == [c.pk for c in erasable[:3]]
    expected = [*old_blocked, *erasable[:2], between, erasable[2]]
    assert [r.customer_id for r in verification.rows] == [c.pk for c in expected]
    assert verification.counts() == {"selected": 6, "ignored": 3, "delete": 3, "anonymize": 0}
    ignored = [r for r in verification.rows if r.action == "ignore"]
    assert all("not delivered" in r.reason for r in ignored)
    assert later_blocked.pk not in {r.customer_id for r in verification.rows}


def test_m4_at_most_the_limit_of_ignored_customers_is_listed():
    # given five blocked customers, and fewer erasable ones than the limit, all after them
    blocked = [_blocked(f"Lund{i}", date(2014, 1, 1 + i)) for i in range(5)]
    erasable = private("Nils", "Ek", created=date(2015, 1, 1))
    later_blocked = _blocked("Holm", date(2016, 1, 1))

    # when verifying a run of three
    verification = verify(criteria=Criteria.BOTH, through=THROUGH, limit=3)

    # then the one erasable customer, and the three oldest blocked ones
    assert [r.customer_id for r in verification.rows] == [*(c.pk for c in blocked[:3]), erasable.pk]
    assert verification.counts() == {"selected": 4, "ignored": 3, "delete": 1, "anonymize": 0}
    assert later_blocked.pk not in {r.customer_id for r in verification.rows}


def test_m2_the_verification_takes_the_same_queries_for_many_blocked_customers_as_for_few(
    django_assert_max_num_queries,
):
    # given a few blocked and erasable customers
    for i in range(2):
        _blocked(f"Lund{i}", date(2014, 1, 1 + i))
        private("Nils", f"Ek{i}", created=date(2015, 1, 1 + i))
    with CaptureQueriesContext(connection) as few:
        verify(criteria=Criteria.BOTH, through=THROUGH, limit=5)

    # when there are many more
    for i in range(12):
        _blocked(f"Wallin{i}", date(2014, 2, 1 + i))
        private("Maja", f"Berg{i}", created=date(2015, 2, 1 + i))

    # then the verification is a set of queries, never one per customer
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert verify(criteria=Criteria.BOTH, through=THROUGH, limit=5).counts()["ignored"] == 5
