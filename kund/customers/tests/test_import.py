"""R-8: uploading an existing customer register from CSV or XLSX, all or nothing (SPEC §8 contract of
`kund import_customers`)."""

import io
import random
import unicodedata
import zipfile
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation
from faker import Faker
from openpyxl import Workbook, load_workbook
from stdnum import luhn

from kund.audit.models import ChangeRecord
from kund.customers.columns import COLUMNS, ENGLISH_HEADERS
from kund.customers.importing import (
    NEW,
    ImportRefused,
    UnreadableFile,
    check_file,
    import_customers,
    read_file,
)
from kund.customers.models import Customer, NumberReservation
from kund.customers.services import allocate_customer_numbers, customer_create

SWEDISH_HEADERS = [swedish for _english, swedish, _attribute in COLUMNS]


# --- realistic register files --------------------------------------------------------------------------


def personnummer(rng: random.Random) -> str:
    born = date(1940, 1, 1) + timedelta(days=rng.randrange(365 * 65))
    digits = f"{born:%y%m%d}{rng.randrange(1000):03d}"
    return f"{born:%Y%m%d}-{digits[6:]}{luhn.calc_check_digit(digits)}"


def orgnr(rng: random.Random) -> str:
    digits = f"55{rng.randrange(10_000_000):07d}"
    return f"{digits[:6]}-{digits[6:]}{luhn.calc_check_digit(digits)}"


def ascii_only(text: str) -> str:
    """An e-mail local part as people write it: å, ä, ö → a, a, o."""
    folded = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return "".join(ch for ch in folded if ch.isalnum()) or "kund"


def register_rows(count: int, *, seed: int = 8) -> list[list[str]]:
    """Rows in the order of COLUMNS: mostly private persons, every fifth a company; numbers assigned, each
    once (a number twice in one file is a probable duplicate, R-8)."""
    drawn: set[str] = set()

    def unique(draw) -> str:
        number = draw(rng)
        while number[-11:] in drawn:
            number = draw(rng)
        drawn.add(number[-11:])
        return number

    fake = Faker("sv_SE")
    fake.seed_instance(seed)
    rng = random.Random(seed)
    pools = {
        "first": [fake.first_name() for _ in range(300)],
        "last": [fake.last_name() for _ in range(300)],
        "street": [fake.street_name() for _ in range(300)],
        "city": [fake.city() for _ in range(200)],
        "company": [fake.company() for _ in range(300)],
    }
    rows = []
    for i in range(count):
        street = f"{rng.choice(pools['street'])} {rng.randrange(1, 120)}"
        postal = f"{rng.randrange(100, 990)} {rng.randrange(100):02d}"
        phone = f"07{rng.choice('0236')}-{rng.randrange(100, 1000)} {rng.randrange(100):02d} "
        phone += f"{rng.randrange(100):02d}"
        city = rng.choice(pools["city"])
        if i % 5 == 4:
            name = rng.choice(pools["company"])
            mail = f"info{i}@{ascii_only(name)[:20]}.se"
            rows.append(["", "företag", "", "", name, unique(orgnr), mail, phone, street, postal, city, "SE"])
        else:
            first, last = rng.choice(pools["first"]), rng.choice(pools["last"])
            mail = f"{ascii_only(first)}.{ascii_only(last)}{i}@example.se"
            rows.append(
                [
                    "",
                    "privat",
                    first,
                    last,
                    "",
                    unique(personnummer),
                    mail,
                    phone,
                    street,
                    postal,
                    city,
                    "Sverige",
                ]
            )
    return rows


def csv_bytes(headers, rows, *, delimiter=";", encoding="cp1252", bom=False) -> bytes:
    lines = [delimiter.join(headers)] + [delimiter.join(row) for row in rows]
    text = "\r\n".join(lines) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode(encoding)


def xlsx_bytes(headers, rows) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def run_import(tmp_path, data: bytes, *args, name="register.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_customers", str(path), *args, stdout=out, stderr=err)
    except CommandError as exc:
        return exc.returncode, out.getvalue(), err.getvalue() + str(exc)
    return 0, out.getvalue(), err.getvalue()


@pytest.fixture
def uploader(db, django_user_model):
    return django_user_model.objects.create_superuser("importer", "importer@kund.test", "pw")


