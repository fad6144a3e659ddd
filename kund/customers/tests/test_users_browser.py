"""R-9 in a browser: an administrator creates a user with two rights — after the page refused a weak
password beside its field — and the user signs in with exactly those rights; then the administrator
deactivates them, after the confirmation, and they can no longer sign in. Screenshots go to
build/screenshots/."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ADMIN_PASSWORD = "rätt-häst-batteri-häfta"
PASSWORD = "Lingonris-vid-Storsjön-7"


def sign_in(page, live_server, username: str, password: str) -> None:
    page.goto(live_server.url + reverse("login"))
    page.fill('input[name="username"]', username)
    page.fill('input[name="password"]', password)
    page.click('#login-form button[type="submit"]')


def sign_out(page) -> None:
    page.click("#nav-sign-out")
    page.wait_for_url(re.compile(r"/accounts/login/"))


def test_r9_an_administrator_creates_a_user_with_two_rights_who_signs_in_with_them(
    live_server, page, screenshot_dir
):
    # given an administrator, signed in
    get_user_model().objects.create_superuser("astrid.admin", "astrid@kund.test", ADMIN_PASSWORD)
    sign_in(page, live_server, "astrid.admin", ADMIN_PASSWORD)
    page.wait_for_url(live_server.url + "/")

    # when she opens the users from the navigation and starts a new one
    page.click("#nav-administration")
    page.click("#nav-users")
    page.wait_for_url(live_server.url + reverse("users:list"))
    page.click("#user-create")
    page.fill("#id_username", "karin.lund")
    page.fill("#id_first_name", "Karin")
    page.fill("#id_last_name", "Lund")
    page.fill("#id_email", "karin.lund@norrfjall.se")
    page.fill("#id_password", "karin.lund1")
    page.fill("#id_password_again", "karin.lund1")
    # each right is described in a line beside its box
    view = page.locator('[data-right="view_customer"]')
    assert "Sees every customer" in view.inner_text()
    view.locator("input").check()
    erase = page.locator('[data-right="erase_customer"]')
    assert "cannot be undone" in erase.inner_text()
    erase.locator("input").check()
    page.click("#user-save")

    # then a password too like the username is refused beside its field, and the ticks are kept
    error = page.locator('[data-field-error="password"]')
    assert "too similar" in error.inner_text()
    assert page.locator("#id_password").get_attribute("class").endswith("is-invalid")
    assert view.locator("input").is_checked() and erase.locator("input").is_checked()
    page.screenshot(path=str(screenshot_dir / "user-create-refused.png"), full_page=True)

    # when she gives a better one
    page.fill("#id_password", PASSWORD)
    page.fill("#id_password_again", PASSWORD)
    page.click("#user-save")

    # then the user's page, with the two rights ticked
    page.wait_for_url(re.compile(r"/users/\d+/$"))
    assert "The user karin.lund was created." in page.locator("#messages").inner_text()
    ticked = page.locator('#rights-form input[name="rights"]:checked')
    assert sorted(ticked.evaluate_all("boxes => boxes.map(b => b.value)")) == [
        "erase_customer",
        "view_customer",
    ]
    page.screenshot(path=str(screenshot_dir / "user-detail.png"), full_page=True)
    sign_out(page)

    # when the new user signs in
    sign_in(page, live_server, "karin.lund", PASSWORD)
    page.wait_for_url(live_server.url + "/")

    # then she has the register and the erasure log, and not the users
    assert page.locator("#nav-customers").is_visible()
    page.click("#nav-administration")
    assert page.locator("#nav-erasure-log").is_visible()
    assert page.locator("#nav-users").count() == 0
    assert page.goto(live_server.url + reverse("users:list")).status == 403
    sign_out(page)

    # when the administrator deactivates her, through the confirmation
    sign_in(page, live_server, "astrid.admin", ADMIN_PASSWORD)
    page.wait_for_url(live_server.url + "/")
    karin = get_user_model().objects.get(username="karin.lund")
    page.goto(live_server.url + reverse("users:detail", args=[karin.pk]))
    page.click("#user-deactivate")
    assert "Deactivate karin.lund?" in page.locator("#deactivate-confirm").inner_text()
    page.click("#deactivate-submit")
    page.wait_for_url(live_server.url + reverse("users:detail", args=[karin.pk]))
    assert page.locator("#user-state").inner_text().strip() == "deactivated"
    sign_out(page)

    # then she cannot sign in any more
    sign_in(page, live_server, "karin.lund", PASSWORD)
    assert page.locator("#login-form").is_visible()
    assert page.url.startswith(live_server.url + reverse("login"))
