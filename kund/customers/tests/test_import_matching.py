"""R-8 and SPEC §8: an exported list imports back — unchanged, with no error and no change; edited, with
its changes shown and applied to the customers (history as the edit form writes it, R-4); new rows that
look like customers in the register wait for a decision. Rights per R-9: rows update only what the user
may change, and a customer the user may not view stays unknown."""

import csv
import io
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from django.utils.text import capfirst
from openpyxl import load_workbook

from kund.audit.models import ChangeRecord
from kund.customers.columns import ENGLISH_HEADERS
from kund.customers.importing import CHUNK_SIZE
from kund.customers.models import Customer
from kund.customers.services import customer_create, customer_update
from kund.customers.tests.register_fixtures import anonymize, make_user, new_company, new_private
from kund.customers.tests.test_import import run_import
from kund.demo.seeder import seed_demo

COLUMN = {header: index for index, header in enumerate(ENGLISH_HEADERS)}


# --- a register as people have it ------------------------------------------------------------------------


@pytest.fixture
def register(db) -> dict[str, Customer]:
    """The demo register (as `make demo` fills it), and customers whose stored values the importer would
    write in another form: a phone number and a postal code as they were typed, a phone number the export
    neutralises (+46…), a prospect and an anonymized customer."""
    seed_demo(customers=40, seed=11)
    return {
        "person": new_private(phone="0701234567", invoice_postal_code="75320"),
        "company": new_company(phone="+46 8 123 456 78", email="info@ohrlings-bygg.se"),
        "prospect": customer_create(
            actor=None,
            data={"kind": "prospect", "name": "Norrlands Kyl & Värme AB", "email": "kontakt@nkv.se"},
        ),
        "anonymized": anonymize(
            new_private(
                first_name="Kalle",
                last_name="Glömd",
                organisation_number="19640823-3234",
                email="kalle.glomd@example.se",
            )
        ),
        "other": new_private(
            first_name="Maja",
            last_name="Wahlström",
            organisation_number="19810807-4884",
            email="maja.wahlstrom@example.se",
            invoice_city="Umeå",
            invoice_postal_code="903 25",
        ),
    }


@pytest.fixture
def boss(db):
    return get_user_model().objects.create_superuser("kontorschef", "chef@kund.test", "pw")


