"""Every endpoint of the API asks the same rules as the web (kund.core.rules): the web's permission matrix
(kund/core/tests/test_permission_matrix.py), over the API's URL configuration and with tokens. A new named
URL under /api/ without a row here fails the suite.

A persona that may not gets a 403 (no right) or a 404 (a customer it may not view does not exist for it),
as a problem, and changes nothing; without a token, or with a bad one, every endpoint is a 401 that names
the Bearer scheme.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kund.api.tests.conftest import Api, problem_of
from kund.core.tests.test_permission_matrix import (
    ADMIN,
    ERASERS,
    MASS,
    PERSONAS,
    REGISTER,
    TWIN,
    VIEWERS,
    World,
    allowed_for,
    make_persona,
)
from kund.customers.models import Customer
from kund.requests.models import DataRequest

pytestmark = pytest.mark.django_db

CHANGERS = frozenset({"change", "administrator"})
LOG_READERS = frozenset({"erase", "erase + only assigned", "mass", "administrator"})


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    allowed: frozenset[str]
    args: Callable[[World], list] = lambda w: []
    # Bodies that the endpoint refuses (400) once the rights are checked: a row never changes anything.
    body: Callable[[World], dict | None] = lambda w: None
    ok: tuple[int, ...] = (200,)
    # Whether the "only assigned" personas act as their twins on their own customer; not at the request
    # register, which is about no one customer and closed to them (rules.may_handle_requests).
    twins: bool = True


def _number(w: World) -> list:
    return [w.customer.number]


def _run(w: World) -> list:
    return [w.other_job.pk]


def _request(w: World) -> list:
    return [w.extra["request_pk"]]


ENDPOINTS = [
    Endpoint("api:customer-list", "get", REGISTER),
    Endpoint("api:customer-list", "post", ADMIN, body=lambda w: {"kind": "nonsense"}, ok=(400,)),
    Endpoint("api:customer-detail", "get", VIEWERS, args=_number),
    Endpoint("api:customer-detail", "patch", CHANGERS, args=_number, body=lambda w: {"kind": "x"}, ok=(400,)),
    Endpoint("api:customer-erasure-plan", "get", ERASERS, args=_number),
    Endpoint("api:customer-erase", "post", ERASERS, args=_number, body=lambda w: {}, ok=(400,)),
    Endpoint("api:customer-export", "get", VIEWERS, args=_number),
    Endpoint("api:mass-erasure-list", "post", MASS, body=lambda w: {"criteria": "x"}, ok=(400,)),
    Endpoint("api:mass-erasure-detail", "get", MASS, args=_run),
    Endpoint("api:mass-erasure-detail", "delete", MASS, args=_run, ok=(204,)),
    Endpoint("api:mass-erasure-start", "post", MASS, args=_run, body=lambda w: {}, ok=(400,)),
    Endpoint("api:erasure-log", "get", LOG_READERS),
    # data-subject requests (B-7): the erasure right and the view right (rules.may_handle_requests)
    Endpoint("api:request-list", "get", ERASERS, twins=False),
    Endpoint(
        "api:request-list", "post", ERASERS, body=lambda w: {"kind": "nonsense"}, ok=(400,), twins=False
    ),
    Endpoint("api:request-detail", "get", ERASERS, args=_request, twins=False),
    Endpoint(
        "api:request-detail", "patch", ERASERS, args=_request, body=lambda w: {}, ok=(400,), twins=False
    ),
]
# Open to anyone, token or not: the description of the API and its page hold no data.
PUBLIC = {"api:schema", "api:docs"}


def _api_urls(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= _api_urls(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name and namespace.startswith("api:"):
            names.add(f"{namespace}{entry.name}")
    return names


def test_every_api_url_has_a_row():
    # given every named URL of the API
    urls = _api_urls()
    # then each has a row (or is public), and no row names a URL that does not exist
    rows = {endpoint.name for endpoint in ENDPOINTS}
    assert urls - rows - PUBLIC == set(), "an API URL without a row in the API's permission matrix"
    assert (rows | PUBLIC) - urls == set(), "a row for an API URL that does not exist"


CASES = [
    pytest.param(e, persona, own, id=f"{e.name}-{e.method}-{persona}{'-own' if own else ''}")
    for e in ENDPOINTS
    for persona in PERSONAS
    for own in ((False, True) if persona in TWIN else (False,))
]


def _snapshot(w: World):
    return (
        Customer.objects.filter(pk=w.customer.pk).values().first(),
        Customer.objects.count(),
        list(DataRequest.objects.values()),
    )


@pytest.mark.parametrize(("endpoint", "persona", "own"), CASES)
def test_every_endpoint_asks_the_rules(api_as, world, endpoint, persona, own):
    # given a persona's token, and the world (its customer assigned to the persona or not)
    user = make_persona(persona)
    w = world(assigned_to=user if own else None)
    api = api_as(user)
    before = _snapshot(w)

    # when
    response = api.send(endpoint.method, reverse(endpoint.name, args=endpoint.args(w)), endpoint.body(w))

    # then
    if allowed_for(endpoint.allowed, persona, own=own, twins=endpoint.twins):
        assert response.status_code in endpoint.ok, (response.status_code, response.content[:300])
    else:
        assert response.status_code in (403, 404), response.status_code
        problem_of(response)
        assert _snapshot(w) == before


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[f"{e.name}-{e.method}" for e in ENDPOINTS])
@pytest.mark.parametrize("token", [None, "kund_not-a-token-at-all-but-long-enough-to-be-one", "Basic"])
def test_without_a_valid_token_every_endpoint_is_a_401(world, endpoint, token):
    # given no token, an unknown one, or another scheme
    w = world()
    api = Api(None if token in (None, "Basic") else token)
    headers = {"Authorization": "Basic YWRtaW46YWRtaW4="} if token == "Basic" else None
    before = _snapshot(w)

    # when
    path = reverse(endpoint.name, args=endpoint.args(w))
    if endpoint.method == "get":
        response = api.get(path, headers=headers)
    else:
        response = getattr(api, endpoint.method)(path, endpoint.body(w), headers=headers)

    # then
    assert response.status_code == 401
    assert problem_of(response)["title"] == "Unauthorized"
    assert response["WWW-Authenticate"].startswith("Bearer ")
    assert _snapshot(w) == before


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_the_description_is_public(db, name):
    assert Api().get(reverse(name)).status_code == 200