# --- the contract of SPEC §8 -------------------------------------------------------------------------


@pytest.mark.slow
def test_r8_ten_thousand_rows_in_windows_1252_with_semicolons_import_completely(tmp_path, uploader):
    # given
    rows = register_rows(10_000)
    data = csv_bytes(SWEDISH_HEADERS, rows, delimiter=";", encoding="cp1252")
    assert "ä".encode("cp1252") in data or "ö".encode("cp1252") in data

    # when
    status, out, err = run_import(tmp_path, data)

    # then
    assert (status, err) == (0, "")
    assert out.strip() == "imported 10000 customers"
    assert Customer.objects.count() == 10_000
    assert ChangeRecord.objects.filter(event=ChangeRecord.Event.IMPORTED, actor=uploader).count() == 10_000
    first = Customer.objects.get(organisation_number=rows[0][5])
    assert (first.kind, first.first_name, first.last_name) == ("private", rows[0][2], rows[0][3])
    assert first.name == f"{rows[0][2]} {rows[0][3]}"
    assert first.invoice_city == rows[0][10] and first.invoice_country == "SE"
    company = Customer.objects.get(organisation_number=rows[4][5])
    assert (company.kind, company.name) == ("company", rows[4][4])
    assert len(set(Customer.objects.values_list("number", flat=True))) == 10_000


@pytest.mark.slow
def test_r8_the_same_file_with_three_bad_rows_imports_nothing_and_lists_exactly_those(tmp_path, uploader):
    # given: rows 0-based 10, 5000 and 9999 are lines 12, 5002 and 10001 (the header is line 1)
    rows = register_rows(10_000)
    rows[10][6] = "anna.at.example.se"
    rows[5000][5] = "19811218-9875"  # a wrong check digit
    rows[9999][9] = "1234"

    # when
    status, out, err = run_import(tmp_path, csv_bytes(SWEDISH_HEADERS, rows))

    # then
    assert status == 2
    listed = [line for line in err.splitlines() if line.startswith("line ")]
    assert listed == [
        "line 12: e-post: not a valid e-mail address",
        "line 5002: organisationsnummer: not a valid Swedish personal identity number",
        "line 10001: postnummer: a Swedish postal code has five digits",
    ]
    assert "3 of 10000 rows have errors; nothing imported" in err
    assert Customer.objects.count() == 0
    assert ChangeRecord.objects.count() == 0


def test_r8_xlsx_with_english_headers_imports(tmp_path, uploader):
    # given: the header row the list export writes, numbers typed in, cells as Excel stores them
    rows = register_rows(30)
    for index, row in enumerate(rows):
        row[0] = str(70_000 + index)
    sheet_rows = [[int(row[0]), *row[1:]] for row in rows]

    # when
    status, out, err = run_import(tmp_path, xlsx_bytes(list(ENGLISH_HEADERS), sheet_rows), name="reg.xlsx")

    # then
    assert (status, out.strip(), err) == (0, "imported 30 customers", "")
    assert sorted(Customer.objects.values_list("number", flat=True)) == [str(70_000 + i) for i in range(30)]


def test_r8_r1_a_number_already_used_even_by_a_deleted_customer_is_refused(
    tmp_path, uploader, django_user_model
):
    # given: 4711 belonged to a customer who has since been deleted; 4712 belongs to a live one that the
    # importing user, who sees only the customers assigned to them, may not view
    customer_create(
        actor=uploader, data={"kind": "private", "first_name": "Gösta", "last_name": "Ek"}, number="4711"
    )
    Customer.objects.filter(number="4711").delete()
    customer_create(actor=uploader, data={"kind": "company", "name": "Ek & Son AB"}, number="4712")
    assert NumberReservation.objects.filter(number="4711").exists()
    importer = django_user_model.objects.create_user("saljare", "saljare@kund.test", "pw")
    importer.user_permissions.add(
        *Permission.objects.filter(
            codename__in=["upload_customers", "view_assigned_customer", "change_assigned_customer"]
        )
    )
    rows = register_rows(3)
    rows[0][0], rows[1][0], rows[2][0] = "4711", "4712", "4713"

    # when
    status, _out, err = run_import(tmp_path, csv_bytes(SWEDISH_HEADERS, rows), "--as", "saljare")

    # then
    assert status == 2
    assert [line for line in err.splitlines() if line.startswith("line ")] == [
        "line 2: kundnummer: customer number 4711 has already been used and cannot be issued again",
        "line 3: kundnummer: customer number 4712 has already been used and cannot be issued again",
    ]  # the live customer it may not view is refused in the very words of the deleted one
    assert not Customer.objects.filter(number="4713").exists()
    assert Customer.objects.get(number="4712").name == "Ek & Son AB"


