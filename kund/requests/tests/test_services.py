"""B-7: the request register's steps — received → identity checked → done (erasure receipt, access export)
or refused — each in the state it needs, by a user with the right; the notices of requests falling due;
the register's own retention."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from kund.audit.models import ChangeRecord
from kund.customers.models import Notification
from kund.demo.testing.factories import Person, add_transactions, make_customer
from kund.privacy.access_export import access_export
from kund.privacy.services import customer_erase
from kund.requests import services
from kund.requests.models import DataRequest
from kund.requests.services import RequestRefused

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 10)


@pytest.fixture
def today(monkeypatch):
    """A fixed today for the services (the deadline arithmetic is tested on its own)."""
    monkeypatch.setattr(services, "today", lambda: TODAY)
    return TODAY


def _customer(**kwargs):
    return make_customer(
        person=Person(first_name="Göran", last_name="Sjöberg", email="goran.sjoberg@telia.se")
    )


def _register(handler, *, kind=DataRequest.Kind.ERASURE, received=date(2026, 2, 27), **kwargs):
    customer = kwargs.pop("customer", None) or _customer()
    return services.request_register(
        actor=handler, kind=kind, received_on=received, customer=customer, **kwargs
    )


def test_a_registered_request_is_received_with_its_deadline_and_its_handler(handler, today):
    # given a customer who wrote on 31 January
    customer = _customer()

    # when the request is registered
    request = services.request_register(
        actor=handler, kind="erasure", received_on=date(2026, 1, 31), customer=customer, channel="letter"
    )

    # then it is received, due on the last day of February, and the registering user is responsible
    request.refresh_from_db()
    assert request.state == DataRequest.State.RECEIVED
    assert request.deadline == date(2026, 2, 28)
    assert request.customer_number == customer.number
    assert request.responsible == handler and request.created_by == handler
    assert request.closed_on is None


def test_who_asked_is_the_customer_or_the_contact_field(handler, today):
    # a person who is not a customer is named in the contact field
    request = services.request_register(
        actor=handler, kind="access", received_on=TODAY, contact="Lena Nyström, lena.nystrom@example.se"
    )
    assert request.customer is None and request.customer_number == ""

    # with neither, nothing is registered
    with pytest.raises(RequestRefused):
        services.request_register(actor=handler, kind="access", received_on=TODAY, contact="  ")
    assert DataRequest.objects.count() == 1


@pytest.mark.parametrize("received", [TODAY + timedelta(days=1), date(2018, 5, 24)])
def test_the_day_of_receipt_is_range_checked(handler, today, received):
    with pytest.raises(RequestRefused):
        _register(handler, received=received)
    assert not DataRequest.objects.exists()


def test_one_open_request_of_a_kind_per_customer(handler, today):
    # given an open erasure request
    first = _register(handler)

    # then a second erasure request of the same customer is refused, an access request is not
    with pytest.raises(RequestRefused, match=first.ref):
        _register(handler, customer=first.customer)
    _register(handler, customer=first.customer, kind="access")


def test_only_a_user_with_the_right_registers_or_handles_requests(handler, viewer, today):
    request = _register(handler)
    with pytest.raises(PermissionDenied):
        _register(viewer)
    with pytest.raises(PermissionDenied):
        services.request_check_identity(request=request, actor=viewer, method="e_id")
    with pytest.raises(PermissionDenied):
        services.request_refuse(request=request, actor=viewer, reason="Nej")
    request.refresh_from_db()
    assert request.state == DataRequest.State.RECEIVED


def test_identity_checked_records_how_by_whom_and_when(handler, today):
    # given
    request = _register(handler)

    # when
    services.request_check_identity(request=request, actor=handler, method="id_document")

    # then
    request.refresh_from_db()
    assert request.state == DataRequest.State.IDENTITY_CHECKED
    assert request.identity_method == "id_document"
    assert request.identity_checked_by == handler
    assert abs(request.identity_checked_at - timezone.now()) < timedelta(minutes=1)
    with pytest.raises(RequestRefused):  # once
        services.request_check_identity(request=request, actor=handler, method="e_id")


def test_an_extension_moves_the_deadline_with_a_reason_and_only_forward(handler, today):
    # given a request received on 31 January, due 28 February
    request = _register(handler, received=date(2026, 1, 31))

    # an extension needs a reason
    with pytest.raises(RequestRefused):
        services.request_extend(request=request, actor=handler, months=1, reason=" ")

    # when extended by one month, then to two
    services.request_extend(request=request, actor=handler, months=1, reason="Många och komplexa begäranden")
    request.refresh_from_db()
    assert (request.extension_months, request.deadline) == (1, date(2026, 3, 31))
    services.request_extend(request=request, actor=handler, months=2, reason="Omfattande material")
    request.refresh_from_db()
    assert (request.extension_months, request.deadline) == (2, date(2026, 4, 30))

    # then not further, and never back
    for months in (3, 1):
        with pytest.raises(RequestRefused):
            services.request_extend(request=request, actor=handler, months=months, reason="Mer tid")
    request.refresh_from_db()
    assert (request.extension_months, request.deadline) == (2, date(2026, 4, 30))


def test_an_erasure_request_is_done_by_the_erasure_receipt_after_the_identity_check(handler, today):
    # given an erasure request of a customer, and the customer erased
    request = _register(handler)
    with pytest.raises(RequestRefused):  # not before the identity is checked
        services.request_complete_erasure(request=request, actor=handler, receipt="0" * 64)
    services.request_check_identity(request=request, actor=handler, method="e_id")
    outcome = customer_erase(customer=request.customer, actor=handler)

    # a receipt of another customer's erasure does not answer it
    other = make_customer(person=Person(first_name="Ulf", last_name="Berg", email="ulf.berg@example.se"))
    other_receipt = customer_erase(customer=other, actor=handler).receipt
    with pytest.raises(RequestRefused):
        services.request_complete_erasure(request=request, actor=handler, receipt=other_receipt)

    # when done with its own receipt
    services.request_complete_erasure(request=request, actor=handler, receipt=outcome.receipt.upper())

    # then the request is done and holds the receipt
    request.refresh_from_db()
    assert request.state == DataRequest.State.DONE
    assert request.receipt == outcome.receipt
    assert (request.closed_on, request.closed_by) == (TODAY, handler)


def test_an_access_request_is_done_by_an_access_export_of_its_customer(handler, today):
    # given an access request, checked, and an export of the customer made
    request = _register(handler, kind="access")
    services.request_check_identity(request=request, actor=handler, method="known_contact")
    access_export(customer=request.customer, actor=handler)
    export = ChangeRecord.objects.get(customer=request.customer, event=ChangeRecord.Event.EXPORTED)

    # an export of someone else, or another kind of history, does not answer it
    other = make_customer(person=Person(first_name="Ulf", last_name="Berg", email="ulf.berg@example.se"))
    access_export(customer=other, actor=handler)
    for wrong in (
        ChangeRecord.objects.get(customer=other, event=ChangeRecord.Event.EXPORTED),
        ChangeRecord.objects.filter(customer=request.customer).exclude(pk=export.pk).first(),
    ):
        with pytest.raises(RequestRefused):
            services.request_complete_access(request=request, actor=handler, export_record=wrong)
    with pytest.raises(RequestRefused):  # nor does an erasure
        services.request_complete_erasure(request=request, actor=handler, receipt="0" * 64)

    # when
    services.request_complete_access(request=request, actor=handler, export_record=export)

    # then
    request.refresh_from_db()
    assert request.state == DataRequest.State.DONE
    assert request.export_record == export and request.exported_at == export.at


@pytest.mark.parametrize("checked", [False, True], ids=["before the identity check", "after it"])
def test_a_request_is_refused_with_a_reason(handler, today, checked):
    # given
    request = _register(handler)
    if checked:
        services.request_check_identity(request=request, actor=handler, method="other")
    with pytest.raises(RequestRefused):
        services.request_refuse(request=request, actor=handler, reason="")

    # when
    services.request_refuse(request=request, actor=handler, reason="Identiteten kunde inte styrkas.")

    # then
    request.refresh_from_db()
    assert request.state == DataRequest.State.REFUSED
    assert request.refusal_reason == "Identiteten kunde inte styrkas."
    assert request.closed_on == TODAY


def test_a_closed_request_takes_no_further_step(handler, today):
    # given a refused request
    request = _register(handler)
    services.request_refuse(request=request, actor=handler, reason="Uppenbart ogrundad")

    # then every step is refused and nothing changes
    steps = [
        lambda: services.request_check_identity(request=request, actor=handler, method="e_id"),
        lambda: services.request_extend(request=request, actor=handler, months=1, reason="Mer tid"),
        lambda: services.request_refuse(request=request, actor=handler, reason="Igen"),
        lambda: services.request_complete_erasure(request=request, actor=handler, receipt="0" * 64),
    ]
    before = DataRequest.objects.filter(pk=request.pk).values().get()
    for step in steps:
        with pytest.raises(RequestRefused):
            step()
    assert DataRequest.objects.filter(pk=request.pk).values().get() == before


# --- notices -------------------------------------------------------------------------------------------


def test_the_responsible_user_is_told_once_when_a_request_falls_due(handler, today):
    # given requests due in 7 days, overdue, due in 8 days, and a closed one due tomorrow
    due = _register(handler, received=date(2026, 2, 17))  # deadline 17 March: 7 days ahead
    late = _register(handler, received=date(2026, 2, 1))  # deadline 1 March: overdue
    later = _register(handler, received=date(2026, 2, 18))  # deadline 18 March: 8 days ahead
    closed = _register(handler, received=date(2026, 2, 11))
    services.request_refuse(request=closed, actor=handler, reason="Återkallad")

    # when the notices run, twice
    sent = [services.notify_due_requests(on=TODAY), services.notify_due_requests(on=TODAY)]

    # then one notification each for the due and the overdue request, none the second time
    assert sent == [2, 0]
    notes = Notification.objects.filter(verb=Notification.Verb.REQUEST_DUE)
    assert sorted(n.request_id for n in notes) == sorted([due.pk, late.pk])
    assert {n.recipient for n in notes} == {handler}
    assert all(n.customer_id is None for n in notes)  # a notice names the request only
    assert later.pk not in {n.request_id for n in notes}


def test_an_extended_deadline_is_told_about_again_when_it_comes_near(handler, today):
    # given a request whose handler was told it is due
    request = _register(handler, received=date(2026, 2, 14))  # deadline 14 March
    assert services.notify_due_requests(on=TODAY) == 1

    # when it is extended by a month, nothing until the new deadline comes near
    services.request_extend(request=request, actor=handler, months=1, reason="Komplex begäran")
    assert services.notify_due_requests(on=TODAY) == 0
    assert services.notify_due_requests(on=date(2026, 4, 7)) == 1
    assert services.notify_due_requests(on=date(2026, 4, 8)) == 0


# --- the register's own retention --------------------------------------------------------------------


def test_purge_clears_who_asked_from_requests_closed_before_the_retention_period(handler, settings, today):
    # given requests closed 3 years and a day ago, 3 years ago to the day, and an open one
    settings.KUND_REQUEST_RETENTION_YEARS = 3
    old, recent, still_open = (
        _register(handler, contact=f"Ombud {n}, ombud{n}@example.se", kind=kind)
        for n, kind in ((1, "erasure"), (2, "access"), (3, "erasure"))
    )
    for request in (old, recent):
        services.request_refuse(request=request, actor=handler, reason="Ombudet saknade fullmakt för Göran")
    DataRequest.objects.filter(pk=old.pk).update(closed_on=date(2023, 3, 9))
    DataRequest.objects.filter(pk=recent.pk).update(closed_on=date(2023, 3, 10))

    # when
    result = services.purge_closed_requests(on=TODAY)

    # then only the one closed before 10 March 2023 loses who asked and its reasons; the rest is kept
    assert (result.cleared, result.before) == (1, date(2023, 3, 10))
    old.refresh_from_db()
    assert (old.contact, old.refusal_reason, old.extension_reason) == ("", "", "")
    assert (old.state, old.customer_number, old.received_on) == (
        "refused",
        old.customer.number,
        date(2026, 2, 27),
    )
    for kept in (recent, still_open):
        kept.refresh_from_db()
        assert kept.contact.startswith("Ombud")
    assert services.purge_closed_requests(on=TODAY).cleared == 0  # nothing left to clear


def test_a_customer_with_transactions_is_still_registered_for_access(handler, today):
    # an access request about a customer with business records (anonymize, not delete) is just a request
    customer = _customer()
    add_transactions(customer)
    request = _register(handler, customer=customer, kind="access")
    assert request.state == DataRequest.State.RECEIVED
