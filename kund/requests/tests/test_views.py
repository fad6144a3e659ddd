"""B-7 in the web: the list with its overdue and due-soon filters, registering a request, and each step on
a request's page — bad input answered beside its field, changing nothing."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from kund.audit.models import ChangeRecord
from kund.demo.testing.factories import Person, make_customer
from kund.privacy.access_export import access_export
from kund.privacy.services import customer_erase
from kund.requests import services
from kund.requests.models import DataRequest

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client, handler):
    client.force_login(handler)
    return client


def _customer(first="Maja", last="Ström"):
    return make_customer(person=Person(first_name=first, last_name=last, email=f"{first.lower()}@example.se"))


def _errors(response) -> dict[str, str]:
    """The messages shown beside each field, by field name."""
    html = response.content.decode()
    found = {}
    for part in html.split('data-field-error="')[1:]:
        name, _sep, rest = part.partition('"')
        found[name] = rest.partition(">")[2].partition("</div>")[0]
    return found


def test_the_list_shows_open_overdue_and_due_soon_requests(signed_in, handler):
    # given an overdue request, one due within 7 days, one later and a closed one
    today = timezone.localdate()
    overdue = services.request_register(
        actor=handler, kind="erasure", received_on=today - timedelta(days=70), customer=_customer()
    )
    soon = services.request_register(
        actor=handler,
        kind="access",
        received_on=services.deadlines.add_months(today, -1) + timedelta(days=2),
        customer=_customer("Olof", "Berg"),
    )
    later = services.request_register(actor=handler, kind="erasure", received_on=today, contact="Stina Ek")
    closed = services.request_register(actor=handler, kind="access", received_on=today, contact="Bo Nord")
    services.request_refuse(request=closed, actor=handler, reason="Ingen kund")

    def shown(**params) -> set[int]:
        response = signed_in.get(reverse("requests:list"), params)
        assert response.status_code == 200
        return {r.pk for r in response.context["page"].object_list}

    # then each filter shows what it says
    assert shown() == {overdue.pk, soon.pk, later.pk}
    assert shown(show="overdue") == {overdue.pk}
    assert shown(show="due_soon") == {soon.pk}
    assert shown(show="closed") == {closed.pk}
    assert shown(show="all", kind="access") == {soon.pk, closed.pk}
    # a bad filter is said beside it, and the open requests are shown
    response = signed_in.get(reverse("requests:list"), {"show": "everything"})
    assert "show" in _errors(response)
    assert {r.pk for r in response.context["page"].object_list} == {overdue.pk, soon.pk, later.pk}


def test_registering_a_request_in_the_web(signed_in, handler):
    # given
    customer = _customer()

    # when
    response = signed_in.post(
        reverse("requests:create"),
        {
            "kind": "erasure",
            "channel": "phone",
            "customer_number": customer.number,
            "contact": "",
            "received_on": "2026-01-31",
            "responsible": handler.pk,
        },
    )

    # then
    request = DataRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "requests:detail", args=[request.pk]
    )
    assert (request.customer, request.channel, request.deadline) == (customer, "phone", date(2026, 2, 28))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"customer_number": "", "contact": ""}, "contact"),  # neither the customer nor who asked
        ({"customer_number": "9999999"}, "customer_number"),
        ({"received_on": "2099-01-01"}, "received_on"),
        ({"received_on": "2016-04-27"}, "received_on"),
        ({"received_on": "31 januari"}, "received_on"),
        ({"kind": "rectification"}, "kind"),
        ({"contact": "x" * 201}, "contact"),
        ({"responsible": "viewer"}, "responsible"),  # may not handle requests
    ],
)
def test_bad_input_is_said_beside_its_field_and_registers_nothing(signed_in, handler, viewer, change, field):
    customer = _customer()
    data = {
        "kind": "erasure",
        "channel": "email",
        "customer_number": customer.number,
        "contact": "",
        "received_on": "2026-01-31",
        "responsible": handler.pk,
        **change,
    }
    if data["responsible"] == "viewer":
        data["responsible"] = viewer.pk
    response = signed_in.post(reverse("requests:create"), data)
    assert response.status_code == 200
    assert field in _errors(response)
    assert not DataRequest.objects.exists()


def test_a_second_open_request_of_a_kind_is_said_beside_the_customer_number(signed_in, handler):
    customer = _customer()
    first = services.request_register(
        actor=handler, kind="erasure", received_on=date(2026, 1, 5), customer=customer
    )
    response = signed_in.post(
        reverse("requests:create"),
        {
            "kind": "erasure",
            "channel": "email",
            "customer_number": customer.number,
            "received_on": "2026-01-31",
            "responsible": handler.pk,
        },
    )
    assert first.ref in _errors(response)["customer_number"]
    assert DataRequest.objects.count() == 1


def test_each_step_on_the_page_from_received_to_done(signed_in, handler):
    # given an erasure request
    customer = _customer()
    request = services.request_register(
        actor=handler, kind="erasure", received_on=date(2026, 1, 31), customer=customer
    )
    url = reverse("requests:detail", args=[request.pk])
    page = signed_in.get(url)
    assert page.status_code == 200 and b'id="step-identity"' in page.content

    # identity: a method must be chosen
    response = signed_in.post(reverse("requests:identity", args=[request.pk]), {"method": ""})
    assert "method" in _errors(response)
    response = signed_in.post(reverse("requests:identity", args=[request.pk]), {"method": "id_document"})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == "identity_checked"

    # extend: a reason, and a number of months that exists
    response = signed_in.post(reverse("requests:extend", args=[request.pk]), {"months": "3", "reason": "Tid"})
    assert "months" in _errors(response)
    response = signed_in.post(reverse("requests:extend", args=[request.pk]), {"months": "1", "reason": ""})
    assert "reason" in _errors(response)
    signed_in.post(reverse("requests:extend", args=[request.pk]), {"months": "1", "reason": "Stort underlag"})
    request.refresh_from_db()
    assert request.deadline == date(2026, 3, 31)

    # complete: the customer is erased, and its receipt offered on the page
    outcome = customer_erase(customer=customer, actor=handler)
    page = signed_in.get(url)
    assert f'data-receipt="{outcome.receipt}"'.encode() in page.content
    for bad in ("abc", "g" * 64, "0" * 64):
        response = signed_in.post(reverse("requests:complete", args=[request.pk]), {"receipt": bad})
        assert "receipt" in _errors(response)
    response = signed_in.post(reverse("requests:complete", args=[request.pk]), {"receipt": outcome.receipt})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == "done" and request.receipt == outcome.receipt

    # then the page shows the outcome, and a closed request takes no step
    page = signed_in.get(url)
    assert outcome.receipt.encode() in page.content and b'id="request-closed"' in page.content
    response = signed_in.post(
        reverse("requests:refuse", args=[request.pk]), {"reason": "Sent påkommet"}, follow=True
    )
    assert "is closed" in response.content.decode()
    request.refresh_from_db()
    assert request.state == "done"


def test_an_access_request_is_answered_by_an_export_chosen_on_the_page(signed_in, handler):
    # given a checked access request and an export of its customer
    customer = _customer()
    request = services.request_register(
        actor=handler, kind="access", received_on=date(2026, 3, 2), customer=customer
    )
    services.request_check_identity(request=request, actor=handler, method="e_id")
    page = signed_in.get(reverse("requests:detail", args=[request.pk]))
    assert reverse("access_export_html", args=[customer.pk]).encode() in page.content
    access_export(customer=customer, actor=handler)
    export = ChangeRecord.objects.get(event=ChangeRecord.Event.EXPORTED)

    # an export that is not this customer's is said beside the choice
    response = signed_in.post(reverse("requests:complete", args=[request.pk]), {"export": export.pk + 1000})
    assert "export" in _errors(response)

    # when
    response = signed_in.post(reverse("requests:complete", args=[request.pk]), {"export": export.pk})

    # then
    request.refresh_from_db()
    assert request.state == "done" and request.export_record == export


def test_refusing_on_the_page_needs_a_reason(signed_in, handler):
    request = services.request_register(
        actor=handler, kind="access", received_on=date(2026, 3, 2), contact="Anonym"
    )
    response = signed_in.post(reverse("requests:refuse", args=[request.pk]), {"reason": "  "})
    assert "reason" in _errors(response)
    signed_in.post(
        reverse("requests:refuse", args=[request.pk]), {"reason": "Ingen uppgift om vem som frågar."}
    )
    request.refresh_from_db()
    assert request.state == "refused"


def test_an_unknown_request_is_a_404(signed_in):
    assert signed_in.get(reverse("requests:detail", args=[424242])).status_code == 404