def test_r8_a_number_twice_in_the_file_is_refused_on_its_second_line(tmp_path, uploader):
    rows = register_rows(3)
    rows[0][0] = rows[2][0] = "880"

    status, _out, err = run_import(tmp_path, csv_bytes(SWEDISH_HEADERS, rows))

    assert status == 2
    assert "line 4: kundnummer: customer number 880 is also on line 2" in err
    assert Customer.objects.count() == 0


def test_r8_dry_run_checks_everything_and_writes_nothing(tmp_path, uploader):
    status, out, err = run_import(tmp_path, csv_bytes(SWEDISH_HEADERS, register_rows(25)), "--dry-run")

    assert (status, err) == (0, "")
    assert "25 customers would be imported" in out
    assert Customer.objects.count() == 0 and NumberReservation.objects.count() == 0


def test_r8_utf8_with_bom_and_commas_and_free_header_spelling(tmp_path, uploader):
    # given: headers in another case and spacing, UTF-8 with a BOM as Excel writes it
    headers = ["Kundnummer", "Förnamn", "Efternamn", "E-post", "Telefon", "Postnummer", "Ort", "Övrigt"]
    rows = [["", "Åsa", "Öberg", "asa.oberg@example.se", "+46 70 123 45 67", "75320", "Uppsala", "x"]]

    # when
    status, out, _err = run_import(
        tmp_path, csv_bytes(headers, rows, delimiter=",", encoding="utf-8", bom=True)
    )

    # then: kind defaults to private (a first name is given); the phone is stored in national format
    assert (status, out.strip()) == (0, "imported 1 customers")
    customer = Customer.objects.get()
    assert (customer.kind, customer.name, customer.phone) == ("private", "Åsa Öberg", "070-123 45 67")
    assert customer.invoice_postal_code == "753 20"


def test_r8_every_kind_of_bad_value_is_reported_with_its_column(uploader):
    # given
    headers = ["typ", "förnamn", "namn", "organisationsnummer", "e-post", "telefon", "land", "momsnummer"]
    rows = [
        ["företag", "", "", "5560360793", "", "", "", ""],  # line 2: a company without a name
        ["privat", "Lars", "", "5560360794", "", "", "", ""],  # line 3: not a personnummer
        ["kund", "Lars", "", "", "", "", "", ""],  # line 4: unknown kind
        ["", "Lars", "", "", "lars@", "12", "Atlantis", "SE123"],  # line 5: four errors
        ["företag", "", "Bygg AB", "556036-0793", "", "", "", "SE556036079301"],  # good
    ]

    # when (the messages in English, whatever the catalogs hold)
    with translation.override("en"):
        report = check_file(csv_bytes(headers, rows))

    # then
    assert [str(e) for e in report.errors] == [
        "line 2: namn: a company needs a name",
        "line 3: organisationsnummer: not a valid Swedish personal identity number",
        "line 4: typ: unknown kind “kund”: use private, company or prospect",
        "line 5: e-post: not a valid e-mail address",
        "line 5: telefon: not a valid phone number",
        "line 5: land: unknown country “Atlantis”: use a two-letter code such as SE",
        "line 5: momsnummer: not a valid EU VAT number",
    ]
    assert report.bad_rows == 4 and report.customers == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"foo;bar\n1;2\n", "No column of the header row is known"),
        (b"email;phone\nx@example.se;070-1234567\n", "The file needs a name column"),
        (b"name;namn\nA;B\n", "mean the same thing"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "Old Excel files"),
        (b"PK\x03\x04 not really a workbook", "not a readable XLSX workbook"),
        (b'namn;ort\n"Bygg AB;Lund\n', "cannot be read as CSV"),
    ],
)
def test_r8_an_unreadable_file_exits_2_with_one_line(tmp_path, uploader, data, message):
    status, out, err = run_import(tmp_path, data)

    assert status == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_r8_a_missing_file_exits_2(tmp_path, uploader):
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("import_customers", str(tmp_path / "nothing.csv"), stdout=out, stderr=err)
    assert raised.value.returncode == 2


