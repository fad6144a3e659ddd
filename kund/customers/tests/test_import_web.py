"""R-8 in the web interface: upload → preview with the column mapping and the per-row report → import."""

import pytest
from django.contrib.auth.models import Permission
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from kund.audit.models import ChangeRecord
from kund.customers.models import Customer
from kund.customers.services import customer_create
from kund.customers.tests.test_import import SWEDISH_HEADERS, csv_bytes, register_rows, xlsx_bytes
from kund.demo.testing.storage import second_storage  # noqa: F401  (the fixture)


@pytest.fixture
def uploader(db, django_user_model):
    user = django_user_model.objects.create_user("registrator", "registrator@kund.test", "pw")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="customers", codename__in=["upload_customers", "view_customer"]
        )
    )
    return user


def _upload(client, data: bytes, name="kunder.csv"):
    return client.post(reverse("customer_import:upload"), {"file": SimpleUploadedFile(name, data)})


def test_r8_r9_upload_needs_the_upload_right(client, django_user_model):
    viewer = django_user_model.objects.create_user("viewer", "viewer@kund.test", "pw")
    viewer.user_permissions.add(Permission.objects.get(codename="view_customer"))
    client.force_login(viewer)

    assert client.get(reverse("customer_import:upload")).status_code == 403
    assert _upload(client, csv_bytes(SWEDISH_HEADERS, register_rows(2))).status_code == 403


def test_r8_upload_preview_then_import(client, uploader):
    # given
    client.force_login(uploader)
    rows = register_rows(12)

    # when: upload
    response = _upload(client, csv_bytes(SWEDISH_HEADERS, rows))

    # then: the preview, under an opaque id, with the mapping, the first rows and the import button
    assert response.status_code == 302
    preview_url = response["Location"]
    assert rows[0][3] not in preview_url
    page = client.get(preview_url)
    html = page.content.decode()
    assert page.status_code == 200
    assert page.context["preview"].mapping[2] == ("förnamn", "first_name")
    assert len(page.context["preview"].rows) == 10 and rows[0][3] in html
    assert 'id="import-confirm"' in html and Customer.objects.count() == 0

    # when: confirm
    response = client.post(preview_url, {"import": "1"})

    # then
    assert response.status_code == 302
    assert Customer.objects.count() == 12
    assert ChangeRecord.objects.filter(event=ChangeRecord.Event.IMPORTED, actor=uploader).count() == 12
    assert client.get(preview_url).status_code == 404  # the stored file is gone


def test_r8_bad_rows_are_all_listed_and_there_is_no_import_button(client, uploader):
    client.force_login(uploader)
    rows = register_rows(6)
    rows[1][6] = "fel@"
    rows[4][11] = "Narnia"

    page = client.get(_upload(client, csv_bytes(SWEDISH_HEADERS, rows))["Location"])

    html = page.content.decode()
    assert [(e.line, e.column) for e in page.context["preview"].errors] == [(3, "e-post"), (6, "land")]
    assert 'id="import-errors"' in html and 'id="import-confirm"' not in html
    # and a forged confirmation imports nothing either
    client.post(page.wsgi_request.path, {"import": "1"})
    assert Customer.objects.count() == 0


def test_r8_xlsx_upload(client, uploader):
    client.force_login(uploader)

    page = client.get(
        _upload(client, xlsx_bytes(SWEDISH_HEADERS, register_rows(3)), name="kunder.xlsx")["Location"]
    )

    assert page.context["preview"].ok and page.context["preview"].format == "xlsx"


def test_r8_an_unreadable_file_says_why(client, uploader):
    client.force_login(uploader)

    page = client.get(_upload(client, b"\x00\x01garbage\xff")["Location"])

    assert 'id="import-unreadable"' in page.content.decode()
    assert 'id="import-confirm"' not in page.content.decode()


def test_r8_an_upload_is_only_visible_in_the_session_that_made_it(client, uploader, django_user_model):
    client.force_login(uploader)
    preview_url = _upload(client, csv_bytes(SWEDISH_HEADERS, register_rows(2)))["Location"]
    colleague = django_user_model.objects.create_user("kollega", "kollega@kund.test", "pw")
    colleague.user_permissions.add(*uploader.user_permissions.all())

    client.force_login(colleague)

    assert client.get(preview_url).status_code == 404


