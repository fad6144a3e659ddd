"""B-7 with SPEC §4: the request register holds personal data itself. When its customer is erased —
deleted or anonymized, alone or in a batch — the erasure engine scrubs the customer's requests as the
policy says: the request keeps the customer number, its dates, its outcome and its receipt; the link to
the customer and to its history, who asked and the free-text reasons go."""

from datetime import date

import pytest
from django.urls import reverse

from kund.audit.models import ChangeRecord, ErasureLogEntry
from kund.customers.models import Customer, Notification
from kund.demo.testing.factories import Person, add_transactions, make_customer
from kund.privacy import policy
from kund.privacy.access_export import access_export
from kund.privacy.services import customer_erase, erase_customers
from kund.requests import services
from kund.requests.models import DataRequest

pytestmark = pytest.mark.django_db

PERSON = Person(first_name="Birgitta", last_name="Holm", email="birgitta.holm@bredband.se")
ASKED = "Birgitta Holm, birgitta.holm@bredband.se, 070-555 12 34"


def _requests_of(customer, handler) -> tuple[DataRequest, DataRequest]:
    """An erasure request still open (extended, with a reason) and an access request answered by an
    export of the customer's data — both naming the person."""
    erasure = services.request_register(
        actor=handler, kind="erasure", received_on=date(2026, 1, 31), customer=customer, contact=ASKED
    )
    services.request_check_identity(request=erasure, actor=handler, method="e_id")
    services.request_extend(
        request=erasure, actor=handler, months=1, reason="Birgitta Holm har bett om mer tid"
    )
    access = services.request_register(
        actor=handler, kind="access", received_on=date(2026, 1, 5), customer=customer, contact=ASKED
    )
    services.request_check_identity(request=access, actor=handler, method="known_contact")
    access_export(customer=customer, actor=handler)
    export = ChangeRecord.objects.get(customer=customer, event=ChangeRecord.Event.EXPORTED)
    services.request_complete_access(request=access, actor=handler, export_record=export)
    return erasure, access


def _kept(request: DataRequest) -> dict:
    """What the request must keep through the erasure."""
    return {
        name: getattr(request, name)
        for name in (
            "customer_number",
            "kind",
            "channel",
            "received_on",
            "deadline",
            "extension_months",
            "state",
            "identity_method",
            "identity_checked_at",
            "exported_at",
            "closed_on",
            "erasure_id",
        )
    }


def _assert_scrubbed(request: DataRequest, kept: dict) -> None:
    request.refresh_from_db()
    assert request.customer_id is None
    assert request.export_record_id is None
    assert (request.contact, request.extension_reason, request.refusal_reason) == ("", "", "")
    assert _kept(request) == kept


@pytest.mark.parametrize("action", ["delete", "anonymize"])
def test_erasing_a_customer_scrubs_its_requests_as_the_policy_says(handler, action):
    # given a customer (without business records: deleted; with them: anonymized) and its requests
    customer = make_customer(person=PERSON)
    if action == "anonymize":
        add_transactions(customer, person=PERSON)
    erasure, access = _requests_of(customer, handler)
    kept = {r.pk: _kept(r) for r in (erasure, access)}
    # and a request of another customer, which stays as it is
    other = services.request_register(
        actor=handler,
        kind="erasure",
        received_on=date(2026, 2, 2),
        customer=make_customer(person=Person(first_name="Olle", last_name="Ek", email="olle.ek@example.se")),
        contact="Olle Ek",
    )

    # when the customer is erased through the engine
    outcome = customer_erase(customer=customer, actor=handler)

    # then
    assert outcome.result == ("deleted" if action == "delete" else "anonymized")
    assert Customer.objects.filter(pk=customer.pk).exists() == (action == "anonymize")
    _assert_scrubbed(erasure, kept[erasure.pk])
    _assert_scrubbed(access, kept[access.pk])
    other.refresh_from_db()
    assert other.customer_id is not None and other.contact == "Olle Ek"
    # the erasure log counts the requests like every other table
    entry = ErasureLogEntry.objects.get(hash=outcome.receipt)
    assert entry.counts["requests.DataRequest"] == 2

    # and the open erasure request can still be answered by its receipt
    services.request_complete_erasure(request=erasure, actor=handler, receipt=outcome.receipt)
    erasure.refresh_from_db()
    assert erasure.state == DataRequest.State.DONE and erasure.erasure == entry


def test_a_batch_erasure_scrubs_the_requests_of_every_customer_in_it(handler):
    # given customers of both kinds of erasure in one batch, each with requests
    plain = make_customer(person=PERSON)
    busy = make_customer(person=Person(first_name="Kerstin", last_name="Ahl", email="kerstin.ahl@example.se"))
    add_transactions(busy)
    requests = [*_requests_of(plain, handler), *_requests_of(busy, handler)]

    # when
    result = erase_customers(customer_ids=[plain.pk, busy.pk], actor=handler)

    # then
    assert result.counts()["deleted"] == 1 and result.counts()["anonymized"] == 1
    for request in requests:
        request.refresh_from_db()
        assert (request.customer_id, request.export_record_id, request.contact) == (None, None, "")
        assert request.customer_number in (plain.number, busy.number)


def test_a_due_notice_survives_the_erasure_of_the_customer_and_names_no_one(handler):
    # given an overdue request whose handler was told
    customer = make_customer(person=PERSON)
    request = services.request_register(
        actor=handler, kind="erasure", received_on=date(2025, 1, 3), customer=customer, contact=ASKED
    )
    assert services.notify_due_requests() == 1

    # when the customer is deleted
    customer_erase(customer=customer, actor=handler)

    # then the notice is still there, pointing at the request
    note = Notification.objects.get(verb=Notification.Verb.REQUEST_DUE)
    assert (note.request_id, note.customer_id) == (request.pk, None)


def test_the_policy_clears_what_the_register_clears_after_its_retention():
    table = policy.table_for("requests.DataRequest")
    cleared = {name for name, rule in table.fields.items() if rule is policy.CLEAR}
    assert cleared == set(DataRequest.PERSONAL_FIELDS)
    # and what it lets go of are links that can be let go of
    for name in table.detach:
        model_field = DataRequest._meta.get_field(name)
        assert model_field.null and model_field.remote_field.on_delete.__name__ == "SET_NULL"
    assert table.outlives_customer and not table.deleted_with_customer and table.kind is None


def test_the_erasure_page_says_what_happens_to_the_requests(client, handler):
    # given a customer to anonymize
    customer = make_customer(person=PERSON)
    add_transactions(customer, person=PERSON)
    client.force_login(handler)

    # when the erasure page is opened
    response = client.get(reverse("privacy:customer_erasure", args=[customer.pk]))

    # then "what changes" names the requests and what is emptied on them
    changes = dict(response.context["changes"])
    assert "data-subject requests" in changes
    assert changes["data-subject requests"] == [
        ("who asked, reason for the extension, reason for the refusal", "emptied")
    ]