def export(client, fmt: str, language: str = "en") -> bytes:
    """The whole list, anonymized customers too, as the list's export button gives it."""
    response = client.get(
        reverse("customers:export", args=[fmt]), {"anonymized": "1"}, HTTP_ACCEPT_LANGUAGE=language
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.getvalue()


def edited(data: bytes, fmt: str, edits: dict[str, dict[str, str]], *, add: list[list[str]] = ()) -> bytes:
    """The exported file with cells changed (by customer number, then English header) and rows added,
    saved the way a spreadsheet would (CSV: the export's own delimiter, UTF-8 with BOM)."""
    if fmt == "xlsx":
        workbook = load_workbook(io.BytesIO(data))
        sheet = workbook.active
        for row in sheet.iter_rows(min_row=2):
            for header, value in edits.get(str(row[0].value), {}).items():
                row[COLUMN[header]].value = value
        for row in add:
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue()
    text = data.decode("utf-8-sig")
    header = text.splitlines()[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    for row in rows[1:]:
        for column, value in edits.get(row[0], {}).items():
            row[COLUMN[column]] = value
    rows.extend(add)
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=delimiter).writerows(rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def upload(client, data: bytes, fmt: str = "csv", language: str = "en"):
    """Upload the file; the preview page's response."""
    response = client.post(
        reverse("customer_import:upload"),
        {"file": SimpleUploadedFile(f"kunder.{fmt}", data)},
        HTTP_ACCEPT_LANGUAGE=language,
    )
    assert response.status_code == 302, response.content[:500]
    return client.get(response["Location"], HTTP_ACCEPT_LANGUAGE=language)


def new_row(**cells: str) -> list[str]:
    row = [""] * len(ENGLISH_HEADERS)
    for header, value in cells.items():
        row[COLUMN[header]] = value
    return row


def history(customer: Customer, actor) -> set[tuple[str, str, str]]:
    return set(
        ChangeRecord.objects.filter(
            customer=customer, actor=actor, event=ChangeRecord.Event.CHANGED
        ).values_list("field", "old_value", "new_value")
    )


# --- an exported file imports back (SPEC §8) --------------------------------------------------------------


@pytest.mark.parametrize("language", ["sv", "en"])
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_r8_the_exported_list_imports_back_with_no_error_and_no_change(client, register, boss, fmt, language):
    # given the list exported as it is
    client.force_login(boss)
    data = export(client, fmt, language)
    before = list(Customer.objects.order_by("pk").values())

    # when it is uploaded again
    page = upload(client, data, fmt, language)

    # then every row is valid and changes nothing, and there is nothing to confirm
    preview = page.context["preview"]
    assert preview.ok and preview.errors == []
    assert (preview.new_count, preview.update_count, preview.duplicate_count) == (0, 0, 0)
    assert preview.unchanged == preview.row_count == Customer.objects.count()
    html = page.content.decode()
    assert 'id="import-nothing"' in html and 'id="import-confirm"' not in html
    assert list(Customer.objects.order_by("pk").values()) == before


def test_r8_the_exported_list_imports_back_on_the_command_line(tmp_path, client, register, boss):
    client.force_login(boss)

    status, out, err = run_import(tmp_path, export(client, "csv"), "--as", boss.username)

    count = Customer.objects.count()
    assert (status, err) == (0, "")
    assert out.splitlines() == ["imported 0 customers", f"{count} rows change nothing"]


# --- rows of existing customers update them --------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_r8_r4_three_edited_rows_show_their_changes_and_apply_them_with_history(client, register, boss, fmt):
    # given the export with three rows edited
    client.force_login(boss)
    person, company, other = register["person"], register["company"], register["other"]
    data = edited(
        export(client, fmt),
        fmt,
        {
            person.number: {"last_name": "Lindqvist-Berg"},
            company.number: {"email": "order@ohrlings-bygg.se", "phone": "08-765 432 10"},
            other.number: {"address": "Kungsgatan 7", "postal_code": "90326"},
        },
    )
    count = Customer.objects.count()

    # when it is uploaded
    page = upload(client, data, fmt)

    # then the preview shows the three customers' changes, field by field, and nothing else
    preview = page.context["preview"]
    assert preview.ok and (preview.new_count, preview.update_count, preview.duplicate_count) == (0, 3, 0)
    assert preview.unchanged == count - 3
    changes = {number: changes for _line, _pk, number, changes in preview.updates}
    assert changes == {
        person.number: [
            ["last_name", "Lindqvist", "Lindqvist-Berg"],
            ["name", "Ingrid Lindqvist", "Ingrid Lindqvist-Berg"],
        ],
        company.number: [
            ["email", "info@ohrlings-bygg.se", "order@ohrlings-bygg.se"],
            ["phone", "+46 8 123 456 78", "08-765 432 10"],
        ],
        other.number: [
            ["invoice_address1", "Storgatan 12", "Kungsgatan 7"],
            ["invoice_postal_code", "903 25", "903 26"],
        ],
    }
    html = page.content.decode()
    assert 'id="import-changes"' in html and 'id="import-confirm"' in html
    for label in ("Last name", "Customer name", "E-mail", "Phone", "Invoice address: line 1"):
        assert f"<td>{label}</td>" in html
    assert "<td>invoice_address1</td>" not in html
    assert html.count('class="kund-customer-link"') == 3  # each customer named and linked to its card
    assert Customer.objects.get(pk=person.pk).last_name == "Lindqvist"  # nothing written yet

    # when the user confirms
    response = client.post(page.wsgi_request.path, {"import": "1"})

    # then the three customers are changed, each change in their history as the edit form records it
    assert response.status_code == 302
    assert Customer.objects.count() == count
    assert Customer.objects.get(pk=person.pk).name == "Ingrid Lindqvist-Berg"
    assert history(person, boss) == {
        ("last_name", "Lindqvist", "Lindqvist-Berg"),
        ("name", "Ingrid Lindqvist", "Ingrid Lindqvist-Berg"),
    }
    assert history(company, boss) == {
        ("email", "info@ohrlings-bygg.se", "order@ohrlings-bygg.se"),
        ("phone", "+46 8 123 456 78", "08-765 432 10"),
    }
    assert history(other, boss) == {
        ("invoice_address1", "Storgatan 12", "Kungsgatan 7"),
        ("invoice_postal_code", "903 25", "903 26"),
    }
    assert ChangeRecord.objects.filter(actor=boss).count() == 6
    assert [str(m) for m in get_messages(response.wsgi_request)][-1] == (
        "Imported 0 customers. Updated 3 customers."
    )


def test_r8_the_changes_are_labelled_in_the_users_language(client, register, boss):
    client.force_login(boss)
    other = register["other"]
    data = edited(export(client, "csv", "sv"), "csv", {other.number: {"city": "Umeå C"}})

    page = upload(client, data, "csv", "sv")

    with translation.override("sv"):
        label = str(capfirst(Customer._meta.get_field("invoice_city").verbose_name))
    assert f"<td>{label}</td>" in page.content.decode()
    assert page.context["preview"].updates[0][3] == [["invoice_city", "Umeå", "Umeå C"]]


def test_r8_an_emptied_cell_empties_the_field_and_a_bad_value_is_an_error(client, register, boss):
    client.force_login(boss)
    person, company = register["person"], register["company"]
    data = export(client, "csv")
    bad = edited(data, "csv", {person.number: {"phone": ""}, company.number: {"email": "info(at)ohrlings"}})

    preview = upload(client, bad).context["preview"]

    assert not preview.ok
    assert [(e.line, e.column, e.reason) for e in preview.errors] == [
        (line_of(data, company.number), "email", "not a valid e-mail address")
    ]
    # corrected, the emptied phone is a change of its own
    good = edited(data, "csv", {person.number: {"phone": ""}})
    assert upload(client, good).context["preview"].updates[0][3] == [["phone", "0701234567", ""]]


def rows_of(data: bytes) -> list[list[str]]:
    """The rows of an exported CSV file, whichever delimiter the export used."""
    text = data.decode("utf-8-sig")
    header = text.splitlines()[0]
    delimiter = ";" if header.count(";") > header.count(",") else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def line_of(data: bytes, number: str) -> int:
    """The line of the customer's row in an exported CSV file (the header is line 1)."""
    return next(line for line, row in enumerate(rows_of(data), start=1) if row[0] == number)


def test_r8_the_import_refuses_if_the_register_changed_since_the_preview(client, register, boss):
    # given a previewed change, then someone changes the same customer
    client.force_login(boss)
    other = register["other"]
    page = upload(client, edited(export(client, "csv"), "csv", {other.number: {"city": "Skellefteå"}}))
    colleague = make_user("view_customer", "change_customer")
    customer_update(customer=other, actor=colleague, data={"invoice_city": "Luleå"})

    # when the user confirms what the page showed
    response = client.post(page.wsgi_request.path, {"import": "1"})

    # then nothing is written and the page shows the check against the register as it is now
    assert response.status_code == 302 and response["Location"] == page.wsgi_request.path
    assert Customer.objects.get(pk=other.pk).invoice_city == "Luleå"
    assert history(other, boss) == set()
    again = client.get(page.wsgi_request.path).context["preview"]
    assert again.updates[0][3] == [["invoice_city", "Luleå", "Skellefteå"]]


# --- rights and anonymized customers (A-4) -------------------------------------------------------


def test_r8_r9_without_the_change_right_the_unchanged_export_imports_but_a_change_is_refused(
    client, register
):
    # given a user who may view and upload, not change
    user = make_user("view_customer", "upload_customers")
    client.force_login(user)
    data = export(client, "csv")
    company = register["company"]

    # then the unchanged file is fine
    assert upload(client, data).context["preview"].ok

    # and a changed row is refused, and nothing is written
    page = upload(client, edited(data, "csv", {company.number: {"city": "Solna"}}))
    preview = page.context["preview"]
    assert [(e.column, e.reason) for e in preview.errors] == [
        ("customer_number", f"you may not change customer {company.number}")
    ]
    client.post(page.wsgi_request.path, {"import": "1"})
    assert Customer.objects.get(pk=company.pk).invoice_city == "Sundbyberg"


def test_r8_r9_only_assigned_users_update_their_own_and_others_are_unknown_to_them(client, register, boss):
    # given a seller who sees and changes only their own customers, one of them the company
    seller = make_user("view_assigned_customer", "change_assigned_customer", "upload_customers")
    company, other = register["company"], register["other"]
    Customer.objects.filter(pk=company.pk).update(responsible=seller)
    client.force_login(seller)
    data = export(client, "csv")
    assert [row[0] for row in rows_of(data)] == ["customer_number", company.number]  # their one customer
    deleted = customer_create(actor=boss, data={"kind": "company", "name": "Nedlagt AB"})
    deleted_number = deleted.number
    deleted.delete()

    # when their row is changed and rows with the numbers of a customer they may not view and of a
    # deleted customer are added
    rows = [
        new_row(customer_number=other.number, kind="private", first_name="Maja", last_name="Wahlström"),
        new_row(customer_number=deleted_number, kind="company", name="Nedlagt AB"),
    ]
    data = edited(data, "csv", {company.number: {"city": "Solna"}}, add=rows)
    preview = upload(client, data).context["preview"]

    # then the customer they may not view is refused in the very words of the deleted one
    reasons = [
        (e.line, e.reason.replace(other.number, "N").replace(deleted_number, "N")) for e in preview.errors
    ]
    assert reasons == [
        (3, "customer number N has already been used and cannot be issued again"),
        (4, "customer number N has already been used and cannot be issued again"),
    ]

    # and without those rows their own customer is updated
    page = upload(client, edited(export(client, "csv"), "csv", {company.number: {"city": "Solna"}}))
    client.post(page.wsgi_request.path, {"import": "1"})
    assert Customer.objects.get(pk=company.pk).invoice_city == "Solna"
    assert Customer.objects.get(pk=other.pk).invoice_city == "Umeå"


def test_r8_a4_an_anonymized_customer_imports_back_unchanged_but_cannot_be_changed(client, register, boss):
    client.force_login(boss)
    anonymized = register["anonymized"]
    data = export(client, "csv")
    assert upload(client, data).context["preview"].ok

    preview = upload(client, edited(data, "csv", {anonymized.number: {"last_name": "Glömd"}})).context[
        "preview"
    ]

    assert [(e.column, e.reason) for e in preview.errors] == [
        ("customer_number", f"customer {anonymized.number} is anonymized and cannot be changed")
    ]


# --- probable duplicates ------------------------------------------------------------------------------


def duplicate_file(register) -> bytes:
    """Three new rows: one with the company's organisation number, one with the person's e-mail address
    in other capitals (and a customer number never used), one nobody in the register resembles."""
    rows = [
        new_row(
            kind="company",
            name="Öhrlings Bygg & Service AB",
            organisation_number="5560360793",
            email="faktura@ohrlings-bygg.se",
            phone="08-123 456 78",
            city="Sundbyberg",
        ),
        new_row(
            customer_number="880001",
            kind="private",
            first_name="Ingrid",
            last_name="Lindqvist",
            organisation_number="19811218-9876",
            email="Ingrid.Lindqvist@Example.se",
            phone="070-555 66 77",
        ),
        new_row(kind="private", first_name="Sune", last_name="Öst", email="sune.ost@example.se"),
    ]
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";").writerows([list(ENGLISH_HEADERS), *rows])
    return out.getvalue().encode("utf-8")


def test_r8_a_new_row_like_a_customer_is_flagged_and_nothing_is_imported_without_a_decision(
    client, register, boss
):
    # given
    client.force_login(boss)
    company, person = register["company"], register["person"]
    count = Customer.objects.count()

    # when the file is uploaded
    page = upload(client, duplicate_file(register))

    # then the two rows are flagged with the customers they resemble, named and linked
    preview = page.context["preview"]
    assert preview.ok and (preview.new_count, preview.duplicate_count) == (1, 2)
    flagged = {
        line: [(m["number"], m["reasons"], m["can_update"]) for m in matches]
        for line, _r, matches, _earlier, _why in preview.duplicates
    }
    assert flagged == {
        2: [(company.number, ["organisation_number"], True)],
        3: [(person.number, ["organisation_number", "email"], True)],
    }
    html = page.content.decode()
    assert 'id="import-duplicates"' in html and html.count('class="kund-customer-link"') == 2
    assert html.count('type="radio"') == 6  # new, update, skip for each

    # when the user imports without deciding
    response = client.post(page.wsgi_request.path, {"import": "1", "duplicate-2": "skip"})

    # then nothing is imported and the page asks for the decision
    assert response.status_code == 200
    assert "Decide for every probable duplicate" in response.content.decode()
    assert Customer.objects.count() == count


@pytest.mark.parametrize("decision", ["new", "update", "skip"])
def test_r8_each_decision_on_a_probable_duplicate(client, register, boss, decision):
    # given the flagged file
    client.force_login(boss)
    company, person = register["company"], register["person"]
    count = Customer.objects.count()
    page = upload(client, duplicate_file(register))
    choice = {
        "new": ("new", "new"),
        "update": (f"update:{company.pk}", f"update:{person.pk}"),
        "skip": ("skip", "skip"),
    }[decision]

    # when the user decides and imports
    response = client.post(
        page.wsgi_request.path, {"import": "1", "duplicate-2": choice[0], "duplicate-3": choice[1]}
    )

    # then
    assert response.status_code == 302
    assert (
        Customer.objects.filter(first_name="Sune", last_name="Öst").count() == 1
    )  # the row nobody resembles
    if decision == "new":
        assert Customer.objects.count() == count + 3
        assert Customer.objects.filter(organisation_number="556036-0793").count() == 2
        assert Customer.objects.get(number="880001").organisation_number == "19811218-9876"
    elif decision == "update":
        assert Customer.objects.count() == count + 1
        assert history(company, boss) == {
            ("name", "Öhrlings Byggservice AB", "Öhrlings Bygg & Service AB"),
            ("email", "info@ohrlings-bygg.se", "faktura@ohrlings-bygg.se"),
            ("phone", "+46 8 123 456 78", "08-123 456 78"),
        }
        # the row's e-mail in other capitals is a change too; its empty cells change nothing
        assert history(person, boss) == {
            ("email", "ingrid.lindqvist@example.se", "Ingrid.Lindqvist@Example.se"),
            ("phone", "0701234567", "070-555 66 77"),
        }
        assert not Customer.objects.filter(number="880001").exists()
    else:
        assert Customer.objects.count() == count + 1
        assert history(company, boss) == history(person, boss) == set()


def test_r8_r9_a_duplicate_the_user_may_not_view_is_named_by_its_number_only(client, register):
    # given a seller who sees only their own customers
    seller = make_user("view_assigned_customer", "change_assigned_customer", "upload_customers")
    client.force_login(seller)
    company = register["company"]

    # when
    page = upload(client, duplicate_file(register))

    # then the match is flagged by number, not named or linked, and cannot be updated from the row
    html = page.content.decode()
    assert company.number in html and "a customer you may not view" in html
    assert "Öhrlings Byggservice AB" not in html and "kund-customer-link" not in html
    assert f'value="update:{company.pk}"' not in html
    assert page.context["preview"].duplicate_count == 2


def test_r8_duplicates_on_the_command_line(tmp_path, register, boss):
    company = register["company"]

    status, out, err = run_import(tmp_path, duplicate_file(register), "--as", boss.username)
    assert status == 1
    assert f"line 2: probable duplicate of customer {company.number}" in err
    assert "choose --duplicates new or --duplicates skip" in err

    status, out, err = run_import(
        tmp_path, duplicate_file(register), "--duplicates", "skip", "--as", boss.username
    )
    assert (status, err) == (0, "")
    assert out.splitlines() == ["imported 1 customers", "skipped 2 probable duplicates"]


def twice_in_the_file(filler: int = 0) -> bytes:
    """New rows of which two repeat an earlier one: the same e-mail in other capitals (line 3), and the
    same personal identity number written without century (line 4, after `filler` unrelated rows)."""
    rows = [
        new_row(kind="private", first_name="Greta", last_name="Sandberg", organisation_number="19700101-0029",
                email="greta.sandberg@example.se"),
        new_row(kind="private", first_name="Greta", last_name="Sandberg", email="Greta.Sandberg@Example.SE"),
        *(new_row(kind="private", first_name="Olle", last_name=f"Rad{i}") for i in range(filler)),
        new_row(kind="private", first_name="G.", last_name="Sandberg", organisation_number="700101-0029"),
        new_row(kind="private", first_name="Bo", last_name="Ek", email="bo.ek@example.se"),
    ]  # fmt: skip
    out = io.StringIO(newline="")
    csv.writer(out, delimiter=";").writerows([list(ENGLISH_HEADERS), *rows])
    return out.getvalue().encode("utf-8")


def test_r8_a_new_row_repeating_an_earlier_new_row_of_the_file_waits_for_a_decision(client, register, boss):
    # given a file that holds one new customer three times, and another once
    client.force_login(boss)
    count = Customer.objects.count()

    # when it is uploaded
    page = upload(client, twice_in_the_file())

    # then the repeats are probable duplicates of the first row, by what they share; the others are new
    preview = page.context["preview"]
    assert preview.ok and (preview.new_count, preview.duplicate_count) == (2, 2)
    assert [(line, matches, earlier, why) for line, _row, matches, earlier, why in preview.duplicates] == [
        (3, [], 2, ["email"]),
        (4, [], 2, ["organisation_number"]),
    ]
    html = page.content.decode()
    assert html.count('class="mb-1 import-earlier-row" data-earlier-line="2"') == 2
    assert "Line 2 of this file" in html
    assert html.count('type="radio"') == 4  # new or skip: there is no customer to update

    # when the user keeps one as a new customer and skips the other
    response = client.post(
        page.wsgi_request.path, {"import": "1", "duplicate-3": "new", "duplicate-4": "skip"}
    )

    # then
    assert response.status_code == 302
    assert Customer.objects.count() == count + 3
    assert Customer.objects.filter(last_name="Sandberg").count() == 2


def test_r8_the_files_own_duplicates_are_found_across_its_chunks(tmp_path, register, boss):
    # given the repeats more than a chunk of rows after the first (the check reads the file in chunks)
    data = twice_in_the_file(filler=CHUNK_SIZE + 10)

    # when it is imported without a decision
    status, _out, err = run_import(tmp_path, data, "--as", boss.username)

    # then both are named with the line they repeat, and nothing is imported
    assert status == 1
    assert "line 3: probable duplicate of line 2 of the file" in err
    assert f"line {CHUNK_SIZE + 14}: probable duplicate of line 2 of the file" in err
    assert not Customer.objects.filter(last_name="Sandberg").exists()

    # when they are skipped
    status, out, err = run_import(tmp_path, data, "--duplicates", "skip", "--as", boss.username)
    assert (status, err) == (0, "")
    assert out.splitlines() == [f"imported {CHUNK_SIZE + 12} customers", "skipped 2 probable duplicates"]
    assert Customer.objects.filter(last_name="Sandberg").count() == 1


def test_r8_an_edited_row_on_the_command_line_updates_the_customer(tmp_path, client, register, boss):
    client.force_login(boss)
    other = register["other"]
    data = edited(export(client, "csv"), "csv", {other.number: {"city": "Skellefteå"}})

    status, out, _err = run_import(tmp_path, data, "--as", boss.username)

    assert status == 0 and out.splitlines()[:2] == ["imported 0 customers", "updated 1 customers"]
    assert history(other, boss) == {("invoice_city", "Umeå", "Skellefteå")}


def test_r8_bad_rows_beside_updates_import_and_change_nothing(client, register, boss):
    client.force_login(boss)
    other = register["other"]
    data = edited(
        export(client, "csv"),
        "csv",
        {other.number: {"city": "Skellefteå"}},
        add=[new_row(kind="private", first_name="Sune", email="sune(at)example.se")],
    )

    page = upload(client, data)
    client.post(page.wsgi_request.path, {"import": "1"})

    preview = page.context["preview"]
    assert (
        not preview.ok
        and preview.bad_rows == 1
        and re.search(r"not a valid e-mail", preview.errors[0].reason)
    )
    assert Customer.objects.get(pk=other.pk).invoice_city == "Umeå"
    assert not Customer.objects.filter(first_name="Sune").exists()
