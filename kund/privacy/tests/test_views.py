"""The erasure page and the card's erasure panel (SPEC E-1..E-5, D-1, A-2, A-4)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.context_processors import PermWrapper
from django.contrib.auth.models import Permission
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kund.audit.models import ErasureLogEntry
from kund.customers.models import Customer
from kund.documents.models import Document
from kund.privacy.tests import erasure_cases

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    """The texts below are the English source strings; the register's default language is Swedish."""
    settings.LANGUAGE_CODE = "en"


def _user(username: str, *codenames: str):
    user = get_user_model().objects.create_user(username, f"{username}@kund.test", "pw")
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="customers", codename__in=codenames)
    )
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def seller():
    """Sees and changes customers, but has no erasure right."""
    return _user("karin.seller", "view_customer", "change_customer")


@pytest.fixture
def privacy_officer():
    """Has the erasure right (E-4) besides seeing customers."""
    return _user("erik.privacy", "view_customer", "erase_customer")


def _url(customer) -> str:
    return reverse("privacy:customer_erasure", args=[customer.pk])


def _panel(customer, user) -> str:
    return render_to_string("privacy/card_panel.html", {"customer": customer, "perms": PermWrapper(user)})


def _unchanged(customer) -> None:
    fresh = Customer.objects.get(pk=customer.pk)
    assert fresh.name == customer.name
    assert fresh.email == customer.email
    assert fresh.anonymized_at is None
    assert not ErasureLogEntry.objects.filter(customer_number=customer.number).exists()


# --- rights (E-4) -----------------------------------------------------------------------------------


def test_e4_without_the_erasure_right_there_is_no_panel_and_no_page(client, seller):
    # given
    customer = erasure_cases.anonymizable()
    client.force_login(seller)

    # when
    response = client.get(_url(customer))

    # then
    assert response.status_code == 403
    assert 'id="forbidden"' in response.content.decode()
    assert 'id="erasure-panel"' not in _panel(customer, seller)


def test_e4_a_forged_post_without_the_right_is_refused_and_changes_nothing(client, seller):
    # given: a deletable and an anonymizable customer, and a user who may only view and change
    deletable = erasure_cases.deletable()
    anonymizable = erasure_cases.anonymizable()
    client.force_login(seller)

    # when: the user posts the confirmation form by hand
    responses = [
        client.post(_url(deletable), {"action": "delete", "confirm": "on"}),
        client.post(_url(anonymizable), {"action": "anonymize", "confirm": "on"}),
    ]

    # then
    assert [r.status_code for r in responses] == [403, 403]
    _unchanged(deletable)
    _unchanged(anonymizable)
    assert Document.objects.filter(customer=deletable).count() == 2


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client):
    customer = erasure_cases.deletable()

    response = client.post(_url(customer), {"action": "delete", "confirm": "on"})

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
    _unchanged(customer)


@pytest.mark.parametrize(
    ("case", "action", "button"),
    [
        ("deletable", "delete", "Delete customer"),
        ("anonymizable", "anonymize", "Anonymize customer"),
        ("blocked", "blocked", "Show what blocks it"),
        ("anonymized", "already_anonymized", None),
    ],
)
def test_e1_e4_the_panel_shows_only_the_action_that_applies(privacy_officer, case, action, button):
    # given
    made = getattr(erasure_cases, case)()
    customer = made[0] if isinstance(made, tuple) else made

    # when
    html = _panel(customer, privacy_officer)

    # then
    assert f'data-erasure-action="{action}"' in html
    others = {"Delete customer", "Anonymize customer", "Show what blocks it"} - {button}
    assert not [label for label in others if label in html]
    if button:
        assert button in html
        assert _url(customer) in html


# --- the page of each action (E-1) ------------------------------------------------------------------


def test_d1_the_delete_page_warns_in_red_of_the_documents_that_go_with_the_customer(client, privacy_officer):
    # given
    customer = erasure_cases.deletable()
    client.force_login(privacy_officer)

    # when
    response = client.get(_url(customer))

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["action"] == "delete"
    assert 'class="alert alert-danger" role="alert" id="erasure-delete-warning"' in html
    assert [title for _pk, title in response.context["documents"]] == ["Offertförfrågan kök", "Ritning altan"]
    assert "Offertförfrågan kök" in html and "Ritning altan" in html
    # each is linked to its download, which checks the rules again
    for document in customer.documents.all():
        assert reverse("customers:document_download", args=[customer.number, document.pk]) in html
    assert "Delete permanently — cannot be undone" in html
    assert "Anonymize permanently" not in html
    assert "I have read the information about deletion and anonymization" in html


