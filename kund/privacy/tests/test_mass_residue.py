"""B-5 before a mass or selection erasure is confirmed: per customer, how many findings of the person in
kept text its anonymization will redact, and a CSV of where they are (kind, ref, field, what was found)
that never holds the text; read set-based, a chunk of customers at a time."""

import io
import json
from datetime import date
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from kund.customers.models import Customer
from kund.privacy import jobs, mass
from kund.privacy.models import ErasureJob
from kund.privacy.selections import selection_save
from kund.privacy.tests.massdata import enable_crm, mass_eraser, order, private, read_list
from kund.privacy.tests.residue_cases import document
from kund.sales.models import Order

pytestmark = pytest.mark.django_db
INDEX = reverse("mass_erasure:index")
PERSONAL = ("Gunnar", "Holm", "612 34 56", "gunnar.holm@", "Astrid")


@pytest.fixture
def customers(db):
    """Two buyers to anonymize, one writing about himself in his info and an order, one without any;
    a third never bought (deleted)."""
    talker = private("Gunnar", "Holm", created=date(2015, 1, 1))
    Customer.objects.filter(pk=talker.pk).update(info="Gunnar Holm nås på 08-612 34 56 efter kl. 17.")
    talked = order(talker, date(2016, 1, 1))
    Order.objects.filter(pk=talked.pk).update(internal_comment="Skickas till gunnar.holm@example.se")
    quiet = private("Lars", "Ek", created=date(2015, 2, 1))
    order(quiet, date(2016, 2, 1))
    never = private("Astrid", "Berg", created=date(2015, 3, 1))
    return talker, talked, quiet, never


@pytest.fixture
def eraser_client(client):
    enable_crm()
    client.force_login(mass_eraser())
    return client


def test_b5_the_mass_verification_shows_per_customer_how_many_findings_will_be_redacted(
    eraser_client, customers
):
    talker, talked, quiet, never = customers

    # when a run is planned and its verification opened
    response = eraser_client.post(INDEX, {"criteria": "both", "through": "2020-12-31"})
    job = ErasureJob.objects.get()
    html = eraser_client.get(response["Location"]).content.decode()

    # then the customer with residue is listed with its count, and the quiet one is not
    table = html[html.index('id="residue-items"') :]
    assert f'<tr data-customer="{talker.number}"><td>{talker.number}</td><td class="text-end">3</td>' in table
    assert f'data-customer="{quiet.number}"' not in table[: table.index("</table>")]
    assert "3 findings in the kept text and documents of 1 customer to anonymize" in html
    assert job.items.get(customer_id=talker.pk).residue == 3

    # and the list to erase has the count, and the residue list says where, never what
    to_erase = read_list(eraser_client.get(reverse("mass_erasure:list", args=[job.pk, "to-erase"])))
    assert [(r["customer_number"], r["action"], r["residue"]) for r in to_erase] == [
        (talker.number, "anonymize", "3"),
        (quiet.number, "anonymize", "0"),
        (never.number, "delete", ""),
    ]
    listed = eraser_client.get(reverse("mass_erasure:list", args=[job.pk, "residue"]))
    assert listed["Content-Disposition"].startswith("attachment;") and "no-store" in listed["Cache-Control"]
    assert read_list(listed) == [
        {"customer_number": talker.number, "kind": "customer", "ref": talker.number, "field": "info",
         "found": "name"},
        {"customer_number": talker.number, "kind": "customer", "ref": talker.number, "field": "info",
         "found": "phone"},
        {"customer_number": talker.number, "kind": "order", "ref": talked.ref, "field": "internal_comment",
         "found": "email"},
    ]  # fmt: skip
    for value in PERSONAL:
        assert value not in listed.content.decode()

    # and it is written as the other review lists are: in Swedish with ";", or as XLSX
    swedish = eraser_client.get(
        reverse("mass_erasure:list", args=[job.pk, "residue"]), headers={"accept-language": "sv"}
    )
    assert [r["found"] for r in read_list(swedish, ";")] == ["name", "phone", "email"]
    workbook = load_workbook(
        io.BytesIO(eraser_client.get(reverse("mass_erasure:list_xlsx", args=[job.pk, "residue"])).content)
    )
    cells = [[cell.value for cell in row] for row in workbook.active.iter_rows()]
    assert cells[0] == mass.RESIDUE_COLUMNS
    assert [row[4] for row in cells[1:]] == ["name", "phone", "email"]
    assert not any(value in str(cells) for value in PERSONAL)


