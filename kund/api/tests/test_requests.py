"""The request register through the API (SPEC B-7, B-9): the list with the web list's filters and cursor
pages, registering a request, and each step — identity, extension, done by an erasure's receipt or an access
export, refused — through the services the pages and `kund requests` use, refused with the pages' own words.
Round trips by API only."""

import io
import json
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from kund.api.tests.conftest import problem_of
from kund.core import rules
from kund.core.tests.test_permission_matrix import make_persona
from kund.customers.models import Customer
from kund.demo.testing.factories import Person, add_transactions, make_customer
from kund.privacy.access_export import access_export
from kund.privacy.services import customer_erase
from kund.requests import deadlines, services
from kund.requests.models import DataRequest

pytestmark = pytest.mark.django_db

LIST = "/api/requests/"


def one(pk: int) -> str:
    return f"{LIST}{pk}/"


@pytest.fixture
def handler():
    """The erasure right and the right to view every customer: who handles requests."""
    return make_persona("erase")


@pytest.fixture
def api(api_as, handler):
    return api_as(handler)


def _customer(first="Maja", last="Ström", number=None) -> Customer:
    person = Person(first_name=first, last_name=last, email=f"{first.lower()}@example.se")
    return make_customer(person=person, number=number)


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


@pytest.fixture
def register(handler):
    """An overdue erasure request, an access request due within 7 days, one received today from someone who
    is not a customer, and a refused one."""
    today = timezone.localdate()
    overdue = services.request_register(
        actor=handler, kind="erasure", received_on=today - timedelta(days=70), customer=_customer()
    )
    soon = services.request_register(
        actor=handler,
        kind="access",
        received_on=deadlines.add_months(today, -1) + timedelta(days=2),
        customer=_customer("Olof", "Berg"),
    )
    later = services.request_register(actor=handler, kind="erasure", received_on=today, contact="Stina Ek")
    closed = services.request_register(actor=handler, kind="access", received_on=today, contact="Bo Nord")
    services.request_refuse(request=closed, actor=handler, reason="Ingen kund hos oss")
    return {"overdue": overdue, "soon": soon, "later": later, "closed": closed}


# --- the list -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["overdue", "soon", "later"]),
        ({"show": "open"}, ["overdue", "soon", "later"]),
        ({"show": ""}, ["overdue", "soon", "later"]),  # empty is not sent
        ({"show": "overdue"}, ["overdue"]),
        ({"show": "due_soon"}, ["soon"]),
        ({"show": "closed"}, ["closed"]),
        ({"show": "all", "kind": "access"}, ["soon", "closed"]),
        ({"kind": "erasure"}, ["overdue", "later"]),
        ({"customer": "soon"}, ["soon"]),
        ({"customer": "9999999"}, []),
    ],
)
def test_b7_the_list_filters_as_the_web_list(api, register, params, expected):
    # given a customer filter names the customer of the request it stands for
    if params.get("customer") in register:
        params = {**params, "customer": register[params["customer"]].customer_number}

    # when
    response = api.get(LIST, params)

    # then, in the list's order: by deadline
    assert _ids(response) == [register[name].pk for name in expected]


def test_b7_a_row_says_what_the_page_says(api, handler, register):
    # when
    rows = {row["id"]: row for row in api.get(LIST, {"show": "all"}).json()["results"]}

    # then
    overdue = rows[register["overdue"].pk]
    assert overdue["ref"] == register["overdue"].ref
    assert (overdue["kind"], overdue["state"], overdue["overdue"], overdue["due_soon"]) == (
        "erasure",
        "received",
        True,
        False,
    )
    assert overdue["customer"] == register["overdue"].customer_number
    assert overdue["deadline"] == register["overdue"].deadline.isoformat()
    assert overdue["responsible"] == {"id": handler.pk, "username": handler.username}
    assert rows[register["soon"].pk]["due_soon"] is True
    later = rows[register["later"].pk]
    assert (later["customer"], later["contact"], later["receipt"], later["export"]) == (
        None,
        "Stina Ek",
        None,
        None,
    )
    closed = rows[register["closed"].pk]
    assert (closed["state"], closed["refusal_reason"], closed["overdue"]) == (
        "refused",
        "Ingen kund hos oss",
        False,
    )
    assert closed["closed"] == timezone.localdate().isoformat()
    assert closed["closed_by"]["id"] == handler.pk


