"""Customers through the API (SPEC B-9, R-1..R-9, A-4, A-5): the list's search, filters and cursor pages,
one customer by number, creating and changing — with the web's own checks and the web's own rights."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from kund.api.paging import after_cursor, cursor_after
from kund.api.tests.conftest import problem_of
from kund.audit.models import ChangeRecord
from kund.core.tests.test_permission_matrix import make_persona
from kund.customers import selectors
from kund.customers.filtersets import SORTS, filter_customers
from kund.customers.forms import CustomerForm
from kund.customers.models import Customer, CustomerGroup, CustomField, CustomFieldValue
from kund.customers.services import customer_assign, customer_create
from kund.demo.testing.factories import Person, add_transactions, make_customer
from kund.privacy.services import anonymize_customers, customer_anonymize, customer_delete

pytestmark = pytest.mark.django_db

LIST = "/api/customers/"


def one(number: str) -> str:
    return f"/api/customers/{number}/"


def numbers(response) -> list[str]:
    assert response.status_code == 200, response.content[:300]
    return [row["number"] for row in response.json()["results"]]


def private(first: str, last: str, **data) -> Customer:
    email = f"{first}.{last}@example.se".lower().replace("ö", "o").replace("å", "a").replace("ä", "a")
    return customer_create(
        actor=None, data={"kind": "private", "first_name": first, "last_name": last, "email": email, **data}
    )


@pytest.fixture
def register(db) -> dict[str, Customer]:
    return {
        "astrid": private("Astrid", "Berg"),
        "gunnar": private("Gunnar", "Holm"),
        "karin": private("Karin", "Lund", status="inactive"),
        "bygg": customer_create(
            actor=None, data={"kind": "company", "name": "Öhrlings Bygg AB", "contact_person": "Per Åkesson"}
        ),
    }


@pytest.fixture
def viewer(api_as):
    return api_as("view")


# --- the list (R-2) -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "gun"}, ["gunnar"]),  # the beginning of a name, any case
        ({"q": "HOLM"}, ["gunnar"]),  # a last name
        ({"q": "per å"}, ["bygg"]),  # a contact person
        ({"q": "karin.lund@example.se"}, ["karin"]),  # a whole e-mail address
        ({"kind": "company"}, ["bygg"]),
        ({"status": "inactive"}, ["karin"]),
        ({"q": "zzz"}, []),
    ],
)
def test_b9_list_searches_and_filters_as_the_web_list(viewer, register, params, expected):
    # when
    response = viewer.get(LIST, params)

    # then the API lists what the web list's own filterset selects
    assert sorted(numbers(response)) == sorted(register[key].number for key in expected)
    web = filter_customers(params, viewer.user).customers
    assert sorted(numbers(response)) == sorted(web.values_list("number", flat=True))


def test_b9_list_searches_by_customer_number(viewer, register):
    assert numbers(viewer.get(LIST, {"q": register["karin"].number})) == [register["karin"].number]


@pytest.mark.parametrize("wide", [False, True], ids=["narrow", "wide"])
@pytest.mark.parametrize(
    "filters", [{}, {"kind": "private"}, {"q": "l"}], ids=["all", "filtered", "searched"]
)
@pytest.mark.parametrize("sort", ["number", "-number", "name", "-name", "created", "-created"])
def test_b9_cursor_pages_walk_the_whole_list_in_order_without_counting(
    viewer, db, monkeypatch, sort, filters, wide
):
    # given eight customers, three of them with the same name (and, "wide", filters that count as
    # matching many, so customer_page walks the sort order chunk by chunk as on a big register)
    if wide:
        for name, value in (("PROBE", 3), ("SEARCH_PROBE", 3), ("CHUNK", 4)):
            monkeypatch.setattr(selectors, name, value)
    for first, last in [("Elsa", "Ek"), ("Nils", "Ström"), ("Maja", "Wallin"), ("Oskar", "Hedlund")]:
        private(first, last)
    for _ in range(3):
        private("Lars", "Forsberg")
    customer_create(actor=None, data={"kind": "company", "name": "Lunds Rör AB"})
    found = filter_customers(filters, viewer.user).customers
    expected = list(found.order_by(*SORTS[sort]).values_list("number", flat=True))
    assert len(expected) > 2

    # when the list is read two at a time, following `next`
    seen, url, params = [], LIST, {**filters, "sort": sort, "page_size": 2}
    with CaptureQueriesContext(connection) as queries:
        while url:
            page = viewer.get(url, params)
            seen += numbers(page)
            url, params = page.json()["next"], None

    # then every customer came once, in the list's order, and nothing was counted
    assert seen == expected
    assert not [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"].upper()]


@pytest.mark.parametrize("sort", ["number", "-number", "name", "-name", "created", "-created"])
def test_b9_a_page_at_any_depth_walks_an_index_in_the_sorts_order(db, sort):
    # given a cursor somewhere in the list
    for first, last in [("Elsa", "Ek"), ("Nils", "Ström"), ("Maja", "Wallin")]:
        private(first, last)
    row = Customer.objects.order_by("number")[1]
    after = Customer.objects.filter(after_cursor(sort, cursor_after(sort, row))).order_by(*SORTS[sort])[:26]

    # when the database is asked how it reads the page (PostgreSQL told to use indexes where it can:
    # three customers are cheapest read whole)
    with connection.cursor() as cursor:
        sql, params = after.query.sql_with_params()
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(("EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ") + sql, params)
        plan = " ".join(str(row) for row in cursor.fetchall())

    # then it walks an index in the order of the sort's first key (at most sorting what it reads), never
    # sorting the whole table: a page deep in a million customers costs what the first one does
    if connection.vendor == "sqlite":
        assert "USING INDEX" in plan or "USING COVERING INDEX" in plan or "USING PRIMARY KEY" in plan, plan
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
    else:  # an index in the collation's order of the sort's first key (a pattern-ops index has none)
        index = {"number": "customers_customer_number_key", "name": "customer_sort_name"}.get(
            sort.lstrip("-"), "customers_customer_created_at_"
        )
        assert f"using {index}" in plan and "Seq Scan" not in plan, plan


def test_b9_a_cursor_holds_no_name(viewer, register):
    # when a page sorted by name links to the next
    next_url = viewer.get(LIST, {"sort": "name", "page_size": 1}).json()["next"]

    # then the link names no customer, not even encoded in its cursor
    import base64

    cursor = next_url.split("cursor=")[1].split("&")[0].split("%3A")[0]
    decoded = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
    assert b"astrid" not in decoded.lower() and b"berg" not in decoded.lower()


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"kind": "robot"}, "kind"),
        ({"created_from": "2026-13-45"}, "created_from"),
        ({"group": "not-a-number"}, "group"),
        ({"country": "Sverige"}, "country"),
        ({"sort": "password"}, "sort"),
        ({"page_size": "1000"}, "page_size"),
        ({"cursor": "made-up"}, "cursor"),
        ({"anonymized": "maybe"}, "anonymized"),
        ({"custmer": "1"}, "custmer"),  # a misspelt parameter is not silently ignored
    ],
)
def test_b9_bad_list_parameters_are_a_400_naming_the_parameter(viewer, register, params, field):
    # when
    response = viewer.get(LIST, params)

    # then
    assert response.status_code == 400
    problem = problem_of(response)
    assert problem["type"] == "urn:kund:problem:invalid-input"
    assert field in problem["errors"]


def test_b9_a_cursor_of_another_order_is_bad_input(viewer, register):
    next_url = viewer.get(LIST, {"sort": "number", "page_size": 1}).json()["next"]
    cursor = next_url.split("cursor=")[1].split("&")[0]
    response = viewer.client.get(f"{LIST}?sort=-number&cursor={cursor}", headers=viewer._headers(None))
    assert response.status_code == 400
    assert "cursor" in problem_of(response)["errors"]


@pytest.mark.parametrize("params", [{"created_to": "9999-12-31"}, {"created_from": "0001-01-01"}])
def test_b9_dates_at_the_edge_of_the_calendar_are_bad_input_by_field(viewer, register, params):
    # the list's own range (kund.core.bounds): a 400 naming the field, as the web list shows it beside it
    response = viewer.client.get(LIST, params, headers=viewer._headers(None))
    assert response.status_code == 400
    assert set(problem_of(response)["errors"]) == set(params)


def test_a5_anonymized_customers_are_left_out_unless_asked_for(viewer, register):
    # given an anonymized customer
    gone = make_customer(number="770001")
    add_transactions(gone)
    anonymize_customers(customer_ids=[gone.pk])

    # when / then
    assert "770001" not in numbers(viewer.get(LIST))
    assert "770001" not in numbers(viewer.get(LIST, {"q": "xxxx"}))
    assert "770001" in numbers(viewer.get(LIST, {"anonymized": "true", "q": "xxxx"}))


def test_r9_only_assigned_sees_only_its_own_customers(api_as, register):
    # given a user who may view only the customers assigned to them, responsible for one
    user = make_persona("view only assigned")
    customer_assign(customer=register["gunnar"], actor=None, responsible=user)
    api = api_as(user)

    # when / then the list and the card agree: the others do not exist
    assert numbers(api.get(LIST)) == [register["gunnar"].number]
    assert api.get(one(register["gunnar"].number)).status_code == 200
    response = api.get(one(register["astrid"].number))
    assert response.status_code == 404
    assert problem_of(response)["title"] == "Not Found"


# --- one customer (R-3, A-4) --------------------------------------------------------------------------------


def test_b9_a_customer_by_number(viewer, db):
    # given a customer with a group and a custom field value
    group = CustomerGroup.objects.create(name="Stamkunder")
    field = CustomField.objects.create(name="Portkod", kind=CustomField.Kind.TEXT)
    customer = make_customer(group=group)
    CustomFieldValue.objects.create(customer=customer, field=field, value="1234")

    # when
    response = viewer.get(one(customer.number))

    # then
    body = response.json()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert body["number"] == customer.number
    assert body["name"] == Person().full_name
    assert body["group"] == {"id": group.pk, "name": "Stamkunder"}
    assert body["custom_fields"] == {"Portkod": "1234"}
    assert body["anonymized"] is False


@pytest.mark.parametrize("number", ["990099", "x" * 21, "a/b", "10 01", "%00", "-1"])
def test_b9_an_unknown_number_is_a_404(viewer, db, number):
    response = viewer.get(f"/api/customers/{number}/")
    assert response.status_code == 404
    problem_of(response)


def test_b9_a_deleted_customer_is_unknown(viewer, db):
    # given a customer that was deleted
    customer = make_customer()
    customer_delete(customer=customer, actor=make_persona("administrator"))

    # when / then: unknown, everywhere
    for path in ("", "erasure-plan/", "export/"):
        assert viewer.get(f"{one(customer.number)}{path}").status_code == 404


def test_a4_an_anonymized_customer_is_shown_as_its_card_shows_it(viewer, db):
    # given an anonymized customer with kept free text and a custom field value
    field = CustomField.objects.create(name="Portkod", kind=CustomField.Kind.TEXT)
    customer = make_customer()
    CustomFieldValue.objects.create(customer=customer, field=field, value="1234")
    add_transactions(customer)
    customer_anonymize(customer=customer, actor=make_persona("administrator"))

    # when
    body = viewer.get(one(customer.number)).json()

    # then marked anonymized, with Xxxx where the names were, and no free text or custom fields
    assert body["anonymized"] is True and body["anonymized_at"]
    assert body["first_name"] == body["last_name"] == "Xxxx"
    assert body["name"] == "Xxxx Xxxx"  # a private person (seed 001: "Anna Andersson … Xxxx Xxxx")
    assert body["email"] == body["phone"] == ""
    assert body["info"] == body["internal_info"] == ""
    assert body["custom_fields"] == {}


# --- creating and changing (R-1, R-3, R-4, R-5, R-7) --------------------------------------------------------


def test_b9_create_a_customer_as_the_web_form_would(api_as, db):
    # given an administrator's token and a custom field
    CustomField.objects.create(name="Födelseort", kind=CustomField.Kind.TEXT)
    admin = make_persona("administrator")
    api = api_as(admin)

    # when
    response = api.post(
        LIST,
        {
            "first_name": "Sven",
            "last_name": "Ek",
            "email": "sven.ek@example.se",
            "phone": "070-123 45 67",
            "organisation_number": "198112189876",
            "custom_fields": {"Födelseort": "Luleå"},
        },
    )

    # then made by the service (the next number, history, the form's own cleaning), shown, and found
    assert response.status_code == 201, response.content
    body = response.json()
    customer = Customer.objects.get(number=body["number"])
    assert response["Location"] == one(customer.number)
    assert customer.kind == "private" and customer.invoice_country == "SE"  # the defaults
    assert customer.name == "Sven Ek"
    assert customer.organisation_number == "19811218-9876"  # formatted as the web form formats it
    assert body["custom_fields"] == {"Födelseort": "Luleå"}
    created = ChangeRecord.objects.get(customer=customer, event=ChangeRecord.Event.CREATED)
    assert created.actor == admin


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "private", "first_name": "", "last_name": ""}, "last_name"),
        ({"kind": "company", "name": ""}, "name"),
        ({"last_name": "Ek", "phone": "123"}, "phone"),
        ({"last_name": "Ek", "email": "not-an-address"}, "email"),
        ({"last_name": "Ek", "organisation_number": "19811218-0000"}, "organisation_number"),
        ({"last_name": "Ek", "invoice_country": "Sverige"}, "invoice_country"),
        ({"last_name": "Ek", "vat_number": "SE123"}, "vat_number"),
        ({"last_name": "Ek", "group": 99999}, "group"),
    ],
)
def test_b9_the_api_refuses_what_the_web_form_refuses_with_its_words(api_as, db, data, field):
    # given the same input in the web's form
    form = CustomerForm({"kind": "private", "invoice_country": "SE", **data}, creating=True)
    assert not form.is_valid()

    # when sent to the API
    response = api_as("administrator").post(LIST, data)

    # then refused with the form's message for the field, and nothing made
    assert response.status_code == 400
    assert problem_of(response)["errors"][field] == form.errors[field]
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"first_name": 5}, "first_name"),  # text must be text
        ({"email_consent": "yes"}, "email_consent"),  # a boolean must be one
        ({"group": "1"}, "group"),
        ({"emial": "a@b.se"}, "emial"),  # an unknown field is an error, not ignored
        ({"custom_fields": {"Nope": "1"}}, "custom_fields.Nope"),
        ({"first_name": "x" * 101}, "first_name"),
    ],
)
def test_b9_input_of_the_wrong_shape_is_a_400(api_as, db, data, field):
    response = api_as("administrator").post(LIST, {"last_name": "Ek", **data})
    assert response.status_code == 400
    assert field in problem_of(response)["errors"]
    assert Customer.objects.count() == 0


def test_r1_a_number_used_before_is_refused(api_as, db):
    # given a number that was used by a deleted customer
    admin = make_persona("administrator")
    gone = make_customer(number="4711")
    customer_delete(customer=gone, actor=admin)

    # when
    response = api_as(admin).post(LIST, {"number": "4711", "last_name": "Ek"})

    # then
    assert response.status_code == 400
    assert "4711" in problem_of(response)["errors"]["number"][0]


def test_b9_change_only_what_is_sent_with_history(api_as, db):
    # given a customer with a custom yes/no field
    field = CustomField.objects.create(name="Nyhetsbrev", kind=CustomField.Kind.BOOLEAN)
    customer = make_customer()
    changer = make_persona("change")

    # when the e-mail, the status and the custom field are changed
    response = api_as(changer).patch(
        one(customer.number),
        {"email": "ingrid@example.com", "status": "inactive", "custom_fields": {"Nyhetsbrev": "yes"}},
    )

    # then only those changed, each with its history row by the token's user
    assert response.status_code == 200, response.content
    customer.refresh_from_db()
    assert customer.email == "ingrid@example.com"
    assert customer.status == "inactive"
    assert customer.phone == Person().phone  # not sent: kept
    assert CustomFieldValue.objects.get(customer=customer, field=field).value == "yes"
    changed = set(
        ChangeRecord.objects.filter(customer=customer, actor=changer).values_list("field", flat=True)
    )
    assert changed == {"email", "status", "custom: Nyhetsbrev"}
    assert response.json()["custom_fields"] == {"Nyhetsbrev": "yes"}


def test_a4_an_anonymized_customer_cannot_be_changed(api_as, db):
    # given
    admin = make_persona("administrator")
    customer = make_customer()
    add_transactions(customer)
    customer_anonymize(customer=customer, actor=admin)
    before = Customer.objects.filter(pk=customer.pk).values().get()

    # when
    response = api_as(admin).patch(one(customer.number), {"info": "Ny text"})

    # then
    assert response.status_code == 403
    assert problem_of(response)["detail"] == "An anonymized customer cannot be changed."
    assert Customer.objects.filter(pk=customer.pk).values().get() == before


def test_r9_change_only_assigned_may_change_its_own_customers_only(api_as, db):
    # given a user with the view right and change-only-assigned, responsible for one of two customers
    from django.contrib.auth.models import Permission

    user = make_persona("view")
    user.user_permissions.add(Permission.objects.get(codename="change_assigned_customer"))
    own, other = make_customer(number="5001"), make_customer(number="5002")
    customer_assign(customer=own, actor=None, responsible=user)
    api = api_as(user)

    # when / then
    assert api.patch(one("5001"), {"info": "Ring efter lunch"}).status_code == 200
    assert api.patch(one("5002"), {"info": "Ring efter lunch"}).status_code == 403
    assert Customer.objects.get(pk=other.pk).info != "Ring efter lunch"


def test_b9_the_quick_representation_is_drfs_own(db):
    # given customers of every shape: full, bare, with group and responsible, anonymized
    from kund.api.serializers import CustomerSerializer

    full = make_customer(group=CustomerGroup.objects.create(name="Stamkunder"))
    customer_assign(customer=full, actor=None, responsible=make_persona("view"))
    bare = customer_create(actor=None, data={"kind": "company", "name": "Lunds Rör AB"})
    gone = make_customer(number="660001")
    add_transactions(gone)
    anonymize_customers(customer_ids=[gone.pk])
    customers = list(Customer.objects.select_related("group", "responsible").order_by("pk"))
    assert {full.pk, bare.pk, gone.pk} <= {c.pk for c in customers}

    # when / then
    serializer = CustomerSerializer(context={"custom_values": {full.pk: {"Portkod": "12"}}})
    for customer in customers:
        assert serializer.to_representation(customer) == serializer.to_representation_by_drf(customer)
