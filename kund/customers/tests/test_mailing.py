"""The mailing selection (seed 003's "Serienbrief", SPEC A-5): the list's customers who consented to the
channel, as a letter-merge file with salutation and address block; anonymized, deceased and inactive
customers left out; the export recorded on each card (who took whose address, when)."""

import csv
import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from kund.audit.models import ChangeRecord
from kund.customers.models import Customer
from kund.customers.services import customer_assign, customer_set_status
from kund.customers.tests.register_fixtures import *  # noqa: F403
from kund.customers.tests.register_fixtures import anonymize, make_user, new_company, new_private

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(client):
    user = make_user("view_customer", username="vera.viewer")
    client.force_login(user)
    return user


def _consenting(**overrides) -> Customer:
    return new_private(
        **{"post_consent": True, "email_consent": True, "organisation_number": "", **overrides}
    )


@pytest.fixture
def register(db):
    """Who consented to what, and who must be left out whatever they consented to."""
    return {
        "post_and_email": _consenting(first_name="Karin", last_name="Ek", email="karin.ek@example.se"),
        "post_only": _consenting(
            first_name="Olle", last_name="Ek", email="olle.ek@example.se", email_consent=False
        ),
        "email_only": _consenting(
            first_name="Britt", last_name="Ek", email="britt.ek@example.se", post_consent=False
        ),
        "neither": _consenting(
            first_name="Gun",
            last_name="Ek",
            email="gun.ek@example.se",
            post_consent=False,
            email_consent=False,
        ),
        "company": new_company(
            name="Eks Rör AB",
            organisation_number="",
            contact_person="Per Ek",
            invoice_attention="Ekonomi",
            email="info@eksror.se",
            post_consent=True,
            email_consent=True,
        ),
        "anonymized": anonymize(_consenting(first_name="Tage", last_name="Ek", email="tage.ek@example.se")),
        "deceased": customer_set_status(
            customer=_consenting(first_name="Maj", last_name="Ek", email="maj.ek@example.se"),
            actor=None,
            status=Customer.Status.DECEASED,
            deceased_on=date(2024, 3, 1),
        ),
        "inactive": customer_set_status(
            customer=_consenting(first_name="Stig", last_name="Ek", email="stig.ek@example.se"),
            actor=None,
            status=Customer.Status.INACTIVE,
        ),
        "no_address": _consenting(
            first_name="Ulla", last_name="Ek", email="ulla.ek@example.se", invoice_address1=""
        ),
    }


def _export(client, channel: str, fmt: str = "csv", **params) -> list[dict]:
    response = client.get(reverse("customers:mailing_export", args=[fmt]), {"channel": channel, **params})
    assert response.status_code == 200, response.content
    if fmt == "csv":
        text = b"".join(response.streaming_content).decode("utf-8-sig")
        return list(csv.DictReader(io.StringIO(text)))
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], ["" if v is None else v for v in row], strict=True)) for row in rows[1:]]


def _numbers(rows) -> set[str]:
    return {row["customer_number"] for row in rows}


def test_seed003_the_mailing_takes_who_consented_to_the_channel(client, viewer, register):
    """Seed 003's Serienbrief, SPEC §2's "receives information by e-mail / by post": per channel."""
    post = _numbers(_export(client, "post", q="ek"))
    email = _numbers(_export(client, "email", q="ek"))

    number = {key: customer.number for key, customer in register.items()}
    assert post == {number["post_and_email"], number["post_only"], number["company"]}
    assert email == {number["post_and_email"], number["email_only"], number["company"], number["no_address"]}


def test_seed003_anonymized_deceased_and_inactive_customers_are_left_out(client, viewer, register):
    """Seed 003: anonymized customers can no longer be found "über die … Serienbrieffunktion"; the
    deceased and inactive are left out too, whatever they once consented to."""
    shown = _numbers(_export(client, "post", anonymized="1")) | _numbers(
        _export(client, "email", anonymized="1")
    )

    for key in ("anonymized", "deceased", "inactive", "neither"):
        assert register[key].number not in shown, key
    assert register["no_address"].number not in _numbers(_export(client, "post"))  # no letter without address


