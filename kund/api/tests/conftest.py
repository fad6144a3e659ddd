"""What the API's tests share: personas with tokens, and a client that speaks JSON with a Bearer token."""

import json

import pytest
from django.core.cache import cache
from django.test import Client

from kund.api.tokens import token_create
from kund.core.tests.test_permission_matrix import make_persona


class Api:
    """Django's test client, sending JSON with `Authorization: Bearer TOKEN` (or without a token)."""

    def __init__(self, token: str | None = None):
        self.client = Client()
        self.token = token

    def _headers(self, headers: dict | None) -> dict:
        sent = {} if self.token is None else {"Authorization": f"Bearer {self.token}"}
        return {**sent, **(headers or {})}

    def get(self, path: str, params: dict | None = None, headers: dict | None = None):
        return self.client.get(path, params or {}, headers=self._headers(headers))

    def post(self, path: str, body=None, headers: dict | None = None):
        data = "" if body is None else json.dumps(body)
        return self.client.post(path, data, content_type="application/json", headers=self._headers(headers))

    def patch(self, path: str, body=None, headers: dict | None = None):
        data = "" if body is None else json.dumps(body)
        return self.client.patch(path, data, content_type="application/json", headers=self._headers(headers))

    def delete(self, path: str, body=None, headers: dict | None = None):
        return self.client.delete(path, headers=self._headers(headers))

    def send(self, method: str, path: str, body=None):
        if method == "get":
            return self.get(path, body)
        return getattr(self, method)(path, body)


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Request counts live in the cache (kund.api.throttling); each test starts from none.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_as(db):
    """api_as("view") -> an Api with a token of a new user of that persona (kund.core's permission matrix);
    api_as(user) -> one with a token of that user."""

    def make(who) -> Api:
        user = make_persona(who) if isinstance(who, str) else who
        api = Api(token_create(user=user, name="tests").secret)
        api.user = user
        return api

    return make


def problem_of(response) -> dict:
    """The problem details of an error response, after checking they are problem details (RFC 9457)."""
    assert response["Content-Type"] == "application/problem+json", response["Content-Type"]
    body = response.json()
    assert body["status"] == response.status_code
    assert {"type", "title", "status", "detail"} <= set(body)
    return body


# The world the web's permission matrix asks every door about, asked of the API's doors too.
from kund.core.tests.test_permission_matrix import world  # noqa: E402, F401
