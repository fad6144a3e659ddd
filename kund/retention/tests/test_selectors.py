"""What a retention rule catches (B-6): M-1's criteria counted back from the day it runs, or no activity
for N years, narrowed by kind and status; and when a legal copy's bookkeeping period is over."""

import itertools
from datetime import date

import pytest
from django.apps import apps
from django.db import models
from django.test import override_settings

from kund.privacy import policy
from kund.retention import selectors
from kund.retention.models import RetentionRule
from kund.retention.tests.conftest import TODAY

pytestmark = pytest.mark.django_db


_names = itertools.count(1)


def rule(**fields) -> RetentionRule:
    data = {
        "name": f"Regel {next(_names)}",
        "criteria": "both",
        "years": 3,
        "kind": "private",
        "mode": "report",
    }
    return RetentionRule.objects.create(**{**data, **fields})


def caught(r: RetentionRule) -> dict[str, str]:
    rows = selectors.verify_rule(r, on=TODAY).rows
    return {row.number: row.action for row in rows}


def test_both_criteria_catch_the_old_private_customers_and_report_the_blocked_one(register):
    found = caught(rule(criteria="both"))
    assert found == {
        register.never.number: "delete",
        register.old_buyer.number: "anonymize",
        register.blocked.number: "ignore",
        register.inactive.number: "delete",
        register.ticket.number: "anonymize",
    }


def test_no_activity_leaves_out_a_customer_with_a_recent_event(register):
    found = caught(rule(criteria="no-activity"))
    assert register.ticket.number not in found  # never bought, but wrote to support this year
    assert register.recent_buyer.number not in found
    assert {register.never.number, register.old_buyer.number, register.inactive.number} <= set(found)


def test_kind_and_status_narrow_the_rule(register):
    assert set(caught(rule(criteria="never-purchased", kind="company"))) == {register.company.number}
    anyone = caught(rule(criteria="never-purchased", kind=""))
    assert register.company.number in anyone and register.never.number in anyone
    active_only = caught(rule(criteria="never-purchased", status="active"))
    assert register.inactive.number not in active_only and register.never.number in active_only


def test_the_years_count_back_from_the_day_it_runs(register):
    r = rule(criteria="purchases-before", years=10)  # through 2015-11-25: nobody had bought all by then
    assert caught(r) == {}
    r.years = 9  # through 2016-11-25
    assert set(caught(r)) == {register.old_buyer.number, register.blocked.number}


def test_blocked_customers_do_not_use_up_the_limit(register):
    # M-2: the limit counts customers that can be erased; the blocked met on the way are reported
    found = caught(rule(criteria="purchases-before", limit=1))
    assert found == {register.old_buyer.number: "anonymize"}
    found = caught(rule(criteria="both", limit=2))
    assert found == {register.never.number: "delete", register.old_buyer.number: "anonymize"}


def test_every_transaction_linked_to_the_customer_has_its_activity_dates():
    direct = {t.model for t in policy.TRANSACTION_TABLES if t.link == "customer_id"}
    assert set(selectors.ACTIVITY_DATES) == direct
    for label, names in selectors.ACTIVITY_DATES.items():
        for name in names:
            assert isinstance(apps.get_model(label)._meta.get_field(name), models.DateField)


@pytest.mark.parametrize(
    ("fiscal_year_end", "on", "cutoff"),
    [
        ("12-31", date(2025, 1, 1), date(2017, 12, 31)),  # vouchers of 2017 from 1 January 2025
        ("12-31", date(2024, 12, 31), date(2016, 12, 31)),  # … not the day before
        ("12-31", date(2026, 1, 1), date(2018, 12, 31)),
        ("06-30", date(2025, 7, 1), date(2018, 6, 30)),  # fiscal year July–June
        ("06-30", date(2025, 6, 30), date(2017, 6, 30)),
        ("02-29", date(2025, 3, 1), date(2018, 2, 28)),  # the last day of February, whatever the year
    ],
)
def test_the_bookkeeping_period_ends_7_years_after_the_fiscal_year(fiscal_year_end, on, cutoff):
    with override_settings(KUND_FISCAL_YEAR_END=fiscal_year_end):
        assert selectors.legal_copy_cutoff(on) == cutoff


def test_every_field_of_a_legal_copy_has_its_fate_after_the_period():
    for label in selectors.LEGAL_COPY_MODELS:
        kept_by_law = {n for n, r in policy.table_for(label).fields.items() if r == policy.KEEP_LAW}
        assert kept_by_law <= set(policy.LEGAL_COPY_EXPIRED), label


def test_seed003_a_rule_selects_deceased_customers_and_seed001_prospects(register):
    """Seed 003's status "verstorben" as a retention criterion (B-6: "kind, status"), and seed 001's
    prospects as a kind."""
    from kund.customers.models import Customer
    from kund.customers.services import customer_set_status
    from kund.privacy.tests.massdata import private

    # given
    customer_set_status(
        customer=register.old_buyer, actor=None, status=Customer.Status.DECEASED, deceased_on=date(2019, 8, 1)
    )
    prospect = private("Tove", "Lind", created=date(2016, 1, 1), kind=Customer.Kind.PROSPECT)

    # then
    assert caught(rule(criteria="both", status="deceased")) == {register.old_buyer.number: "anonymize"}
    assert caught(rule(criteria="never-purchased", kind="prospect")) == {prospect.number: "delete"}