def test_seed003_the_file_has_a_salutation_and_an_address_block(client, viewer, register):
    rows = {row["customer_number"]: row for row in _export(client, "post")}

    person = rows[register["post_only"].number]
    assert person["salutation"] == "Dear Olle Ek"
    assert person["address_block"].splitlines() == ["Olle Ek", "Storgatan 12", "753 20 Uppsala"]
    assert (person["address_line_1"], person["address_line_3"], person["address_line_4"]) == (
        "Olle Ek",
        "753 20 Uppsala",
        "",
    )
    company = rows[register["company"].number]
    assert company["salutation"] == "Dear Ekonomi"
    assert company["address_block"].splitlines() == [
        "Eks Rör AB",
        "Attn. Ekonomi",
        "Industrivägen 4",
        "172 66 Sundbyberg",
    ]

    emails = {row["customer_number"]: row for row in _export(client, "email")}
    assert emails[register["email_only"].number]["email"] == "britt.ek@example.se"
    assert "address_block" not in emails[register["email_only"].number]  # only what the channel needs


def test_seed003_the_mailing_is_the_current_lists_selection(client, viewer, register):
    rows = _export(client, "post", q="olle")

    assert _numbers(rows) == {register["post_only"].number}


def test_seed003_xlsx_holds_the_same_rows(client, viewer, register):
    assert _numbers(_export(client, "post", "xlsx")) == _numbers(_export(client, "post"))


def test_seed003_cells_a_spreadsheet_would_run_are_neutralised(client, viewer):
    _consenting(first_name="=HYPERLINK(1)", last_name="Ek")

    (row,) = _export(client, "post", q="=hyperlink")

    assert row["name"].startswith("'=") and row["address_line_1"].startswith("'=")


def test_seed003_each_card_records_who_took_its_address_and_when_in_one_statement(client, viewer, register):
    """Seed 003's mailing, R-4: "who took whose address, when" on every card — written set-based."""
    # when
    with CaptureQueriesContext(connection) as queries:
        rows = _export(client, "post")

    # then
    records = ChangeRecord.objects.filter(event=ChangeRecord.Event.MAILING_EXPORTED)
    assert set(records.values_list("customer__number", flat=True)) == _numbers(rows)
    assert set(records.values_list("actor", "field")) == {(viewer.pk, "post")}
    assert all(record.at is not None for record in records)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1
    history = client.get(reverse("customers:history", args=[register["post_only"].number])).content.decode()
    assert "address exported for a mailing" in history and "vera.viewer" in history


def test_seed003_r9_a_user_who_sees_only_assigned_customers_mails_only_those(client, register):
    technician = make_user("view_assigned_customer", username="tore.tekniker")
    customer_assign(customer=register["post_only"], actor=None, responsible=technician)
    client.force_login(technician)

    rows = _export(client, "post")

    assert _numbers(rows) == {register["post_only"].number}
    assert ChangeRecord.objects.filter(event=ChangeRecord.Event.MAILING_EXPORTED).count() == 1


@pytest.mark.parametrize(
    ("params", "status"),
    [({"channel": "fax"}, 400), ({}, 400), ({"channel": "post", "created_from": "not-a-date"}, 400)],
    ids=["unknown channel", "no channel", "bad filter"],
)
def test_seed003_bad_input_gets_a_message_and_records_nothing(client, viewer, register, params, status):
    response = client.get(reverse("customers:mailing_export", args=["csv"]), params)

    assert response.status_code == status and response.content
    assert not ChangeRecord.objects.filter(event=ChangeRecord.Event.MAILING_EXPORTED).exists()


def test_seed003_the_list_offers_the_mailing_with_its_search(client, viewer, register):
    html = client.get(reverse("customers:list"), {"q": "ek"}).content.decode()

    assert f"{reverse('customers:mailing_export', args=['csv'])}?channel=post&amp;q=ek" in html