def test_b5_the_mass_confirmation_says_what_stays_and_why(eraser_client, customers):
    eraser_client.post(INDEX, {"criteria": "both", "through": "2020-12-31"})
    job = ErasureJob.objects.get()

    html = eraser_client.post(reverse("mass_erasure:start", args=[job.pk]), {"understood": "on"}).content
    html = html.decode()

    assert 'id="confirm-erasure"' in html
    stays = html[html.index('id="what-stays"') :]
    assert "legal copies" in stays and "bokföringslagen" in stays and "HGB" in stays


def test_b5_the_scan_of_the_verification_is_set_based(customers):
    # given many customers with residue, and one
    talker, _talked, quiet, _never = customers
    many = [talker.pk, quiet.pk]
    for n in range(6):
        other = private("Nils", f"Wallin{'x' * n}", created=date(2015, 4, 1 + n))
        order(other, date(2016, 4, 1))
        Customer.objects.filter(pk=other.pk).update(internal_info=f"Nils Wallin{'x' * n}, 070-55{n} 12 12")
        document(other, "Brev", "brev.txt", f"Till Nils Wallin{'x' * n}".encode())
        many.append(other.pk)

    def queries(ids) -> int:
        with CaptureQueriesContext(connection) as captured:
            rows = mass.plan_rows(ids)
        assert sum(1 for r in rows if r.residue) == len([pk for pk in ids if pk != quiet.pk])
        return len(captured.captured_queries)

    # then planning them with their residue takes as many queries for one as for all
    assert queries([talker.pk]) == queries(many)


def test_b5_a_selection_shows_the_counts_in_its_check_before_it_is_erased(client, admin_user, customers):
    talker, talked, quiet, _never = customers
    selection = selection_save(actor=admin_user, name="Holm och Ek", query="")
    client.force_login(admin_user)

    # when the selection's erasure is checked (planned), as its page's button does
    job = jobs.plan_selection_job(actor=admin_user, selection=selection)
    html = client.get(reverse("mass_erasure:job", args=[job.pk])).content.decode()

    # then the verification shows, per customer, how many findings its anonymization redacts
    assert job.items.get(customer_id=talker.pk).residue == 3
    assert f'<tr data-customer="{talker.number}"><td>{talker.number}</td><td class="text-end">3</td>' in html
    residue_part = html[html.index('id="residue-items"') :]
    assert f'data-customer="{quiet.number}"' not in residue_part.split("</table>")[0]
    listed = client.get(reverse("mass_erasure:list", args=[job.pk, "residue"]))
    assert [(r["customer_number"], r["kind"], r["found"]) for r in read_list(listed)] == [
        (talker.number, "customer", "name"),
        (talker.number, "customer", "phone"),
        (talker.number, "order", "email"),
    ]


def test_b5_mass_erase_dry_run_counts_the_residue_and_writes_where_it_is(customers, tmp_path):
    talker, _talked, _quiet, _never = customers
    mass_eraser()
    enable_crm()
    out = StringIO()

    args = ["--criteria", "both", "--through", "2020-12-31", "--dry-run", "--json", "--as", "malin"]
    call_command("mass_erase", *args, "--report-dir", str(tmp_path), stdout=out, stderr=StringIO())

    counts = json.loads(out.getvalue())
    assert counts["residue"] == 3
    residue = tmp_path / "mass-erasure-both-2020-12-31-residue.csv"
    assert [(r["customer_number"], r["field"], r["found"]) for r in read_list(residue)] == [
        (talker.number, "info", "name"),
        (talker.number, "info", "phone"),
        (talker.number, "internal_comment", "email"),
    ]
    assert not any(value in residue.read_text() for value in PERSONAL)