def test_a2_the_anonymize_page_lists_the_kept_free_text_with_links(client, privacy_officer):
    # given: the customer's internal information and an order's internal comment are filled in
    customer = erasure_cases.anonymizable()
    placed = customer.orders.get()
    client.force_login(privacy_officer)

    # when
    response = client.get(_url(customer))

    # then
    html = response.content.decode()
    assert response.context["action"] == "anonymize"
    kept = {(line.ref, line.text, line.url) for line in response.context["kept"]}
    assert (
        customer.number,
        "internal information",
        reverse("customers:edit", args=[customer.number]),
    ) in kept
    assert (placed.ref, "internal comment", reverse("sales:order_detail", args=[placed.pk])) in kept
    document = customer.documents.get()
    documents_url = reverse("customers:section", args=[customer.number, "documents"])
    assert (document.ref, "title, file", documents_url) in kept
    assert ("Portkod", "value", reverse("customers:edit", args=[customer.number])) in kept
    assert len(kept) == 4
    assert "Anonymize permanently — cannot be undone" in html
    assert "Delete permanently" not in html
    # the field map in words: the customer's names become Xxxx
    changes = dict(response.context["changes"])
    assert any("first name" in fields and becomes == "Xxxx" for fields, becomes in changes["customers"])
    assert any(becomes == "unchanged (bookkeeping law)" for _fields, becomes in changes["invoices"])


def test_e3_the_blocked_page_lists_every_blocker_with_a_link_and_offers_no_button(client, privacy_officer):
    # given
    customer, open_order, unpaid, agreement = erasure_cases.blocked()
    client.force_login(privacy_officer)

    # when
    response = client.get(_url(customer))

    # then
    html = response.content.decode()
    assert response.context["action"] == "blocked"
    blockers = {(line.ref, line.text): line.url for line in response.context["blockers"]}
    order_url = reverse("sales:order_detail", args=[open_order.pk])
    assert blockers[open_order.ref, "not delivered, not invoiced"] == order_url
    assert blockers[unpaid.ref, "not paid"] == reverse("billing:invoice_detail", args=[unpaid.pk])
    assert blockers[agreement.ref, "ongoing agreement"] == reverse(
        "customers:section", args=[customer.number, "agreements"]
    )
    assert len(blockers) == 3
    assert 'id="erasure-form"' not in html
    assert "cannot be undone" not in html


def test_e3_a_staff_user_is_led_to_the_back_office_for_records_without_a_page(client):
    # given
    customer, _order, _invoice, agreement = erasure_cases.blocked()
    staff = _user("stina.staff", "view_customer", "erase_customer")
    staff.is_staff = True
    staff.save()
    client.force_login(staff)

    # when
    response = client.get(_url(customer))

    # then
    urls = {line.ref: line.url for line in response.context["blockers"]}
    assert urls[agreement.ref] == reverse("admin:crm_agreement_change", args=[agreement.pk])


def test_a4_the_page_of_an_anonymized_customer_says_so(client, privacy_officer):
    customer = erasure_cases.anonymized()
    client.force_login(privacy_officer)

    response = client.get(_url(customer))

    html = response.content.decode()
    assert response.context["action"] == "already_anonymized"
    assert 'id="erasure-already-anonymized"' in html
    assert 'id="erasure-form"' not in html


def test_the_page_takes_the_same_queries_for_30_blockers_as_for_4(
    client, privacy_officer, django_assert_num_queries
):
    # given: a blocked customer (the page that resolves the most links)
    customer, *_records = erasure_cases.blocked()
    client.force_login(privacy_officer)
    url = _url(customer)
    client.get(url)  # warm the session and content types
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(13):
        erasure_cases.order(customer, delivered=False, invoiced=False)

    # when / then: a fixed number per policy table and per kind of link, never one per record
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["blockers"]) == 3 + 13  # one line per record, 30 blockers in all
    assert len(few.captured_queries) <= 60


# --- carrying it out (E-5) --------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["deletable", "anonymizable"])
def test_e5_without_the_tick_the_error_shows_beside_the_field_and_nothing_changes(
    client, privacy_officer, case
):
    # given
    customer = getattr(erasure_cases, case)()
    action = "delete" if case == "deletable" else "anonymize"
    client.force_login(privacy_officer)

    # when
    response = client.post(_url(customer), {"action": action})

    # then
    html = response.content.decode()
    assert response.status_code == 200
    assert response.context["form"].errors["confirm"] == [
        "Tick the box to confirm that you have read the information."
    ]
    assert 'class="form-check-input is-invalid"' in html
    assert '<div class="invalid-feedback" id="confirm-error">Tick the box' in html
    _unchanged(customer)


def test_d1_delete_removes_the_customer_and_goes_to_the_list_with_a_message(client, privacy_officer):
    # given
    customer = erasure_cases.deletable()
    client.force_login(privacy_officer)

    # when
    response = client.post(_url(customer), {"action": "delete", "confirm": "on"}, follow=False)

    # then
    assert response.status_code == 302
    assert response["Location"] == "/customers/"
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert not Document.objects.filter(customer_id=customer.pk).exists()
    entry = ErasureLogEntry.objects.get(customer_number=customer.number)
    assert entry.action == "delete" and entry.actor_username == "erik.privacy"
    message = str(list(response.wsgi_request._messages)[0])
    assert message == f"Customer {customer.number} has been deleted. Erasure log receipt: {entry.hash}"