def test_r8_an_exported_file_imports_back(uploader):
    """The list's export writes COLUMNS' English headers from the customers' attributes."""
    # given: customers, written out the way the export writes them, then deleted... as another register
    source = [
        Customer(
            number="9001",
            kind="private",
            first_name="Karin",
            last_name="Holm",
            name="Karin Holm",
            organisation_number="19811218-9876",
            email="karin.holm@example.se",
            phone="070-123 45 67",
            invoice_address1="Ågatan 3",
            invoice_postal_code="582 22",
            invoice_city="Linköping",
            invoice_country="SE",
        ),
        Customer(
            number="9002",
            kind="company",
            name="Holm Bygg AB",
            organisation_number="556036-0793",
            email="info@holmbygg.se",
            phone="013-12 34 56",
            invoice_address1="Industrigatan 9",
            invoice_postal_code="582 77",
            invoice_city="Linköping",
            invoice_country="SE",
        ),
    ]
    rows = [[str(getattr(c, attribute)) for _e, _s, attribute in COLUMNS] for c in source]

    # when
    report = import_customers(actor=uploader, data=csv_bytes(ENGLISH_HEADERS, rows, delimiter=","))

    # then: every exported value comes back as it was
    assert report.imported == 2
    for original in source:
        imported = Customer.objects.get(number=original.number)
        for _english, _swedish, attribute in COLUMNS:
            assert getattr(imported, attribute) == getattr(original, attribute), attribute


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_r8_the_lists_export_with_neutralised_cells_imports_back(client, uploader, fmt):
    """The export puts an apostrophe before cells such as +46… and =…; the importer takes it off."""
    # given customers whose cells the export neutralises
    sources = [
        customer_create(
            actor=None,
            data={
                "kind": "private",
                "first_name": "=Karin",
                "last_name": "-Holm",
                "name": "=Karin -Holm",
                "organisation_number": "19811218-9876",
                "email": "karin.holm@example.se",
                "phone": "+46 70 123 45 67",
                "invoice_address1": "@Ågatan 3",
                "invoice_postal_code": "582 22",
                "invoice_city": "Linköping",
                "invoice_country": "SE",
            },
        ),
        customer_create(
            actor=None,
            data={
                "kind": "company",
                "name": '=HYPERLINK("http://evil.example","Holm Bygg AB")',
                "organisation_number": "556036-0793",
                "email": "info@holmbygg.se",
                "phone": "+47 22 12 34 56",
                "invoice_address1": "'=Industrigatan 9",
                "invoice_postal_code": "0150",
                "invoice_city": "Oslo",
                "invoice_country": "NO",
            },
        ),
    ]
    client.force_login(uploader)
    exported = b"".join(client.get(f"/customers/export.{fmt}", {"sort": "number"}).streaming_content)
    # ...imported into a register where their numbers are free (R-1: a number is never issued twice)
    renumbered = {source.number: f"9{source.number}" for source in sources}
    if fmt == "csv":
        text = exported.decode("utf-8-sig")
        for old, new in renumbered.items():
            text = text.replace(f"\r\n{old},", f"\r\n{new},")
        data = text.encode("utf-8")
    else:
        workbook = load_workbook(io.BytesIO(exported))
        for (cell,) in workbook.active.iter_rows(min_row=2, max_col=1):
            cell.value = renumbered[cell.value]
        out = io.BytesIO()
        workbook.save(out)
        data = out.getvalue()

    # when (the same people as the register's: imported as new customers all the same)
    report = import_customers(actor=uploader, data=data, on_duplicate=NEW)

    # then every value comes back as it was; the Swedish phone number in the register's national form
    assert report.imported == 2
    for source in sources:
        imported = Customer.objects.get(number=renumbered[source.number])
        for _english, _swedish, attribute in COLUMNS:
            if attribute not in ("number", "phone"):
                assert getattr(imported, attribute) == getattr(source, attribute), attribute
    assert Customer.objects.get(number=renumbered[sources[0].number]).phone == "070-123 45 67"
    assert Customer.objects.get(number=renumbered[sources[1].number]).phone == "+47 22 12 34 56"


