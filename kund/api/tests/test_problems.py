"""Every failure of the API is a problem (RFC 9457, SPEC B-9), never an HTML page or a bare 500."""

import logging

import pytest

from kund.api import views
from kund.api.tests.conftest import problem_of
from kund.demo.testing.factories import make_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def api(api_as):
    return api_as("administrator")


@pytest.mark.parametrize("path", ["/api/", "/api/nothing/", "/api/customers", "/api/customers/1/unknown/"])
def test_b9_an_unknown_path_under_api_is_a_404_problem(api, path):
    response = api.get(path)
    assert response.status_code == 404
    assert problem_of(response)["type"] == "about:blank"


def test_b9_an_unknown_path_is_a_404_even_without_a_token(db):
    from kund.api.tests.conftest import Api

    assert problem_of(Api().post("/api/customers/1/unknown/", {}))["status"] == 404


def test_b9_a_method_the_endpoint_does_not_have_is_a_405(api):
    response = api.client.delete("/api/customers/", headers=api._headers(None))
    assert response.status_code == 405
    problem_of(response)


def test_b9_a_body_that_is_not_json_is_a_415(api):
    response = api.client.post(
        "/api/customers/", "first_name=Sven", content_type="text/plain", headers=api._headers(None)
    )
    assert response.status_code == 415
    problem_of(response)


@pytest.mark.parametrize(
    "body",
    [
        b"{",  # broken
        b"[1, 2]",  # not an object
        b'"just text"',
        b'{"last_name": NaN}',  # not JSON
        b'{"last_name": "\\ud800"}',  # a lone surrogate: no database can store it
    ],
)
def test_b9_malformed_json_is_a_400(api, body):
    response = api.client.post(
        "/api/customers/", body, content_type="application/json", headers=api._headers(None)
    )
    assert response.status_code == 400
    problem_of(response)


def test_b9_a_body_beyond_the_upload_limit_is_a_413(api, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    body = b'{"info": "' + b"x" * 2000 + b'"}'
    response = api.client.post(
        "/api/customers/", body, content_type="application/json", headers=api._headers(None)
    )
    assert response.status_code == 413
    problem_of(response)


def test_b9_nul_characters_are_refused_not_stored(api):
    response = api.post("/api/customers/", {"last_name": "Ek\x00"})
    assert response.status_code == 400
    assert "last_name" in problem_of(response)["errors"]


def test_b9_an_unexpected_error_is_a_500_problem_that_says_nothing_more(api, monkeypatch, caplog):
    # given a customer, and a planner that fails in a way nobody foresaw, holding the customer's name
    customer = make_customer()

    def broken(customer):
        raise RuntimeError(f"boom: {customer.name}")

    monkeypatch.setattr(views, "plan_customer", broken)

    # when
    with caplog.at_level(logging.ERROR, logger="kund.api"):
        response = api.get(f"/api/customers/{customer.number}/erasure-plan/")

    # then a problem without the message; the log names the exception's type and where, not the name
    assert response.status_code == 500
    problem = problem_of(response)
    assert customer.name not in response.content.decode()
    assert problem["detail"] == "Something went wrong on our side."
    assert "unexpected RuntimeError in ErasurePlanView" in caplog.text
    assert "in broken" in caplog.text
    assert customer.name not in caplog.text


def test_b9_answers_are_not_kept_by_caches(api):
    customer = make_customer()
    for path in ("/api/customers/", f"/api/customers/{customer.number}/", "/api/nothing/"):
        assert "no-store" in api.get(path)["Cache-Control"]


def test_b9_head_reads_the_parameters_get_reads(api):
    response = api.client.head("/api/customers/", {"q": "ingrid"}, headers=api._headers(None))
    assert response.status_code == 200