def test_r8_discard_removes_the_stored_file(client, uploader):
    client.force_login(uploader)
    preview_url = _upload(client, csv_bytes(SWEDISH_HEADERS, register_rows(2)))["Location"]
    upload_id = preview_url.rstrip("/").rsplit("/", 1)[-1].replace("-", "")

    client.post(preview_url, {"discard": "1"})

    assert not default_storage.exists(f"imports/{upload_id}")
    assert not default_storage.exists(f"imports/{upload_id}.json")
    assert Customer.objects.count() == 0


def test_r8_an_upload_is_kept_read_and_removed_through_the_storage_only(
    client,
    uploader,
    second_storage,  # noqa: F811
):
    # given an uploaded file, with another storage than the file system under MEDIA_ROOT
    client.force_login(uploader)
    preview_url = _upload(client, csv_bytes(SWEDISH_HEADERS, register_rows(4)))["Location"]
    upload_id = preview_url.rstrip("/").rsplit("/", 1)[-1].replace("-", "")
    stored = {f"imports/{upload_id}", f"imports/{upload_id}.json"}

    # when it is previewed and imported
    assert client.get(preview_url).status_code == 200
    client.post(preview_url, {"import": "1"})

    # then the file and its preview were written, read and removed by the storage, and nothing else
    assert Customer.objects.count() == 4
    assert f"imports/{upload_id}" in second_storage.names("save")
    assert f"imports/{upload_id}" in second_storage.names("open")
    assert stored <= second_storage.names("delete")
    assert not any(second_storage.storage.exists(name) for name in stored)
    assert second_storage.files_on_disk() == set()
    second_storage.assert_media_root_untouched()


def test_r8_viewing_the_preview_again_does_not_read_the_file_again(client, uploader, monkeypatch):
    # given an upload, and a spy on the parser
    from kund.customers import importing

    calls = []
    parse = importing.read_file

    def counting_read_file(data):
        calls.append(len(data))
        return parse(data)

    monkeypatch.setattr(importing, "read_file", counting_read_file)
    client.force_login(uploader)
    rows = register_rows(30)
    rows[4][6] = "fel@"
    preview_url = _upload(client, csv_bytes(SWEDISH_HEADERS, rows))["Location"]

    # when the preview is viewed three times
    pages = [client.get(preview_url) for _ in range(3)]

    # then the file was read once, and every view shows the same
    assert len(calls) == 1
    first = pages[0].context["preview"]
    assert all(page.context["preview"] == first for page in pages)
    assert first.row_count == 30 and first.bad_rows == 1 and len(first.rows) == 10
    assert [(e.line, e.column, e.reason) for e in first.errors] == [
        (6, "e-post", "not a valid e-mail address")
    ]
    assert first.mapping[2] == ("förnamn", "first_name")


def test_r8_an_import_refused_after_the_preview_shows_the_new_report(client, uploader):
    # given a previewed file whose typed number someone else then takes (for a customer deleted since:
    # the number stays used, R-1)
    client.force_login(uploader)
    rows = register_rows(3)
    rows[1][0] = "77001"
    preview_url = _upload(client, csv_bytes(SWEDISH_HEADERS, rows))["Location"]
    assert client.get(preview_url).context["preview"].ok
    customer_create(actor=uploader, data={"kind": "company", "name": "Snabbare AB"}, number="77001")
    Customer.objects.filter(number="77001").delete()

    # when the user confirms
    response = client.post(preview_url, {"import": "1"})

    # then the preview shows the reason, not the report kept from before
    assert response.status_code == 302 and response["Location"] == preview_url
    page = client.get(preview_url)
    assert not page.context["preview"].ok
    assert "77001 has already been used" in page.content.decode()
    assert 'id="import-confirm"' not in page.content.decode()
    assert Customer.objects.count() == 0


def test_r8_a_file_past_the_row_limit_is_refused_on_the_preview(client, uploader, monkeypatch):
    from kund.customers import importing

    monkeypatch.setattr(importing, "MAX_ROWS", 5)
    client.force_login(uploader)

    page = client.get(_upload(client, csv_bytes(SWEDISH_HEADERS, register_rows(6)))["Location"])

    assert "The file has more than 5 rows" in page.content.decode()
    assert 'id="import-confirm"' not in page.content.decode()
