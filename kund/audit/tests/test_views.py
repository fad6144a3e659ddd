"""B-2 in the web: the erasure log's page lists erasures newest first with number, action, who, when and
rows, in the reader's language and time, a page at a time without counting the log; it filters by action and
period; a receipt or customer number is looked up and shown verified or not; the chain is checked."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kund.audit import erasure_log
from kund.audit.models import ErasureLogEntry
from kund.customers.tests.register_fixtures import make_user

pytestmark = pytest.mark.django_db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
LOG = reverse("erasure_log:list")
RECEIPT = reverse("erasure_log:receipt")


def _erase(number: str, action: str = "anonymize", *, at: datetime, actor: str = "erik.privacy", counts=None):
    counts = counts or {"customers.Customer": 1, "sales.Order": 3, "billing.Invoice": 2}
    [receipt] = erasure_log.append(
        [{"customer_number": number, "action": action, "counts": counts}], actor_username=actor, at=at
    )
    return receipt


def _day(month: int, day: int, hour: int = 10) -> datetime:
    return datetime(2026, month, day, hour, 5, tzinfo=STOCKHOLM)


@pytest.fixture
def eraser_client(client):
    client.force_login(make_user("view_customer", "erase_customer", username="erik.privacy"))
    return client


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def _numbers(response) -> list[str]:
    return [row["entry"].customer_number for row in response.context["rows"]]


# --- the list ---------------------------------------------------------------------------------------------


def test_b2_the_log_lists_erasures_newest_first_with_number_action_who_when_and_rows(eraser_client):
    # given
    _erase("10023", "delete", at=_day(3, 2), counts={"customers.Customer": 1, "documents.Document": 2})
    _erase("10024", at=_day(3, 14))

    # when
    response = eraser_client.get(LOG)

    # then
    assert _numbers(response) == ["10024", "10023"]
    html = _text(response)
    newest = re.search(r'<tr data-sequence="2" data-action="anonymize">(.*?)</tr>', html).group(1)
    assert "March 14, 2026, 10:05 a.m." in newest  # the time in Stockholm, in the reader's format
    assert ">10024</a>" in newest and "Anonymized" in newest and "erik.privacy" in newest
    assert "6 rows" in newest and "Orders: 3" in newest and "Invoices: 2" in newest
    oldest = re.search(r'<tr data-sequence="1" data-action="delete">(.*?)</tr>', html).group(1)
    assert "Deleted" in oldest and "3 rows" in oldest


def test_b2_the_log_speaks_the_readers_language(client):
    # given a Swedish reader
    _erase("10024", at=_day(3, 14))
    client.force_login(make_user("erase_customer", username="erik.privacy"))
    client.cookies["django_language"] = "sv"

    # when
    html = _text(client.get(LOG))

    # then dates as Swedes write them, with Swedish month names
    assert "14 mars 2026 10:05" in html
    assert 'lang="sv"' in html


def test_b2_pages_go_by_position_and_never_count_the_log(eraser_client):
    # given 120 erasures, one a minute
    for n in range(120):
        _erase(str(20000 + n), at=_day(4, 1).replace(hour=8 + n // 60, minute=n % 60))

    # when the first page is read, then the older ones, then back
    with CaptureQueriesContext(connection) as queries:
        first = eraser_client.get(LOG)
    second = eraser_client.get(LOG, {"before": first.context["page"].next_cursor})
    third = eraser_client.get(LOG, {"before": second.context["page"].next_cursor})
    back = eraser_client.get(LOG, {"after": third.context["page"].previous_cursor})

    # then every erasure once, newest first, and back again, without COUNT or OFFSET
    numbers = _numbers(first) + _numbers(second) + _numbers(third)
    assert numbers == [str(20000 + n) for n in reversed(range(120))]
    assert _numbers(back) == _numbers(second)
    assert not third.context["page"].has_next and first.context["page"].has_next
    sql = " ".join(query["sql"].upper() for query in queries.captured_queries)
    assert "COUNT(" not in sql and "OFFSET" not in sql


def test_b2_paging_keeps_the_filter(eraser_client):
    for n in range(120):
        _erase(
            str(30000 + n),
            "delete" if n % 2 else "anonymize",
            at=_day(5, 1).replace(hour=8 + n // 60, minute=n % 60),
        )

    first = eraser_client.get(LOG, {"action": "delete"})

    older = re.search(r'id="page-older" href="([^"]+)"', first.content.decode()).group(1)
    assert "action=delete" in older.replace("&amp;", "&")
    rest = eraser_client.get(LOG + older.replace("&amp;", "&"))
    assert len(_numbers(first)) + len(_numbers(rest)) == 60
    assert {row["entry"].action for row in rest.context["rows"]} == {"delete"}


def test_b2_a_cursor_that_is_not_one_shows_the_first_page(eraser_client):
    _erase("10024", at=_day(3, 14))

    for junk in ("x", "99999999999999999999999999-1", "1-", "-1", "2026-03-01_10"):
        assert _numbers(eraser_client.get(LOG, {"before": junk})) == ["10024"]


def test_b2_the_log_is_filtered_by_action_and_by_days_both_included(eraser_client):
    # given erasures around a period (times in Stockholm)
    _erase("1", "delete", at=_day(2, 28, hour=23))
    _erase("2", "anonymize", at=_day(3, 1, hour=0))
    _erase("3", "delete", at=_day(3, 15))
    _erase("4", "redact", at=_day(3, 31, hour=23))
    _erase("5", "delete", at=_day(4, 1, hour=0))

    # when / then
    march = {"since": "2026-03-01", "until": "2026-03-31"}
    assert _numbers(eraser_client.get(LOG, march)) == ["4", "3", "2"]
    assert _numbers(eraser_client.get(LOG, {**march, "action": "delete"})) == ["3"]
    assert _numbers(eraser_client.get(LOG, {"action": "delete"})) == ["5", "3", "1"]
    assert _numbers(eraser_client.get(LOG, {"since": "2026-03-31"})) == ["5", "4"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ({"since": "2026-03-31", "until": "2026-03-01"}, "until", "lies before its start"),
        ({"since": "31/3"}, "since", "Enter a valid date."),
        ({"until": "0001-01-01"}, "until", "Enter a date from 1900-01-01"),
        ({"action": "shred"}, "action", "Select a valid choice."),
    ],
    ids=["backwards", "not-a-date", "out-of-range", "unknown-action"],
)
def test_b2_a_bad_filter_is_said_beside_its_field_and_shows_no_rows(eraser_client, query, field, message):
    _erase("10024", at=_day(3, 14))

    response = eraser_client.get(LOG, query)

    assert response.status_code == 200 and response.context["rows"] == []
    found = re.search(rf'data-field-error="{field}">(.*?)</div>', response.content.decode())
    assert found and message in found.group(1)


# --- looking up a receipt ---------------------------------------------------------------------------------


def test_b2_a_pasted_receipt_is_found_and_shown_verified(eraser_client):
    # given
    _erase("10023", at=_day(3, 2))
    receipt = _erase("10024", at=_day(3, 14))
    _erase("10025", at=_day(3, 20))

    # when pasted as people paste: in capitals, with spaces around
    response = eraser_client.get(RECEIPT, {"q": f"  {receipt.hash.upper()}\n"})

    # then
    [result] = response.context["results"]
    assert result["entry"].customer_number == "10024" and result["verdict"].ok
    html = _text(response)
    assert f'data-receipt="{receipt.hash}" data-verified="true"' in html
    assert "Verified:" in html and "10024" in html and "Anonymized" in html


def test_b2_a_receipt_whose_row_was_changed_is_not_verified(eraser_client):
    receipt = _erase("10024", at=_day(3, 14))
    ErasureLogEntry.objects.filter(hash=receipt.hash).update(actor_username="someone.else")

    html = _text(eraser_client.get(RECEIPT, {"q": receipt.hash}))

    assert 'data-verified="false"' in html
    assert "Not verified: a row was changed after it was written." in html


def test_b2_a_customer_number_shows_each_of_its_erasures_verified(eraser_client):
    _erase("10024", "anonymize", at=_day(3, 14))
    _erase("10025", at=_day(3, 15))
    _erase("10024", "redact", at=_day(4, 2))

    response = eraser_client.get(RECEIPT, {"q": "10024"})

    assert [(r["entry"].action, r["verdict"].ok) for r in response.context["results"]] == [
        ("redact", True),
        ("anonymize", True),
    ]


def test_b2_a_receipt_not_in_the_log_says_so(eraser_client):
    _erase("10024", at=_day(3, 14))

    html = _text(eraser_client.get(RECEIPT, {"q": "ab" * 32}))

    assert 'id="receipt-none"' in html and "No erasure has this receipt." in html


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ab" * 31 + "a", "A receipt is 64 characters"),
        ("xy" * 32, "A receipt is 64 characters"),
        ("Maja Lundgren, Storgatan 12, Umeå", "Neither a receipt"),
        ("", "This field is required."),
    ],
    ids=["63-characters", "not-hexadecimal", "a-name-and-address", "nothing"],
)
def test_b2_what_is_neither_a_receipt_nor_a_number_is_said_beside_the_field(eraser_client, text, message):
    response = eraser_client.get(RECEIPT, {"q": text})

    found = re.search(r'data-field-error="q">(.*?)</div>', response.content.decode())
    assert found and message in found.group(1)
    assert response.context["results"] == []


# --- checking the chain -------------------------------------------------------------------------------------


def test_b2_checking_the_chain_from_the_page_shows_it_intact(eraser_client):
    # given
    for n in range(3):
        _erase(str(10020 + n), at=_day(3, 14 + n))

    # when
    started = eraser_client.post(reverse("erasure_log:check_start"))
    page = eraser_client.get(started["Location"])

    # then the result, and on the log's page the latest check
    assert started.status_code == 302
    assert "The chain is intact: 3 rows checked." in _text(page)
    assert 'data-ok="true"' in _text(eraser_client.get(LOG))


def test_b2_checking_a_broken_chain_says_where_and_what(eraser_client):
    for n in range(3):
        _erase(str(10020 + n), at=_day(3, 14 + n))
    ErasureLogEntry.objects.filter(sequence=2).delete()

    started = eraser_client.post(reverse("erasure_log:check_start"))

    html = _text(eraser_client.get(started["Location"]))
    assert "The chain is broken at row 3: a row is missing." in html


def test_b2_a_running_check_is_polled_until_it_is_over(
    eraser_client, settings, django_capture_on_commit_callbacks
):
    # given a check waiting for the worker
    settings.KUND_ERASURE_LOG_CHECK_INLINE_ROWS = 0
    _erase("10024", at=_day(3, 14))
    with django_capture_on_commit_callbacks() as queued:
        started = eraser_client.post(reverse("erasure_log:check_start"))
    url = started["Location"]

    # when / then htmx polls its progress
    waiting = _text(eraser_client.get(url, headers={"HX-Request": "true"}))
    assert 'hx-trigger="every 1s"' in waiting and "Waiting for the background worker" in waiting
    assert "<html" not in waiting

    # when the worker has run it, the poll gets the result and stops
    for callback in queued:
        callback()
    done = _text(eraser_client.get(url, headers={"HX-Request": "true"}))
    assert "hx-trigger" not in done and "The chain is intact: 1 row checked." in done


# --- the navigation -----------------------------------------------------------------------------------------


def test_b2_the_log_is_in_the_navigation_of_those_who_may_read_it():
    def navigation(*rights) -> str:
        client = Client()
        client.force_login(make_user(*rights))
        return _text(client.get(reverse("customers:notifications")))

    assert 'id="nav-erasure-log"' in navigation("erase_customer")
    assert 'id="nav-erasure-log"' in navigation("mass_erase_customers")
    assert 'id="nav-erasure-log"' not in navigation("view_customer", "change_customer", "assign_customer")
