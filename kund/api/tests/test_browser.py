"""The API's pages in a browser (SPEC B-9): a user makes a token from the menu under their name and sees it
once; /api/docs/ renders the OpenAPI description with Swagger UI from Kund's own static files, with no
request leaving the server."""

import pytest
from django.urls import reverse

from kund.api.models import ApiToken
from kund.api.tests.test_schema import OPERATIONS
from kund.core.tests.test_permission_matrix import make_persona

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_b9_a_user_makes_a_token_and_reads_the_documentation(live_server, page, screenshot_dir):
    # given a signed-in user with the view right
    user = make_persona("view")
    user.set_password("correct-horse-battery")
    user.save()
    page.goto(live_server.url + reverse("login"))
    page.fill('input[name="username"]', user.username)
    page.fill('input[name="password"]', "correct-horse-battery")
    page.click('#login-form button[type="submit"]')
    page.wait_for_url(live_server.url + "/")
    elsewhere = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(live_server.url) else elsewhere.append(request.url),
    )

    # when they open the menu under their name, go to the API tokens and make one
    page.click("#nav-user")
    page.click("#nav-api-tokens")
    page.fill('input[name="name"]', "Webbshop")
    page.click("#token-make")

    # then the token is shown once, and listed by name
    secret = page.locator("#new-token-value").inner_text().strip()
    assert secret.startswith("kund_")
    assert ApiToken.objects.get(user=user).name == "Webbshop"
    page.screenshot(path=str(screenshot_dir / "api-tokens.png"), full_page=True)

    # when they follow the link to the documentation
    page.click("#api-docs-link")

    # then Swagger UI draws every operation from the description, all from Kund's own server
    page.wait_for_selector("#swagger-ui .opblock", timeout=20_000)
    assert page.locator("#swagger-ui .opblock").count() == len(OPERATIONS)
    assert page.locator("#swagger-ui").get_by_text("/api/customers/{number}/erase/").count() >= 1
    assert elsewhere == []
    page.screenshot(path=str(screenshot_dir / "api-docs.png"), full_page=True)