def test_b7_the_api_lists_what_kund_requests_list_lists(api, handler, register):
    # given the command line's list of the open requests
    out = io.StringIO()
    call_command("requests", "list", "--json", "--as", handler.username, stdout=out)
    listed = json.loads(out.getvalue())["requests"]

    # when
    rows = api.get(LIST).json()["results"]

    # then the same requests in the same order, and the same facts of each
    assert [row["id"] for row in rows] == [row["id"] for row in listed]
    shared = ("ref", "kind", "customer", "channel", "received", "deadline", "state", "overdue", "due_soon")
    assert [{k: row[k] for k in shared} for row in rows] == [{k: row[k] for k in shared} for row in listed]


@pytest.mark.parametrize("show", ["open", "closed"])
def test_b7_cursor_pages_walk_the_whole_list_in_order(api, handler, show):
    # given seven requests, open or refused, some on the same deadline
    today = timezone.localdate()
    made = []
    for n in range(7):
        made.append(
            services.request_register(
                actor=handler,
                kind="access",
                received_on=today - timedelta(days=n // 2),
                contact=f"Person {n}",
            )
        )
        if show == "closed":
            services.request_refuse(request=made[-1], actor=handler, reason="Ingen uppgift")
    expected = _ids(api.get(LIST, {"show": show, "page_size": 100}))

    # when the pages are followed by their next links, three at a time
    seen, url, params, pages = [], LIST, {"show": show, "page_size": 3}, 0
    while url:
        response = api.get(url, params)
        seen += _ids(response)
        url, params, pages = response.json()["next"], None, pages + 1

    # then every request once, in the list's order
    assert pages == 3
    assert seen == expected and sorted(seen) == sorted(r.pk for r in made)


def test_b7_a_page_costs_the_same_queries_however_many_rows_it_holds(api, handler, register):
    # given a page of the four requests, each with its handler, its closer and its identity checker
    for data_request in (register["overdue"], register["soon"]):
        services.request_check_identity(request=data_request, actor=handler, method="e_id")

    def queries(page_size: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert api.get(LIST, {"show": "all", "page_size": page_size}).status_code == 200
        return len(captured)

    # then, once the token's first use is recorded, one row or four: the same queries (none per row)
    queries(1)
    assert queries(1) == queries(4)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"show": "everything"}, "show"),
        ({"kind": "rectification"}, "kind"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"customer": "1" * 21}, "customer"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"state": "done"}, "state"),  # not a parameter of the list
    ],
)
def test_b7_bad_list_parameters_are_a_400_naming_the_parameter(api, register, params, field):
    response = api.get(LIST, params)
    assert response.status_code == 400
    assert field in problem_of(response)["errors"]


def test_b7_a_cursor_of_the_closed_list_is_bad_input_for_the_open_one(api, handler, register):
    # given a cursor from the closed requests, which run newest first
    services.request_refuse(request=register["later"], actor=handler, reason="Ingen uppgift")
    next_url = api.get(LIST, {"show": "closed", "page_size": 1}).json()["next"]
    cursor = parse_qs(urlsplit(next_url).query)["cursor"][0]

    # when it is used for the open requests, which run by deadline
    response = api.get(LIST, {"show": "open", "cursor": cursor})

    # then
    assert response.status_code == 400
    assert problem_of(response)["errors"]["cursor"] == ["This cursor belongs to another sort order."]


# --- a new request ------------------------------------------------------------------------------------------


def test_b7_register_a_request_as_the_web_form_would(api, handler):
    # given
    customer = _customer()

    # when
    response = api.post(
        LIST, {"kind": "erasure", "channel": "phone", "customer": customer.number, "received": "2026-01-31"}
    )

    # then it is received, with its deadline a calendar month on, and its handler the token's user
    assert response.status_code == 201, response.content
    body = response.json()
    created = DataRequest.objects.get()
    assert response["Location"] == one(created.pk)
    assert (created.customer, created.channel, created.deadline) == (customer, "phone", date(2026, 2, 28))
    assert (created.responsible, created.created_by) == (handler, handler)
    assert body["id"] == created.pk and body["state"] == "received" and body["deadline"] == "2026-02-28"
    assert body["erasure_candidates"] == [] and body["export_candidates"] == []