def test_r8_import_is_set_based(uploader, django_assert_max_num_queries):
    """2,000 rows: a fixed number of queries per chunk of 500 (writing, and asking for probable
    duplicates), never one per row."""
    data = csv_bytes(SWEDISH_HEADERS, register_rows(2_000))

    with django_assert_max_num_queries(44):
        report = import_customers(actor=uploader, data=data)

    assert report.imported == 2_000


def test_r8_refused_import_raises_with_the_report(uploader):
    rows = register_rows(2)
    rows[1][6] = "not-an-address"

    with pytest.raises(ImportRefused) as refused:
        import_customers(actor=uploader, data=csv_bytes(SWEDISH_HEADERS, rows))

    assert [e.line for e in refused.value.report.errors] == [3]
    assert Customer.objects.count() == 0


def test_r8_unreadable_raises(uploader):
    with pytest.raises(UnreadableFile):
        import_customers(actor=uploader, data=b"\x00\x01\x02")


def test_r8_r1_assigned_numbers_skip_the_numbers_typed_in_the_same_file(uploader):
    # given: the sequence would hand out 1000, 1001, … and the file types 1000 and 1002 itself
    next_numbers = allocate_customer_numbers(1)
    first = int(next_numbers[0]) + 1
    rows = register_rows(5)
    rows[0][0], rows[1][0] = str(first), str(first + 2)

    # when
    report = import_customers(actor=uploader, data=csv_bytes(SWEDISH_HEADERS, rows))

    # then
    assert report.imported == 5
    numbers = sorted(Customer.objects.values_list("number", flat=True), key=int)
    assert numbers == [str(n) for n in (first, first + 1, first + 2, first + 3, first + 4)]


def test_r8_r9_the_acting_user_needs_the_upload_right(tmp_path, uploader, django_user_model):
    django_user_model.objects.create_user("saljare", "saljare@kund.test", "pw")

    status, _out, err = run_import(tmp_path, csv_bytes(SWEDISH_HEADERS, register_rows(2)), "--as", "saljare")

    assert status == 1 and "does not have the right to upload customers" in err
    assert Customer.objects.count() == 0


def test_r8_a_number_taken_during_the_import_rolls_back_every_chunk(uploader, monkeypatch):
    """Nothing half-imported: a conflict in the third chunk undoes the two chunks already written."""
    # given: the file was checked, then someone else took one of its typed numbers
    from kund.customers import importing

    rows = register_rows(1_200)
    rows[1_100][0] = "77001"
    checked = check_file(csv_bytes(SWEDISH_HEADERS, rows))
    customer_create(actor=uploader, data={"kind": "company", "name": "Snabbare AB"}, number="77001")
    monkeypatch.setattr(importing, "check_file", lambda data, actor=None: checked)
    before = (Customer.objects.count(), ChangeRecord.objects.count(), NumberReservation.objects.count())

    # when
    with pytest.raises(UnreadableFile):
        import_customers(actor=uploader, data=b"")

    # then
    assert (
        Customer.objects.count(),
        ChangeRecord.objects.count(),
        NumberReservation.objects.count(),
    ) == before


# --- limits: what one file may hold ---------------------------------------------------------------------


def test_r8_an_xlsx_of_150_000_small_rows_is_refused_at_the_row_limit_and_nothing_imported(
    tmp_path, uploader
):
    # given a workbook that is small on disk but holds more customers than one file may
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("kunder")
    sheet.append(["namn"])
    for number in range(150_000):
        sheet.append([number])
    out = io.BytesIO()
    workbook.save(out)

    # when
    status, out_text, err = run_import(tmp_path, out.getvalue(), name="kunder.xlsx")

    # then one line, exit 2, nothing imported
    assert status == 2 and out_text == ""
    assert err.strip() == "The file has more than 100,000 rows; split it into files of at most 100,000 rows."
    assert Customer.objects.count() == 0


