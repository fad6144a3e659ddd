"""B-1: the access and portability export of one customer holds everything Kund holds about it."""

import io
import itertools
import json
import re
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import slugify

from kund.audit.models import ChangeRecord
from kund.customers.models import Customer
from kund.privacy.access_export import _key, access_export, build_export, is_internal
from kund.privacy.policy import CUSTOMER, DERIVED, OTHER_CUSTOMERS, SECRET, TABLES

_serial = itertools.count(1)


# --- a customer with a row in every table of the policy, every column filled ----------------------------


def _value_for(model_field: models.Field, tag: str):
    n = next(_serial)
    if model_field.choices:
        return list(dict(model_field.flatchoices))[-1]
    if isinstance(model_field, models.JSONField):
        return {tag: n}
    if isinstance(model_field, models.FileField):
        return ContentFile(b"%PDF-1.4 kund test\n", name=f"{tag}-{n}.pdf")
    if isinstance(model_field, models.EmailField):
        return f"{tag.replace('.', '-')}-{n}@example.se"
    if isinstance(model_field, models.URLField):
        return f"https://example.se/{tag}/{n}"
    if isinstance(model_field, (models.CharField, models.TextField)):
        limit = model_field.max_length or 200
        if limit <= 2:
            return "NO"
        return f"{tag} {n}"[-limit:]
    if isinstance(model_field, models.BooleanField):
        return not model_field.get_default()
    if isinstance(model_field, models.DateTimeField):
        return timezone.make_aware(datetime(2023, 3, 1, 9, 30) + timedelta(hours=n))
    if isinstance(model_field, models.DateField):
        return date(2021, 1, 1) + timedelta(days=n)
    if isinstance(model_field, models.DecimalField):
        return Decimal(n % 80) + Decimal("0.25")
    if isinstance(model_field, (models.SmallIntegerField, models.PositiveSmallIntegerField)):
        return 1_000 + n
    if isinstance(model_field, models.IntegerField):
        return 700_000 + n
    raise AssertionError(f"no test value for {model_field!r}")


def make(model, *, made: dict, customer=None, user=None, second=None):
    """One row of `model` with every column filled; parents come from `made` or are made first. A second
    link to a customer (an activity's second customer) goes to `second`."""
    values = {}
    for model_field in model._meta.concrete_fields:
        if model_field.primary_key or getattr(model_field, "generated", False):
            continue
        if model_field.name in ("updated_at",):
            continue
        tag = f"{model._meta.model_name}.{model_field.name}"
        if model_field.is_relation:
            target = model_field.related_model
            if target is Customer:
                values[model_field.name] = customer if model_field.name == "customer" else second
            elif target is get_user_model():
                values[model_field.name] = user
            else:
                values[model_field.name] = made.get(target) or make(
                    target, made=made, customer=customer, user=user
                )
        else:
            values[model_field.name] = _value_for(model_field, tag)
    obj = model._default_manager.create(**values)
    made[model] = obj
    return obj


@pytest.fixture
def staff(db, django_user_model):
    return django_user_model.objects.create_superuser("dpo", "dpo@kund.test", "pw")


@pytest.fixture
def seeded(staff):
    """A customer with every field set and one row (or more) in every table of the policy."""
    made: dict = {}
    customer = make(Customer, made=made, user=staff)
    # Deceased, so that the date of death it was given stays (it is there only for the deceased).
    Customer.objects.filter(pk=customer.pk).update(
        kind=Customer.Kind.PRIVATE, status=Customer.Status.DECEASED
    )
    # Another customer, linked to this one's rows as their second customer and linking this one to its.
    other = make(Customer, made={}, user=staff)
    for table in TABLES:
        if table.link != "customer_id" and "__" not in table.link:  # a second link to a customer
            make(table.model_class, made=made, customer=other, user=staff, second=customer)
        elif table.model_class not in made or table.model_class is ChangeRecord:
            make(table.model_class, made=made, customer=customer, user=staff, second=other)
    customer.refresh_from_db()
    return customer


def _as_json(value):
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


# --- tests ------------------------------------------------------------------------------------------------


def test_b1_every_personal_field_of_the_policy_appears_in_the_export(seeded, staff):
    """Walks the policy: a field added to the policy (and so to erasure) cannot be missing here."""
    # when
    data = json.loads(access_export(customer=seeded, actor=staff).as_json())

    # then
    assert {name for name, rule in CUSTOMER.fields.items() if rule is not DERIVED} <= set(data["customer"])
    for table in TABLES:
        rows = data["records"][_key(table)]
        assert rows, f"{table.model}: the seeded customer has a row here"
        for name, rule in table.fields.items():
            if rule is OTHER_CUSTOMERS:  # another customer's details, through a second link
                assert all(name not in row for row in rows), f"{table.model}.{name} is not this customer's"
                continue
            if is_internal(table, table.model_class._meta.get_field(name)):  # see the tests below
                continue
            assert all(name in row for row in rows), f"{table.model}.{name} missing from the export"