def test_b7_register_a_request_of_someone_not_a_customer_for_another_handler(api, handler):
    # given another user who handles requests
    colleague = make_persona("administrator")

    # when
    response = api.post(
        LIST,
        {
            "kind": "access",
            "contact": "Stina Ek, Åsgatan 3, Umeå",
            "received": "2026-03-02",
            "responsible": None,
        },
    )
    other = api.post(
        LIST, {"kind": "access", "contact": "Bo Nord", "received": "2026-03-02", "responsible": colleague.pk}
    )

    # then
    assert response.status_code == 201, response.content
    assert (response.json()["customer"], response.json()["contact"]) == (None, "Stina Ek, Åsgatan 3, Umeå")
    assert response.json()["channel"] == "email"
    assert DataRequest.objects.get(pk=response.json()["id"]).responsible == handler
    assert other.status_code == 201 and other.json()["responsible"]["id"] == colleague.pk


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"customer": "", "contact": ""}, "contact", "Give a customer number"),
        ({"customer": "9999999"}, "customer", "No customer has this number."),
        ({"received": "2099-01-01"}, "received", "cannot be in the future"),
        ({"received": "2016-04-27"}, "received", "before the GDPR applied"),
        ({"received": "31 januari"}, "received", ""),
        ({"kind": "rectification"}, "kind", ""),
        ({"channel": "fax"}, "channel", ""),
        ({"contact": "x" * 201}, "contact", ""),
        ({"responsible": "viewer"}, "responsible", "may not handle data-subject requests"),
        ({"responsible": 2**40}, "responsible", ""),
        ({"responsible": "3"}, "responsible", ""),  # an id is a number
        ({"customer": 10023}, "customer", ""),  # a number is text
        ({"emial": "x"}, "emial", "There is no such field."),
    ],
)
def test_b7_the_api_refuses_what_the_web_form_refuses_with_its_words(api, change, field, words):
    # given
    customer = _customer()
    body = {"kind": "erasure", "customer": customer.number, "received": "2026-01-31", **change}
    if body.get("responsible") == "viewer":
        body["responsible"] = make_persona("view").pk

    # when
    response = api.post(LIST, body)

    # then
    assert response.status_code == 400
    errors = problem_of(response)["errors"]
    assert field in errors and words in " ".join(errors[field])
    assert not DataRequest.objects.exists()


def test_b7_one_open_request_of_a_kind_per_customer_and_none_to_erase_the_anonymized(api, handler):
    # given an open erasure request, and an anonymized customer
    customer = _customer()
    first = services.request_register(
        actor=handler, kind="erasure", received_on=date(2026, 1, 5), customer=customer
    )
    gone = _customer("Nils", "Holm")
    add_transactions(gone)
    assert customer_erase(customer=gone, actor=handler).result == "anonymized"

    # when
    second = api.post(LIST, {"kind": "erasure", "customer": customer.number, "received": "2026-01-31"})
    anonymized = api.post(LIST, {"kind": "erasure", "customer": gone.number, "received": "2026-01-31"})

    # then both are refused beside the customer number, as on the page
    assert second.status_code == 400 and first.ref in problem_of(second)["errors"]["customer"][0]
    assert anonymized.status_code == 400 and "anonymized" in problem_of(anonymized)["errors"]["customer"][0]
    assert DataRequest.objects.count() == 1


def test_b7_a_request_registered_meanwhile_is_a_409(api, handler, monkeypatch):
    # given the form's check has passed when another door registers the customer's open request
    customer = _customer()
    check = services.open_request_of

    asked = []

    def registered_meanwhile(*, customer, kind):
        found = check(customer=customer, kind=kind)
        if not asked:  # the form asks first: the other door registers right after
            asked.append(kind)
            services.request_register(
                actor=handler, kind=kind, received_on=date(2026, 1, 5), customer=customer
            )
        return found

    monkeypatch.setattr(services, "open_request_of", registered_meanwhile)

    # when
    response = api.post(LIST, {"kind": "erasure", "customer": customer.number, "received": "2026-01-31"})

    # then the service refuses it
    assert response.status_code == 409
    problem = problem_of(response)
    assert problem["type"] == "urn:kund:problem:request-not-possible"
    assert "already has an open request" in problem["detail"]
    assert DataRequest.objects.count() == 1


# --- one request --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pk", [999999, 2**63, 2**70])
def test_b7_an_unknown_request_is_a_404(api, pk):
    for response in (api.get(one(pk)), api.patch(one(pk), {"identity_method": "e_id"})):
        assert response.status_code == 404
        problem_of(response)