def test_anonymize_turns_the_customer_into_xxxx_and_goes_back_to_the_card(client, privacy_officer):
    # given
    customer = erasure_cases.anonymizable()
    client.force_login(privacy_officer)

    # when
    response = client.post(_url(customer), {"action": "anonymize", "confirm": "on"})

    # then
    assert response.status_code == 302
    assert response["Location"] == f"/customers/{customer.number}/"
    fresh = Customer.objects.get(pk=customer.pk)
    assert fresh.anonymized_at is not None
    assert (fresh.first_name, fresh.last_name, fresh.name, fresh.email) == ("Xxxx", "Xxxx", "Xxxx Xxxx", "")
    assert ErasureLogEntry.objects.get(customer_number=customer.number).action == "anonymize"


def test_e1_a_stale_page_is_refused_by_the_service_and_shown_again_with_the_reason(client, privacy_officer):
    # given: the page offered "delete", but an order has been placed since
    customer = erasure_cases.deletable()
    erasure_cases.order(customer)
    client.force_login(privacy_officer)

    # when
    response = client.post(_url(customer), {"action": "delete", "confirm": "on"})

    # then: the service decided again and refused; the page now offers anonymization
    assert response.status_code == 200
    assert response.context["refused"].startswith(f"Customer {customer.number} was not erased:")
    assert response.context["action"] == "anonymize"
    assert 'id="erasure-refused"' in response.content.decode()
    _unchanged(customer)


def test_an_unknown_action_is_a_form_error_not_a_traceback(client, privacy_officer):
    customer = erasure_cases.deletable()
    client.force_login(privacy_officer)

    response = client.post(_url(customer), {"action": "shred", "confirm": "on"})

    assert response.status_code == 200
    assert "action" in response.context["form"].errors
    _unchanged(customer)


def test_a_customer_that_does_not_exist_is_a_404(client, privacy_officer):
    client.force_login(privacy_officer)

    assert client.get(reverse("privacy:customer_erasure", args=[987654])).status_code == 404


# --- languages (B-10) -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "button", "checkbox"),
    [
        (
            "sv",
            "Anonymisera för alltid – kan inte ångras",
            "Jag har läst informationen om kundborttagning och anonymisering",
        ),
        (
            "en",
            "Anonymize permanently — cannot be undone",
            "I have read the information about deletion and anonymization",
        ),
        (
            "de",
            "Endgültig anonymisieren – kann nicht rückgängig gemacht werden",
            "Ich habe die Informationen zum Löschen",
        ),
    ],
)
def test_b10_the_erasure_page_speaks_swedish_english_and_german(
    client, privacy_officer, language, button, checkbox
):
    # given
    customer = erasure_cases.anonymizable()
    client.force_login(privacy_officer)

    # when
    response = client.get(_url(customer), headers={"accept-language": language})

    # then
    html = response.content.decode()
    assert f'<html lang="{language}"' in html
    assert button in html
    assert checkbox in html


def test_b10_the_swedish_blocked_page_names_the_blockers_in_swedish(client, privacy_officer):
    customer, open_order, *_records = erasure_cases.blocked()
    client.force_login(privacy_officer)

    response = client.get(_url(customer), headers={"accept-language": "sv"})

    html = response.content.decode()
    assert "Kunden kan inte anonymiseras ännu." in html
    assert f"Order {open_order.ref}</a>: inte levererad, inte fakturerad" in html


def test_b10_the_language_chosen_in_the_navbar_is_remembered(client, privacy_officer):
    # given: a browser that asks for Swedish
    customer = erasure_cases.deletable()
    client.force_login(privacy_officer)
    swedish = {"accept-language": "sv"}
    assert "Ta bort för alltid" in client.get(_url(customer), headers=swedish).content.decode()

    # when: the user picks German in the navbar's language form
    response = client.post(
        reverse("set_language"), {"language": "de", "next": _url(customer)}, headers=swedish
    )

    # then: back on the page, and every later request is in German, whatever the browser asks for
    assert response.status_code == 302 and response["Location"] == _url(customer)
    assert (
        response.cookies["django_language"]["max-age"] == 365 * 24 * 60 * 60
    )  # kept after the browser closes
    for _ in range(2):
        html = client.get(_url(customer), headers=swedish).content.decode()
        assert '<html lang="de"' in html
        assert "Endgültig löschen – kann nicht rückgängig gemacht werden" in html
    assert "Rechnungen" in client.get("/", headers=swedish).content.decode()
