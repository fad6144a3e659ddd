"""B-11: the start page is a dashboard — customers by kind and status, erasures per month, requests due,
and what retention would catch next — each figure from one query, linked to the list behind it, and
shown by what the user may see."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone, translation

from kund.audit import erasure_log
from kund.customers.models import Customer
from kund.customers.tests.register_fixtures import anonymize, new_company, new_private
from kund.dashboard import selectors
from kund.dashboard.retention import RetentionPreview
from kund.requests import services
from kund.requests.deadlines import add_months

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def user_with(username: str, *codenames: str):
    user = get_user_model().objects.create_user(username, f"{username}@kund.test", "pw")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="customers", codename__in=codenames)
    )
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def boss(db):
    return get_user_model().objects.create_superuser("maria.manager", "maria@kund.test", "pw")


def _register(boss, n=0, **data):
    """Customers of both kinds and statuses, and anonymized ones."""
    made = {
        "private active": [new_private(email=f"p{n}{i}@example.se") for i in range(3)],
        "private inactive": [new_private(email=f"pi{n}{i}@example.se", status="inactive") for i in range(2)],
        "company active": [
            new_company(organisation_number="", email=f"c{n}{i}@example.se") for i in range(2)
        ],
        "company inactive": [
            new_company(organisation_number="", status="inactive", email=f"ci{n}@example.se")
        ],
    }
    anonymize(new_private(email=f"gone{n}@example.se"))
    anonymize(new_private(email=f"gone-inactive{n}@example.se", status="inactive"))
    anonymize(new_company(organisation_number="", email=f"gone-company{n}@example.se"))
    return made


def _figures(rows) -> dict:
    return {
        row.kind: (row.active.value, row.inactive.value, row.anonymized.value, row.total.value)
        for row in rows
        if row.total.value or row.anonymized.value or row.kind != "prospect"
    }


def test_customers_by_kind_and_status_count_anonymized_apart(boss):
    # given 3 + 2 private customers and 2 + 1 companies, active + inactive, and 3 anonymized ones
    _register(boss)

    # when
    rows = selectors.customers_by_kind_and_status(boss)

    # then active and inactive leave the anonymized out, as the list does
    assert _figures(rows) == {"private": (3, 2, 2, 5), "company": (2, 1, 1, 3)}
    # and each figure links to the list behind it
    private = rows[0]
    assert private.active.url == f"{reverse('customers:list')}?kind=private&status=active"
    assert private.inactive.url.endswith("?kind=private&status=inactive")
    assert private.anonymized.url.endswith("?kind=private&anonymized=1")
    assert private.total.url.endswith("?kind=private")


def test_seed003_deceased_customers_and_prospects_are_counted_apart(boss):
    """Seed 003's status "verstorben" with its date and seed 001's prospects, on the dashboard (B-11)."""
    from datetime import date

    from kund.customers.services import customer_set_status

    # given
    _register(boss)
    customer_set_status(
        customer=new_private(email="maj@example.se"),
        actor=None,
        status="deceased",
        deceased_on=date(2024, 3, 1),
    )
    new_private(email="prospect@example.se", kind="prospect", organisation_number="")

    # when
    rows = {row.kind: row for row in selectors.customers_by_kind_and_status(boss)}

    # then
    private = rows["private"]
    assert (private.active.value, private.inactive.value, private.deceased.value, private.total.value) == (
        3,
        2,
        1,
        6,
    )
    assert private.deceased.url.endswith("?kind=private&status=deceased")
    assert (rows["prospect"].active.value, rows["prospect"].total.value) == (1, 1)


def test_a_user_who_sees_only_assigned_customers_counts_only_them(boss):
    # given
    own = user_with("tomas.tekniker", "view_assigned_customer")
    _register(boss)
    mine = new_private(email="mine@example.se", status="inactive")
    Customer.objects.filter(pk=mine.pk).update(responsible=own)

    # then
    assert _figures(selectors.customers_by_kind_and_status(own)) == {
        "private": (0, 1, 0, 1),
        "company": (0, 0, 0, 0),
    }


def _log(at: datetime, action: str, n: int = 1) -> None:
    erasure_log.append(
        [
            {"customer_number": f"9{i}", "action": action, "counts": {"customers.Customer": 1}}
            for i in range(n)
        ],
        actor_username="system",
        at=at,
    )


def test_erasures_per_month_in_the_registers_time_zone():
    # given erasures around the turn of February to March, Stockholm time, and one thirteen months ago
    _log(datetime(2026, 2, 28, 23, 59, tzinfo=STOCKHOLM), "delete", 2)  # 22:59 UTC: still February
    _log(datetime(2026, 3, 1, 0, 1, tzinfo=STOCKHOLM), "anonymize", 3)  # 23:01 UTC on 28 Feb: March
    _log(datetime(2026, 3, 31, 23, 30, tzinfo=STOCKHOLM), "delete")  # summer time from 29 March
    _log(datetime(2025, 3, 31, 12, 0, tzinfo=STOCKHOLM), "delete")  # before the twelve months shown
    _log(datetime(2025, 4, 1, 0, 0, tzinfo=STOCKHOLM), "anonymize")  # the first month shown

    # when
    with translation.override("en"):
        months = selectors.erasures_per_month(on=date(2026, 3, 15))

    # then twelve months, April 2025 to March 2026, each with its deleted and anonymized customers
    assert months.months[0] == "2025-04" and months.months[-1] == "2026-03" and len(months.months) == 12
    assert months.labels[0] == "Apr 2025" and months.labels[-1] == "Mar 2026"
    by_month = dict(zip(months.months, zip(months.deleted, months.anonymized, strict=True), strict=True))
    assert by_month["2026-02"] == (2, 0)
    assert by_month["2026-03"] == (1, 3)
    assert by_month["2025-04"] == (0, 1)
    assert months.total == 7


def test_requests_due_are_counted_and_listed_most_urgent_first(boss):
    # given an overdue request, one due within 7 days, one later
    today = timezone.localdate()
    overdue = services.request_register(
        actor=boss, kind="erasure", received_on=today - timedelta(days=45), contact="Ombud A"
    )
    soon = services.request_register(
        actor=boss, kind="access", received_on=add_months(today, -1) + timedelta(days=5), contact="Ombud B"
    )
    later = services.request_register(actor=boss, kind="access", received_on=today, contact="Ombud C")

    # when
    due = selectors.requests_due(boss)

    # then
    assert (due.overdue.value, due.due_soon.value, due.open.value) == (1, 1, 3)
    assert [r.pk for r in due.urgent] == [overdue.pk, soon.pk, later.pk]
    assert due.overdue.url == f"{reverse('requests:list')}?show=overdue"
    assert due.due_soon.url.endswith("?show=due_soon")


def _sections(response) -> set[str]:
    html = response.content.decode()
    return {
        name for name in ("customers", "requests", "erasures", "retention") if f'id="dash-{name}"' in html
    }


@pytest.mark.parametrize(
    ("rights", "sections"),
    [
        ((), set()),
        (("view_customer",), {"customers"}),
        (("view_assigned_customer",), {"customers"}),
        (("view_customer", "erase_customer"), {"customers", "requests", "erasures"}),
        (("view_assigned_customer", "erase_customer"), {"customers", "erasures"}),
        (("mass_erase_customers",), {"erasures", "retention"}),
        ("administrator", {"customers", "requests", "erasures", "retention"}),
    ],
)
def test_the_dashboard_shows_what_the_user_may_see(client, boss, rights, sections):
    user = boss if rights == "administrator" else user_with("someone", *rights)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert _sections(response) == sections
    assert ('id="no-rights"' in response.content.decode()) == (not sections)


def test_the_page_links_each_figure_and_embeds_the_chart_data(client, boss):
    # given
    _register(boss)
    _log(timezone.now(), "anonymize", 2)
    client.force_login(boss)

    # when
    response = client.get(reverse("home"))

    # then
    html = response.content.decode()
    assert 'href="/customers/?kind=private&amp;status=active" data-figure="active">3<' in html
    assert f'href="{reverse("requests:list")}?show=overdue"' in html
    chart = response.context["erasure_chart"]
    assert [d["key"] for d in chart["datasets"]] == ["deleted", "anonymized"]
    assert chart["datasets"][1]["data"][-1] == 2
    assert '<script id="erasure-chart-data" type="application/json">' in html
    assert "vendor/chart.js/chart.umd.min.js" in html
    assert reverse("admin:audit_erasurelogentry_changelist") in html


def test_the_retention_slot_is_empty_until_rules_exist(client, boss):
    client.force_login(boss)
    response = client.get(reverse("home"))
    assert response.context["retention"] == []
    assert 'id="retention-empty"' in response.content.decode()


def previews_for_test(user):
    return [
        RetentionPreview(
            name="Privatkunder utan köp i 3 år", selected=120, delete=20, anonymize=95, ignored=5, url="/x/"
        )
    ]


def test_the_retention_slot_shows_what_a_provider_gives(client, boss, settings):
    # given a provider of previews, as retention rules will give
    settings.KUND_DASHBOARD_RETENTION_PREVIEW = f"{__name__}.previews_for_test"
    client.force_login(boss)

    # when
    html = client.get(reverse("home")).content.decode()

    # then
    assert 'data-retention-rule="Privatkunder utan köp i 3 år"' in html
    assert "120 selected: 20 to delete, 95 to anonymize, 5 ignored" in html
    assert 'id="retention-empty"' not in html


def test_the_dashboard_reads_a_fixed_number_of_queries_whatever_the_data(
    client, boss, django_assert_num_queries
):
    """No N+1: more customers, requests and erasures do not add queries. Session, user, the navigation's
    rights (groups, CRM switch), customers, erasures, request counts, the most urgent requests, the
    retention rules with their latest reports."""
    client.force_login(boss)
    client.get(reverse("home"))  # the register settings row is made on the first visit
    with django_assert_num_queries(8):
        client.get(reverse("home"))

    # given much more of everything
    _register(boss, 1)
    _register(boss, 2)
    for n in range(6):
        services.request_register(
            actor=boss, kind="access", received_on=date(2026, 1, 1 + n), contact=f"Ombud {n}"
        )
    _log(timezone.now(), "delete", 4)

    # then the same queries
    with django_assert_num_queries(8):
        response = client.get(reverse("home"))
    assert len(response.context["requests_due"].urgent) == selectors.URGENT


def test_the_dashboard_in_swedish_and_german(client, boss):
    client.force_login(boss)
    # The language the middleware activates stays active in this thread after the request: keep it
    # from reaching the tests that run next.
    with translation.override("en"):
        for language, may in (("sv", "maj"), ("de", "Mai")):
            response = client.get(reverse("home"), headers={"accept-language": language})
            assert response.status_code == 200
            assert f'<html lang="{language}"' in response.content.decode()
            assert any(label.lower().startswith(may.lower()) for label in response.context["erasures"].labels)