def test_r9_a_request_whose_customer_the_user_may_not_view_does_not_exist_for_them(api_as, monkeypatch):
    # given a user who sees only their own customers, were such a user to handle requests
    user = make_persona("erase + only assigned")
    theirs = _customer()
    Customer.objects.filter(pk=theirs.pk).update(responsible=user)
    boss = make_persona("administrator")
    mine = services.request_register(actor=boss, kind="access", received_on=date(2026, 1, 5), customer=theirs)
    hidden = services.request_register(
        actor=boss, kind="access", received_on=date(2026, 1, 5), customer=_customer("Olof", "Berg")
    )
    monkeypatch.setattr(rules, "may_handle_requests", lambda who: who.pk == user.pk)
    api = api_as(user)

    # when, then the request about the other customer is unknown to them at every door
    assert api.get(one(mine.pk)).status_code == 200
    assert api.get(one(hidden.pk)).status_code == 404
    assert api.patch(one(hidden.pk), {"identity_method": "e_id"}).status_code == 404
    assert _ids(api.get(LIST)) == [mine.pk]
    hidden.refresh_from_db()
    assert hidden.state == "received"


def test_b7_answer_an_erasure_request_by_api_only(api, handler):
    # given a customer who asks to be erased by phone
    customer = _customer()
    created = api.post(
        LIST, {"kind": "erasure", "channel": "phone", "customer": customer.number, "received": "2026-01-31"}
    )
    url = created["Location"]

    # when the identity is checked, the customer erased, and the request answered with the receipt
    checked = api.patch(url, {"identity_method": "e_id"})
    erased = api.post(f"/api/customers/{customer.number}/erase/", {"confirm": True})
    offered = api.get(url).json()["erasure_candidates"]
    done = api.patch(url, {"outcome": "done", "receipt": erased.json()["receipt"].upper()})

    # then
    assert checked.status_code == 200 and checked.json()["state"] == "identity_checked"
    assert checked.json()["identity_method"] == "e_id"
    assert checked.json()["identity_checked_by"]["id"] == handler.pk and checked.json()["identity_checked_at"]
    assert erased.status_code == 200
    receipt = erased.json()["receipt"]
    assert offered == [{"receipt": receipt, "action": erased.json()["action"], "at": offered[0]["at"]}]
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["state"], body["receipt"], body["customer"]) == ("done", receipt, customer.number)
    assert body["closed"] == timezone.localdate().isoformat() and body["erasure_candidates"] == []
    assert DataRequest.objects.get().receipt == receipt


def test_b7_answer_an_access_request_by_api_only(api, handler):
    # given an access request, its identity checked
    customer = _customer()
    url = api.post(LIST, {"kind": "access", "customer": customer.number, "received": "2026-01-31"})[
        "Location"
    ]
    assert api.patch(url, {"identity_method": "id_document"}).status_code == 200

    # when the export is made through the API, and the request answered by it
    assert api.get(f"/api/customers/{customer.number}/export/").status_code == 200
    offered = api.get(url).json()["export_candidates"]
    done = api.patch(url, {"outcome": "done", "export": offered[0]["id"]})

    # then the request links to the export's event in the customer's history
    assert len(offered) == 1 and offered[0]["by"]["id"] == handler.pk
    assert done.status_code == 200, done.content
    body = done.json()
    assert body["state"] == "done" and body["export"] == {"id": offered[0]["id"], "at": offered[0]["at"]}
    assert DataRequest.objects.get().export_record_id == offered[0]["id"]


def test_b7_steps_in_one_call_are_taken_in_order(api, handler):
    # given an access request and an export of its customer
    customer = _customer()
    request = services.request_register(
        actor=handler, kind="access", received_on=date(2026, 1, 31), customer=customer
    )
    access_export(customer=customer, actor=handler)
    export = api.get(one(request.pk)).json()["export_candidates"][0]["id"]

    # when the identity, an extension and the outcome come in one call
    response = api.patch(
        one(request.pk),
        {
            "identity_method": "known_contact",
            "extension_months": 1,
            "extension_reason": "Stort underlag",
            "outcome": "done",
            "export": export,
        },
    )

    # then
    assert response.status_code == 200, response.content
    request.refresh_from_db()
    assert (request.state, request.identity_method, request.deadline) == (
        "done",
        "known_contact",
        date(2026, 3, 31),
    )


def test_b7_extend_the_deadline_with_a_reason_and_only_forward(api, handler):
    # given a request received on 31 January
    request = services.request_register(
        actor=handler, kind="access", received_on=date(2026, 1, 31), contact="Bo"
    )

    # when
    first = api.patch(one(request.pk), {"extension_months": 1, "extension_reason": "Stort underlag"})
    again = api.patch(one(request.pk), {"extension_months": 1, "extension_reason": "Mer tid"})
    most = api.patch(one(request.pk), {"extension_months": 2, "extension_reason": "Ännu mer underlag"})

    # then the deadline counts from the day of receipt, and an extension can only grow
    assert first.status_code == 200 and first.json()["deadline"] == "2026-03-31"
    assert again.status_code == 400 and "extension_months" in problem_of(again)["errors"]
    assert most.status_code == 200 and most.json()["deadline"] == "2026-04-30"
    assert (most.json()["extension_months"], most.json()["extension_reason"]) == (2, "Ännu mer underlag")