def test_b1_every_value_in_the_database_for_the_customer_is_in_the_json(seeded):
    # given: what the export reads (access_export then adds its own EXPORTED history row)
    data = json.loads(build_export(seeded).as_json())

    # then: the customer row, column by column (but the columns that mean nothing to the person)
    for model_field in Customer._meta.concrete_fields:
        if model_field.primary_key or is_internal(CUSTOMER, model_field):
            continue
        expected = getattr(seeded, model_field.attname)
        if model_field.is_relation:
            target = getattr(seeded, model_field.name)
            expected = None if target is None else (getattr(target, "ref", None) or str(target))
            if isinstance(target, get_user_model()):
                expected = target.get_username()
        assert data["customer"][model_field.name] == _as_json(expected), model_field.name

    # and every linked row, column by column
    for table in TABLES:
        model = table.model_class
        exported = data["records"][_key(table)]
        rows = list(model._default_manager.filter(**{table.link: seeded.pk}))
        assert len(exported) == len(rows), table.model
        for obj in rows:
            expected = {}
            for model_field in model._meta.concrete_fields:
                if model_field.primary_key or table.fields.get(model_field.name) is OTHER_CUSTOMERS:
                    continue
                if is_internal(table, model_field):
                    continue
                if model_field.is_relation and model_field.related_model is Customer:
                    continue
                if model_field.is_relation:
                    target = getattr(obj, model_field.name)
                    if isinstance(target, get_user_model()):
                        expected[model_field.name] = target.get_username()
                    else:
                        expected[model_field.name] = (
                            None if target is None else (getattr(target, "ref", None) or str(target))
                        )
                else:
                    expected[model_field.name] = _as_json(getattr(obj, model_field.attname))
            assert any(all(row.get(k) == v for k, v in expected.items()) for row in exported), (
                f"{table.model} row {obj.pk} not exported as it is"
            )


def test_b1_credential_hashes_are_never_exported(seeded, staff):
    """A portal user's password hash and the hashes of their links and sessions are keys, not data about
    anyone (R-10): they are in the database, and nowhere in the export."""
    # given every secret the seeded customer's rows hold
    secrets = []
    for table in TABLES:
        names = [name for name, rule in table.fields.items() if rule is SECRET]
        if names:
            rows = table.model_class._default_manager.filter(**{table.link: seeded.pk}).values_list(*names)
            secrets += [value for row in rows for value in row if value]
    assert len(secrets) >= 3

    # when
    text = access_export(customer=seeded, actor=staff).as_json() + build_export(seeded).as_html()

    # then
    assert not [value for value in secrets if value in text]


def test_b1_invoices_are_exported_as_they_were_issued(seeded, staff):
    from kund.billing.models import Invoice

    invoice = Invoice.objects.get(customer=seeded)

    data = access_export(customer=seeded, actor=staff).as_dict()

    (row,) = data["records"]["billing.Invoice"]
    assert row["ref"] == invoice.ref
    assert (
        row["customer_name"] == invoice.customer_name and row["customer_address"] == invoice.customer_address
    )


def test_b1_documents_are_listed_by_name(seeded, staff):
    from kund.documents.models import Document

    document = Document.objects.get(customer=seeded)

    export = access_export(customer=seeded, actor=staff)

    rows = export.as_dict()["records"]["documents.Document"]
    assert [row["title"] for row in rows] == [document.title]
    # not by the file's storage key, a random name that means nothing to the person
    assert document.file.name not in export.as_json() + export.as_html()


def test_b1_the_export_is_recorded_in_the_customers_history(seeded, staff):
    before = ChangeRecord.objects.filter(customer=seeded, event=ChangeRecord.Event.EXPORTED).count()

    access_export(customer=seeded, actor=staff)

    assert ChangeRecord.objects.filter(
        customer=seeded, event=ChangeRecord.Event.EXPORTED, actor=staff
    ).count() == (before + 1)