def test_r8_a_csv_of_100_001_rows_is_refused_and_one_of_100_000_is_read(uploader):
    names = [f"Kund {number} AB" for number in range(100_001)]
    too_many = ("namn\r\n" + "\r\n".join(names) + "\r\n").encode()
    just_right = ("namn\r\n" + "\r\n".join(names[:-1]) + "\r\n\r\n\r\n").encode()  # empty lines do not count

    with pytest.raises(UnreadableFile, match="more than 100,000 rows"):
        read_file(too_many)
    assert len(read_file(just_right).rows) == 100_000


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (["Holm Bygg AB"] + [""] * 99 + ["x"], "Line 2 has more than 100 columns."),
        (["Holm Bygg AB" + "x" * 10_000], "Line 2 has a cell of more than 10,000 characters."),
    ],
)
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_r8_a_file_past_the_column_or_cell_limit_is_refused_with_the_line(uploader, row, message, fmt):
    # given
    if fmt == "xlsx":
        data = xlsx_bytes(["namn"], [row])
    else:
        data = csv_bytes(["namn"], [row], delimiter=",", encoding="utf-8")

    # when / then
    with pytest.raises(UnreadableFile) as refused:
        import_customers(actor=uploader, data=data)
    assert str(refused.value) == message
    assert Customer.objects.count() == 0


def test_r8_empty_cells_past_the_last_column_are_no_column(uploader):
    # given a spreadsheet saved with 150 empty cells after the data
    data = csv_bytes(["namn", "ort"] + [""] * 150, [["Holm Bygg AB", "Lund"] + [""] * 150], encoding="utf-8")

    # when
    report = import_customers(actor=uploader, data=data)

    # then
    assert report.imported == 1 and Customer.objects.get().invoice_city == "Lund"


def crafted_xlsx(sheet_data: str, dimension: str) -> bytes:
    """An XLSX workbook whose first sheet holds exactly this XML, as a hostile program could write it."""
    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(["namn"], [["Holm Bygg AB"]])))
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>{sheet_data}</sheetData></worksheet>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = sheet.encode() if item.filename == "xl/worksheets/sheet1.xml" else source.read(item)
            target.writestr(item.filename, data)
    return out.getvalue()


def text_cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def test_r8_an_xlsx_claiming_the_widest_sheet_is_read_within_the_limits(uploader):
    # given a sheet that claims all 16,384 columns and 1,048,576 rows, and holds two
    data = crafted_xlsx(
        f'<row r="1">{text_cell("A1", "namn")}</row><row r="2">{text_cell("A2", "Holm Bygg AB")}</row>',
        "A1:XFD1048576",
    )

    # when
    parsed = read_file(data)

    # then the rows as they are, not padded to the claimed width
    assert parsed.headers == ["namn"] and parsed.rows == [(2, ["Holm Bygg AB"])]


def test_r8_an_xlsx_with_a_row_past_the_last_line_of_a_sheet_is_refused(uploader):
    # given a row numbered far beyond any spreadsheet's last line (openpyxl would fill the gap)
    data = crafted_xlsx(
        f'<row r="1">{text_cell("A1", "namn")}</row>'
        f'<row r="900000000">{text_cell("A900000000", "Holm Bygg AB")}</row>',
        "A1:A900000000",
    )

    # when / then
    with pytest.raises(UnreadableFile, match="more than 1,048,576 lines"):
        import_customers(actor=uploader, data=data)
    assert Customer.objects.count() == 0


@pytest.mark.parametrize("limit", ["MAX_XLSX_UNPACKED_BYTES", "MAX_XLSX_PART_BYTES"])
def test_r8_an_xlsx_that_unpacks_to_too_much_is_refused_before_it_is_opened(uploader, monkeypatch, limit):
    # given (the limits lowered, so that an ordinary workbook stands for a zip bomb)
    from kund.customers import importing

    data = xlsx_bytes(SWEDISH_HEADERS, register_rows(20))
    monkeypatch.setattr(importing, limit, 1_000)
    opened = []
    monkeypatch.setattr("openpyxl.load_workbook", lambda *args, **kwargs: opened.append(1))

    # when / then
    with pytest.raises(UnreadableFile, match="unpacks to more than"):
        import_customers(actor=uploader, data=data)
    assert opened == [] and Customer.objects.count() == 0
