"""The OpenAPI description at /api/schema/ and its page at /api/docs/ (SPEC B-9): every endpoint with its
request and response schemas, its problems and the Bearer scheme; the page served from Kund's own static
files."""

import io
import re

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command

from kund.api.tests.conftest import Api
from kund.customers.filtersets import CustomerFilterSet

pytestmark = pytest.mark.django_db

OPERATIONS = {
    ("get", "/api/customers/"),
    ("post", "/api/customers/"),
    ("get", "/api/customers/{number}/"),
    ("patch", "/api/customers/{number}/"),
    ("get", "/api/customers/{number}/erasure-plan/"),
    ("post", "/api/customers/{number}/erase/"),
    ("get", "/api/customers/{number}/export/"),
    ("post", "/api/mass-erasures/"),
    ("get", "/api/mass-erasures/{id}/"),
    ("delete", "/api/mass-erasures/{id}/"),
    ("post", "/api/mass-erasures/{id}/start/"),
    ("get", "/api/erasure-log/"),
    ("get", "/api/requests/"),
    ("post", "/api/requests/"),
    ("get", "/api/requests/{id}/"),
    ("patch", "/api/requests/{id}/"),
}


@pytest.fixture
def document(db) -> dict:
    response = Api().get("/api/schema/")
    assert response.status_code == 200
    return response.json()


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method, path, operation


def test_b9_the_description_is_valid_openapi_without_warnings(tmp_path):
    # drf-spectacular checks the document against the OpenAPI 3 schema; warnings (a view it cannot
    # describe, an enum it must guess a name for) fail too
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--file",
        str(tmp_path / "s.json"),
        stderr=io.StringIO(),
    )


def test_b9_the_description_has_every_endpoint_of_the_spec(document):
    assert {(method, path) for method, path, _op in _operations(document)} == OPERATIONS


def test_b9_every_operation_needs_a_bearer_token_and_describes_its_problems(document):
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": document["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    for method, path, operation in _operations(document):
        assert operation["security"] == [{"bearerAuth": []}], (method, path)
        responses = operation["responses"]
        success = [code for code in responses if code.startswith("2")]
        if method == "delete":  # no body: "204 No Content"
            assert success == ["204"] and "content" not in responses["204"], (method, path)
        else:
            assert len(success) == 1, (method, path)
            assert "application/json" in responses[success[0]]["content"], (method, path)
        for code in {"401", "429"} | ({"400", "415"} if method in ("post", "patch") else set()):
            assert set(responses[code]["content"]) == {"application/problem+json"}, (method, path, code)
        if "{number}" in path or "{id}" in path:
            assert "404" in responses, (method, path)
        if method in ("post", "patch"):
            body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
            assert document["components"]["schemas"][body]["additionalProperties"] is False


def test_b9_a_blocked_erasure_describes_its_blockers(document):
    conflict = document["paths"]["/api/customers/{number}/erase/"]["post"]["responses"]["409"]
    name = conflict["content"]["application/problem+json"]["schema"]["$ref"].split("/")[-1]
    assert {"type", "title", "status", "detail", "blockers"} <= set(
        document["components"]["schemas"][name]["properties"]
    )


def test_b9_the_list_is_described_with_the_web_lists_own_filters(document):
    parameters = {p["name"] for p in document["paths"]["/api/customers/"]["get"]["parameters"]}
    assert parameters == set(CustomerFilterSet.base_filters) | {"sort", "cursor", "page_size"}


def test_b9_the_docs_page_uses_kunds_own_static_files(client, db):
    # when
    page = client.get("/api/docs/").content.decode()

    # then Swagger UI comes from Kund's static files, which are there, and nothing from elsewhere
    assert 'data-schema-url="/api/schema/"' in page
    sources = re.findall(r'(?:src|href)="(/static/[^"]+)"', page)
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in sources
    assert "/static/vendor/swagger-ui/swagger-ui.css" in sources
    for source in sources:
        assert finders.find(source.removeprefix("/static/")), source
    assert not re.findall(r'(?:src|href)="(?:https?:)?//', page)
