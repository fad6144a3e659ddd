"""R-10: a customer user is never staff and never reaches the register or the admin.

The register's doors are taken from the permission matrix (which is generated from the URL configuration,
so every register URL is here), the admin's from its registry. A browser holding a portal session is, to
them, a visitor who is not signed in; a customer user's e-mail and password open neither the register's
sign-in nor the admin's; and every rule of kund.core.rules says no to a customer user.
"""

import inspect

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.urls import reverse

from kund.api.tests.test_api_matrix import ENDPOINTS
from kund.core import rules
from kund.core.rights import is_administrator
from kund.core.tests.test_permission_matrix import DOORS, world  # noqa: F401 (the fixture)
from kund.portal.backends import CustomerUserBackend
from kund.portal.models import CustomerUser
from kund.portal.tests.portal_fixtures import *  # noqa: F403
from kund.portal.tests.portal_fixtures import PASSWORD, portal_sign_in

pytestmark = pytest.mark.django_db


def _refused(response, sign_in: str) -> bool:
    """A 403, or a redirect to a sign-in page; never the page itself."""
    if response.status_code == 403:
        return True
    return response.status_code == 302 and response["Location"].startswith(sign_in)


@pytest.mark.parametrize("door", DOORS, ids=[door.name for door in DOORS])
def test_r10_a_customer_user_reaches_no_register_page(client, world, site, door):  # noqa: F811
    # given a browser signed in to the portal as a customer user
    w = world()
    portal_sign_in(client, site.user)
    assert client.get(reverse("portal:home")).context["portal_user"] == site.user

    # when it asks every register page, by every method the page has
    for method in door.methods:
        send = client.post if method == "post" else client.get
        response = send(reverse(door.name, args=door.args(w)), door.data(w))

        # then it is sent to the register's sign-in, as anyone not signed in is
        assert _refused(response, "/accounts/login/"), (door.name, method, response.status_code)


def _admin_urls() -> list[str]:
    urls = [reverse("admin:index")]
    for model in admin.site._registry:
        opts = model._meta
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        urls.append(reverse(f"admin:{opts.app_label}_{opts.model_name}_add"))
    return urls


def test_r10_a_customer_user_reaches_no_admin_page(client, site):
    # given
    portal_sign_in(client, site.user)
    urls = _admin_urls()
    assert len(urls) > 20

    # when / then
    for url in urls:
        response = client.get(url)
        assert _refused(response, "/admin/login/"), (url, response.status_code)


def test_r10_customer_users_are_not_in_the_admin():
    assert CustomerUser not in admin.site._registry


@pytest.mark.parametrize("sign_in", ["login", "admin:login"])
def test_r10_a_customer_users_password_opens_neither_the_register_nor_the_admin(client, site, sign_in):
    # when a customer user types their e-mail address and password into the register's or admin's sign-in
    response = client.post(reverse(sign_in), {"username": site.user.email, "password": PASSWORD})

    # then the form refuses them as it refuses a wrong password, and nobody is signed in
    assert response.status_code == 200
    assert response.context["form"].errors
    assert SESSION_KEY not in client.session


def test_r10_the_portal_backend_never_puts_a_customer_user_into_djangos_session(client, site):
    # given a session forged to name the customer user through the portal's backend
    session = client.session
    session[SESSION_KEY] = str(site.user.pk)
    session[BACKEND_SESSION_KEY] = "kund.portal.backends.CustomerUserBackend"
    session[HASH_SESSION_KEY] = ""
    session.save()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key

    # when it asks for the register
    response = client.get(reverse("customers:list"))

    # then nobody is signed in: the backend finds no one by id
    assert CustomerUserBackend().get_user(site.user.pk) is None
    assert _refused(response, "/accounts/login/")


def test_r10_the_portal_backend_answers_only_a_sign_in_that_asks_for_a_customer_user(rf, site):
    backend = CustomerUserBackend()
    request = rf.post("/")
    # without portal=True, Django cannot even call it (a required keyword): it skips it
    with pytest.raises(TypeError):
        inspect.signature(backend.authenticate).bind(request, username=site.user.email, password=PASSWORD)
    assert (
        backend.authenticate(request, username=site.user.email, password=PASSWORD, portal=True) == site.user
    )


def _predicates() -> list:
    """Every question the rules module answers about a user: its may_/is_/sees_ functions."""
    return [
        function
        for name, function in inspect.getmembers(rules, inspect.isfunction)
        if name.startswith(("may_", "is_", "sees_"))
    ]


def test_r10_every_rule_says_no_to_a_customer_user_whatever_it_holds(site):
    # given a customer user of the customer, with every portal right
    user, customer = site.user, site.customer
    assert len(_predicates()) >= 15

    # when every predicate of the rules module is asked about it
    answers = {}
    for predicate in _predicates():
        parameters = inspect.signature(predicate).parameters
        answers[predicate.__name__] = predicate(user, customer) if len(parameters) == 2 else predicate(user)

    # then every answer is no, and the rows it may view are none
    assert answers == dict.fromkeys(answers, False)
    assert not is_administrator(user)
    assert not rules.restrict(CustomerUser.objects.all(), user).exists()
    assert not (user.is_staff or user.is_superuser or user.has_perm("customers.view_customer"))


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[f"{e.name}-{e.method}" for e in ENDPOINTS])
def test_r10_a_customer_user_reaches_no_api_endpoint(client, world, site, endpoint):  # noqa: F811
    # given a browser signed in to the portal as a customer user (its cookie is all it has)
    w = world()
    portal_sign_in(client, site.user)

    # when it asks the API, by the endpoint's method
    path = reverse(endpoint.name, args=endpoint.args(w))
    send = getattr(client, endpoint.method)
    response = send(path) if endpoint.method == "get" else send(path, {}, content_type="application/json")

    # then the API knows no one: a portal session opens nothing there, as no API token is a customer user's
    assert response.status_code == 401, (endpoint.name, response.status_code)