def test_b7_refuse_with_a_reason_then_nothing_more(api, handler):
    # given a request of someone not found
    request = services.request_register(
        actor=handler, kind="erasure", received_on=date(2026, 1, 31), contact="Bo"
    )

    # when it is refused, before the identity could be checked, and then changed again
    refused = api.patch(one(request.pk), {"outcome": "refused", "refusal_reason": "Ingen kund hos oss"})
    later = api.patch(one(request.pk), {"identity_method": "e_id"})

    # then
    assert refused.status_code == 200
    assert (refused.json()["state"], refused.json()["refusal_reason"]) == ("refused", "Ingen kund hos oss")
    assert later.status_code == 409
    assert problem_of(later)["detail"] == f"Request {request.ref} is closed."
    request.refresh_from_db()
    assert request.identity_method == ""


@pytest.mark.parametrize(
    ("body", "words"),
    [
        # done before the identity is checked: and the extension in the same call is not taken either
        (
            {"extension_months": 1, "extension_reason": "Tid", "outcome": "done", "receipt": "RECEIPT"},
            "Check the identity",
        ),
        ({"identity_method": "e_id"}, "already checked"),
    ],
)
def test_b7_a_step_the_state_does_not_allow_is_a_409_and_changes_nothing(api, handler, body, words):
    # given an erased customer's request, whose identity was checked or not
    customer = _customer()
    request = services.request_register(
        actor=handler, kind="erasure", received_on=date(2026, 1, 31), customer=customer
    )
    if "identity_method" in body:
        services.request_check_identity(request=request, actor=handler, method="e_id")
    receipt = customer_erase(customer=customer, actor=handler).receipt
    before = DataRequest.objects.filter(pk=request.pk).values().get()

    # when
    response = api.patch(one(request.pk), {**body, **({"receipt": receipt} if "receipt" in body else {})})

    # then
    assert response.status_code == 409
    assert words in problem_of(response)["detail"]
    assert DataRequest.objects.filter(pk=request.pk).values().get() == before


@pytest.mark.parametrize(
    ("kind", "body", "field"),
    [
        ("erasure", {}, "non_field_errors"),
        ("erasure", {"outcome": "done"}, "receipt"),
        ("erasure", {"outcome": "done", "receipt": "abc"}, "receipt"),
        ("erasure", {"outcome": "done", "receipt": "0" * 64}, "receipt"),  # no such erasure
        ("erasure", {"outcome": "done", "export": 1}, "export"),
        ("access", {"outcome": "done", "receipt": "0" * 64}, "receipt"),
        ("access", {"outcome": "done", "export": 999999}, "export"),
        ("access", {"outcome": "done"}, "export"),
        ("access", {"outcome": "refused"}, "refusal_reason"),
        ("access", {"outcome": "done", "refusal_reason": "Nej"}, "refusal_reason"),
        ("access", {"receipt": "0" * 64}, "receipt"),
        ("access", {"outcome": "closed"}, "outcome"),
        ("access", {"identity_method": "a feeling"}, "identity_method"),
        ("access", {"identity_method": ""}, "identity_method"),
        ("access", {"extension_months": 3, "extension_reason": "Tid"}, "extension_months"),
        ("access", {"extension_months": "1", "extension_reason": "Tid"}, "extension_months"),
        ("access", {"extension_months": 1}, "extension_reason"),
        ("access", {"extension_reason": "Tid"}, "extension_months"),
        ("access", {"extension_months": 1, "extension_reason": "  "}, "extension_reason"),
        ("access", {"state": "done"}, "state"),
    ],
)
def test_b7_bad_steps_are_a_400_by_field_and_change_nothing(api, handler, kind, body, field):
    # given a request whose identity is checked
    request = services.request_register(
        actor=handler, kind=kind, received_on=date(2026, 1, 31), customer=_customer()
    )
    services.request_check_identity(request=request, actor=handler, method="e_id")
    before = DataRequest.objects.filter(pk=request.pk).values().get()

    # when
    response = api.patch(one(request.pk), body)

    # then
    assert response.status_code == 400
    assert field in problem_of(response)["errors"]
    assert DataRequest.objects.filter(pk=request.pk).values().get() == before