def test_b1_seed001_a_second_customer_is_exported_by_number_and_its_details_stay_out(seeded, staff):
    """Seed 001: an activity may link a second customer. The first customer's export names that customer
    by number only; the second customer's export holds the event and the link's details (the person it
    met), not the first customer's contact."""
    from kund.crm.models import Activity

    # given
    own = Activity.objects.get(customer=seeded)
    linked = Activity.objects.get(second_customer=seeded)

    # when
    records = build_export(seeded).as_dict()["records"]

    # then
    (row,) = records["crm.Activity"]
    assert row["second_customer"] == own.second_customer.number
    assert own.second_customer.name not in json.dumps(records, cls=DjangoJSONEncoder)
    (row,) = records["crm.Activity/second_customer"]
    assert row["second_contact_email"] == linked.second_contact_email
    assert row["customer"] == linked.customer.number
    assert "contact_email" not in row and "contact_name" not in row
    assert row["subject"] == linked.subject  # the event this customer took part in


def test_b1_reading_is_one_query_per_table(seeded, django_assert_max_num_queries):
    with django_assert_max_num_queries(len(TABLES) + 2):
        build_export(seeded)


def test_b1_another_customers_records_stay_out(seeded, staff):
    # given: a second customer with rows of its own
    other = make(Customer, made={}, user=staff)
    made = {Customer: other}
    for table in TABLES[:8]:
        make(table.model_class, made=made, customer=other, user=staff)

    # when
    text = access_export(customer=seeded, actor=staff).as_json()

    # then
    assert other.number not in text and other.email not in text


def test_b1_html_page_shows_every_section_and_is_printable(seeded, staff):
    html = access_export(customer=seeded, actor=staff).as_html()

    assert seeded.number in html and seeded.email in html
    for table in TABLES:
        assert f'id="section-{slugify(_key(table))}"' in html
    assert '<style media="print">' in html  # the print stylesheet, inlined: the page is a file


# --- command line ----------------------------------------------------------------------------------------


def test_b1_export_customer_command_prints_json_and_html(seeded, staff):
    out = io.StringIO()
    call_command("export_customer", seeded.number, stdout=out)
    assert json.loads(out.getvalue())["customer"]["email"] == seeded.email

    out = io.StringIO()
    call_command("export_customer", seeded.number, "--format", "html", stdout=out)
    assert out.getvalue().lstrip().startswith("<!doctype html>")


def test_b1_export_customer_unknown_number_exits_2(staff):
    with pytest.raises(CommandError) as raised:
        call_command("export_customer", "no-such-number", stdout=io.StringIO())
    assert raised.value.returncode == 2


def test_b1_r9_export_customer_needs_the_view_right(seeded, django_user_model):
    django_user_model.objects.create_user("saljare", "saljare@kund.test", "pw")

    with pytest.raises(CommandError) as raised:
        call_command("export_customer", seeded.number, "--as", "saljare", stdout=io.StringIO())

    # a customer the user may not view is as unknown to them as a deleted one
    assert raised.value.returncode == 2 and "unknown customer number" in str(raised.value)


# --- web ---------------------------------------------------------------------------------------------------


def _user_with(django_user_model, username, *codenames):
    user = django_user_model.objects.create_user(username, f"{username}@kund.test", "pw")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="customers", codename__in=codenames)
    )
    return user


def test_b1_web_export_needs_the_view_right(client, seeded, django_user_model):
    # given
    client.force_login(_user_with(django_user_model, "nobody"))

    # when
    response = client.get(reverse("access_export_json", args=[seeded.pk]))

    # then: unknown and forbidden ids answer alike, so ids cannot be enumerated
    assert response.status_code == 404
    assert not ChangeRecord.objects.filter(customer=seeded, event=ChangeRecord.Event.EXPORTED).exists()


def test_b1_web_export_json_and_html_for_a_viewer(client, seeded, django_user_model):
    viewer = _user_with(django_user_model, "viewer", "view_customer")
    client.force_login(viewer)

    response = client.get(reverse("access_export_json", args=[seeded.pk]))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="customer-{seeded.number}.json"'
    assert json.loads(response.content)["customer_number"] == seeded.number

    response = client.get(reverse("access_export_html", args=[seeded.pk]))
    assert response.status_code == 200 and seeded.email in response.content.decode()
    assert reverse("access_export_json", args=[seeded.pk]) in response.content.decode()
    assert (
        ChangeRecord.objects.filter(customer=seeded, event=ChangeRecord.Event.EXPORTED, actor=viewer).count()
        == 2
    )


def test_b1_r9_a_user_who_sees_only_assigned_customers_exports_only_those(client, seeded, django_user_model):
    technician = _user_with(django_user_model, "tekniker", "view_assigned_customer")
    client.force_login(technician)
    url = reverse("access_export_json", args=[seeded.pk])

    assert client.get(url).status_code == 404
    Customer.objects.filter(pk=seeded.pk).update(responsible=technician)
    assert client.get(url).status_code == 200


