"""The order list's search and filters: by number or by customer (R-2), delivered and invoiced or not,
dated between two days."""

from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.urls import reverse

from kund.customers.tests.register_fixtures import new_company, new_private
from kund.sales.models import Order

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def seller(client):
    user = get_user_model().objects.create_user("sara.seller", "sara@kund.test", "pw")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="customers", codename="view_customer")
    )
    client.force_login(user)
    return user


@pytest.fixture
def orders():
    ingrid = new_private()
    nordkyl = new_company(name="Nordkyl Service AB", organisation_number="", email="order@nordkyl.se")
    rows = [
        (ingrid, 8001, date(2025, 3, 10), True, True),
        (ingrid, 8002, date(2025, 5, 2), False, False),
        (nordkyl, 8003, date(2025, 4, 15), True, False),
        (nordkyl, 8004, date(2025, 6, 1), False, False),
    ]
    return [
        Order.objects.create(customer=c, number=n, date=d, delivered=delivered, invoiced=invoiced)
        for c, n, d, delivered, invoiced in rows
    ]


def shown(response) -> list[int]:
    return [o.number for o in response.context["orders"]]


@pytest.mark.parametrize(
    "params,expected",
    [
        ({"q": "O-8003"}, [8003]),
        ({"q": "lindqvist"}, [8002, 8001]),
        ({"q": "nordkyl.se"}, [8004, 8003]),
        ({"delivered": "no"}, [8004, 8002]),
        ({"invoiced": "no"}, [8004, 8002, 8003]),
        ({"delivered": "yes", "invoiced": "no"}, [8003]),
        ({"date_from": "2025-04-15", "date_to": "2025-05-02"}, [8002, 8003]),
        ({"q": "nordkyl", "delivered": "no"}, [8004]),
    ],
)
def test_the_order_list_searches_and_filters(client, seller, orders, params, expected):
    assert shown(client.get(reverse("sales:order_list"), params)) == expected


def test_a_date_range_the_wrong_way_round_is_an_error_not_an_empty_list(client, seller, orders):
    response = client.get(reverse("sales:order_list"), {"date_from": "2025-06-01", "date_to": "2025-03-01"})

    assert shown(response) == []
    assert "The last day is before the first." in response.content.decode()
