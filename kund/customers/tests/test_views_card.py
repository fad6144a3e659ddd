"""The customer card (R-3, R-4, R-5, R-6, A-4) and the sign-in page."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from kund.audit.models import ChangeRecord
from kund.crm.models import Activity
from kund.customers.models import Customer, Notification
from kund.customers.selectors import SECTIONS
from kund.customers.services import customer_assign
from kund.customers.tests.register_fixtures import *  # noqa: F403
from kund.customers.tests.register_fixtures import make_user
from kund.demo.testing.factories import add_owned, add_transactions, make_customer, next_number
from kund.sales.models import Order
from kund.sales.services import order_create


@pytest.fixture
def manager(client, db):
    user = make_user("view_customer", "change_customer", "assign_customer", username="maria.manager")
    client.force_login(user)
    return user


def card(client, customer):
    return client.get(reverse("customers:detail", args=[customer.number]))


def add_orders(customer, count: int) -> list[Order]:
    start = date(2025, 1, 1)
    return [
        order_create(customer=customer, actor=None, data={"date": start + timedelta(days=i)})
        for i in range(count)
    ]


@pytest.mark.django_db
def test_r3_card_has_a_tab_with_its_count_for_every_kind_the_customer_has(client, manager, person):
    # given a customer with a record of every linked kind, and a second customer's activity naming it
    rows = add_transactions(person)
    add_owned(person)
    add_orders(person, 2)
    other = make_customer()
    Activity.objects.create(
        customer=other, number=next_number(), date=rows["activity"].date, second_customer=person
    )

    # when
    response = card(client, person)

    # then every kind is a tab of its own, with its count, and nothing is hidden behind "More"
    html = response.content.decode()
    tabs = _tab_strip(html)
    for section in SECTIONS:
        assert f'id="tab-{section.key}"' in tabs
    assert 'data-count="orders">3<' in html
    assert 'data-count="invoices">1<' in html
    assert 'data-count="linked_activities">1<' in html
    assert 'id="tab-more"' not in html
    assert 'id="tab-history"' in html
    assert 'id="tab-custom"' in html


def _tab_strip(html: str) -> str:
    """The tabs in the strip itself, without the "More" menu."""
    strip = html.split('id="card-tabs"', 1)[1].split("</ul>", 1)[0]
    return strip.split('id="card-tabs-more"', 1)[0]


@pytest.mark.django_db
def test_r3_card_puts_kinds_the_customer_has_none_of_behind_more(client, manager, person):
    # given a customer with orders only
    add_orders(person, 3)

    # when
    response = card(client, person)

    # then orders is a tab (open, with its count); every other kind is in the "More" menu, still reachable
    html = response.content.decode()
    tabs = _tab_strip(html)
    assert 'id="tab-orders"' in tabs
    assert 'data-count="orders">3<' in tabs
    more = html.split('id="card-tabs-more"', 1)[1].split("</ul>", 1)[0]
    for section in SECTIONS:
        if section.key != "orders":
            assert f'id="tab-{section.key}"' not in tabs
            assert f'id="tab-{section.key}"' in more
    assert 'id="pane-orders" role="tabpanel"' in html
    assert 'class="tab-pane fade show active" id="pane-orders"' in html


@pytest.mark.django_db
def test_r3_card_counts_every_kind_in_one_query(client, manager, person, django_assert_max_num_queries):
    # given a customer without any linked record
    # when / then: the 27 kinds are counted together, and an empty kind reads nothing more
    with django_assert_max_num_queries(16):
        response = card(client, person)
    assert response.status_code == 200
    assert all(entry["count"] == 0 for entry in response.context["sections"])


@pytest.mark.django_db
def test_r3_card_shows_the_first_ten_orders_newest_first_and_show_all(client, manager, person):
    # given
    orders = add_orders(person, 12)

    # when
    response = card(client, person)

    # then
    entry = next(e for e in response.context["sections"] if e["section"].key == "orders")
    assert [o.pk for o in entry["rows"]] == [o.pk for o in reversed(orders)][:10]
    assert entry["more"] is True
    assert 'data-show-all="orders"' in response.content.decode()


@pytest.mark.django_db
def test_r3_show_all_pages_through_every_order_and_sorts_by_reference(client, manager, person):
    orders = add_orders(person, 12)

    response = client.get(
        reverse("customers:section", args=[person.number, "orders"]), {"all": "1", "sort": "ref"}
    )

    assert [o.number for o in response.context["entry"]["rows"]] == sorted(o.number for o in orders)


@pytest.mark.django_db
def test_r3_section_sort_by_htmx_returns_only_the_section(client, manager, person):
    add_orders(person, 3)

    response = client.get(
        reverse("customers:section", args=[person.number, "orders"]), {"sort": "date"}, HTTP_HX_REQUEST="true"
    )

    html = response.content.decode()
    assert html.lstrip().startswith('<div id="section-orders">')
    dates = [o.date for o in response.context["entry"]["rows"]]
    assert dates == sorted(dates)


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{"sort": "password"}, {"all": "1", "page": "zz"}, {"sort": "-"}])
def test_r3_malformed_section_sort_or_page_falls_back(client, manager, person, params):
    response = client.get(reverse("customers:section", args=[person.number, "orders"]), params)

    assert response.status_code == 200


@pytest.mark.django_db
def test_r3_unknown_section_is_not_found(client, manager, person):
    assert client.get(reverse("customers:section", args=[person.number, "secrets"])).status_code == 404


@pytest.mark.django_db
def test_r3_card_query_count_is_bounded(client, manager, person, django_assert_max_num_queries):
    add_orders(person, 12)

    # one query a section plus the page's own; never one a row
    with django_assert_max_num_queries(len(SECTIONS) + 15):
        card(client, person)


@pytest.mark.django_db
def test_r4_card_lists_the_change_history(client, manager, person):
    customer_assign(customer=person, actor=manager, responsible=manager)

    response = card(client, person)

    html = response.content.decode()
    assert 'id="change-history"' in html
    assert [r.event for r in response.context["history"]] == [
        ChangeRecord.Event.ASSIGNED,
        ChangeRecord.Event.CREATED,
    ]
    assert "maria.manager" in html


@pytest.mark.django_db
def test_card_context_has_customer_and_perms_and_the_erasure_panel_place(client, manager, person):
    response = card(client, person)

    assert response.context["customer"] == person
    assert "perms" in response.context
    assert "privacy/card_panel.html" in [t.name for t in response.templates]


@pytest.mark.django_db
def test_a4_anonymized_card_shows_the_banner_and_no_tabs_or_buttons(client, admin_user, anonymized):
    client.force_login(admin_user)

    response = card(client, anonymized)

    html = response.content.decode()
    assert "This customer has been anonymized" in html
    assert 'id="card-tabs"' not in html
    for button in ('id="customer-edit"', 'id="customer-deactivate"', 'id="customer-assign"'):
        assert button not in html
    assert client.get(reverse("customers:history", args=[anonymized.number])).status_code == 404
    assert client.get(reverse("customers:assign", args=[anonymized.number])).status_code == 403


@pytest.mark.django_db
def test_r5_deactivate_and_activate_from_the_card(client, manager, person):
    # when
    client.post(reverse("customers:status", args=[person.number]), {"status": "inactive"})
    inactive = card(client, person)
    client.post(reverse("customers:status", args=[person.number]), {"status": "active"})

    # then
    assert 'id="customer-activate"' in inactive.content.decode()
    assert Customer.objects.get(pk=person.pk).status == Customer.Status.ACTIVE
    fields = list(
        ChangeRecord.objects.filter(customer=person, field="status").values_list("new_value", flat=True)
    )
    assert sorted(fields) == ["active", "inactive"]


@pytest.mark.django_db
def test_r5_unknown_status_is_a_message_not_an_error(client, manager, person):
    response = client.post(
        reverse("customers:status", args=[person.number]), {"status": "deleted"}, follow=True
    )

    assert response.status_code == 200
    assert "Unknown status." in response.content.decode()
    assert Customer.objects.get(pk=person.pk).status == Customer.Status.ACTIVE


@pytest.mark.django_db
def test_r6_assign_and_unassign_notify_both_users(client, manager, person, seller, other_seller):
    # when
    client.post(reverse("customers:assign", args=[person.number]), {"responsible": seller.pk})
    client.post(reverse("customers:assign", args=[person.number]), {"responsible": other_seller.pk})
    client.post(reverse("customers:assign", args=[person.number]), {"responsible": ""})

    # then
    notes = list(Notification.objects.order_by("id").values_list("recipient__username", "verb"))
    assert notes == [
        ("sara.seller", "assigned"),
        ("sara.seller", "unassigned"),
        ("olle.other", "assigned"),
        ("olle.other", "unassigned"),
    ]
    assert Customer.objects.get(pk=person.pk).responsible is None


@pytest.mark.django_db
def test_r6_assign_to_an_unknown_user_is_an_error_beside_the_field(client, manager, person):
    response = client.post(reverse("customers:assign", args=[person.number]), {"responsible": "424242"})

    assert response.status_code == 200
    assert 'data-field-error="responsible"' in response.content.decode()
    assert not Notification.objects.exists()


# --- the sign-in page (its throttling: kund/core/tests/test_throttle.py) ---------------------------------


def test_sign_in_page_has_a_csrf_token(client, db):
    response = client.get(reverse("login"))

    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