def test_b1_anonymous_visitor_is_sent_to_sign_in(client, seeded):
    response = client.get(reverse("access_export_html", args=[seeded.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- the page: nothing internal, every value in the reader's language, printable on A4 ----------------


INTERNAL_NAMES = (
    "search_name",
    "search_last_name",
    "search_contact",
    "search_email",
    "token_hash",
    "key_hash",
)


def test_b1_the_export_holds_no_internal_column(seeded, staff):
    # given the columns the policy says are internal: the search copies, the hashes, the files' keys
    internal = [
        (table, f)
        for table in (CUSTOMER, *TABLES)
        for f in table.model_class._meta.concrete_fields
        if is_internal(table, f)
    ]
    assert {f.name for _t, f in internal} >= {*INTERNAL_NAMES, "password", "file"}

    # when
    export = access_export(customer=seeded, actor=staff)
    data, html = export.as_dict(), export.as_html()

    # then neither the JSON nor the page has them, by name or by label
    assert not set(INTERNAL_NAMES) & set(data["customer"])
    for rows in data["records"].values():
        assert not {"token_hash", "key_hash", "password", "file"} & {name for row in rows for name in row}
    for _table, model_field in internal:
        assert f">{str(model_field.verbose_name).capitalize()}<" not in html, model_field.name


def _cells(html: str) -> dict[str, str]:
    """The customer's rows on the page: label → value."""
    return dict(re.findall(r'<tr><th scope="row">([^<]*)</th><td>([^<]*)</td></tr>', html))


def test_b1_the_page_says_kinds_statuses_and_labels_in_the_readers_language(seeded, staff):
    # given a private person who has died (seeded), and Swedish as the reader's language
    with translation.override("sv"):
        private, deceased = str(Customer.Kind.PRIVATE.label), str(Customer.Status.DECEASED.label)
        kind, status = str(Customer._meta.get_field("kind").verbose_name).capitalize(), "Status"

        # when the page is read
        html = access_export(customer=seeded, actor=staff).as_html()

    # then the kind, the status and their labels are Swedish, not Kund's codes
    assert private == "Privatperson"  # the status's label is said through the same catalog
    cells = _cells(html)
    assert cells[kind] == private and cells[status] == deceased
    assert "private" not in cells.values() and "deceased" not in cells.values()
    # and the JSON keeps the codes, for another system to read
    assert build_export(seeded).as_dict()["customer"]["kind"] == "private"


def test_b1_the_page_says_every_choice_by_its_label(seeded, staff):
    html = build_export(seeded).as_html()

    for table in (CUSTOMER, *TABLES):
        for model_field in table.model_class._meta.concrete_fields:
            if not model_field.choices:
                continue
            for value in table.model_class._default_manager.filter(**{table.link: seeded.pk}).values_list(
                model_field.attname, flat=True
            ):
                label = str(dict(model_field.flatchoices)[value])
                assert f">{label}<" in html, (table.model, model_field.name, value)


def test_b1_the_history_names_fields_by_their_labels(seeded, staff):
    # given a change of the invoice address and of the kind
    ChangeRecord.objects.create(
        customer=seeded, event=ChangeRecord.Event.CHANGED, field="invoice_address1", old_value="Storgatan 1"
    )
    ChangeRecord.objects.create(
        customer=seeded,
        event=ChangeRecord.Event.CONVERTED,
        field="kind",
        old_value="prospect",
        new_value="private",
    )

    # when
    html = access_export(customer=seeded, actor=staff).as_html()

    # then the page names the field as the card does, and the kinds by their labels
    assert 'data-label="Field">invoice address: line 1<' in html
    assert 'data-label="Field">invoice_address1<' not in html
    assert 'data-label="Old value">Prospect<' in html and 'data-label="New value">Private person<' in html


def test_b1_the_web_page_links_its_print_stylesheet(client, seeded, django_user_model):
    client.force_login(_user_with(django_user_model, "viewer", "view_customer"))

    html = client.get(reverse("access_export_html", args=[seeded.pk])).content.decode()

    link = re.search(r'<link rel="stylesheet" media="print" href="([^"]+)"', html)
    assert link and link.group(1).endswith("privacy/access-export-print.css")
    css = client.get(link.group(1))
    assert css.status_code == 200
    text = b"".join(css.streaming_content if css.streaming else [css.content]).decode()
    assert "size: A4" in text and "table-layout: fixed" in text
