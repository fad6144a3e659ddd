"""The project stands up: URLs resolve, the sign-in form renders, the front-end assets are there."""

import pytest
from django.contrib.auth.models import Permission
from django.contrib.staticfiles import finders
from django.urls import reverse


@pytest.mark.django_db
def test_home_sends_an_anonymous_visitor_to_sign_in(client):
    # when
    response = client.get("/")

    # then
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


@pytest.mark.django_db
def test_login_page_has_username_and_password_fields(client):
    response = client.get(reverse("login"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="username"' in html
    assert 'name="password"' in html
    assert 'type="password"' in html


@pytest.mark.django_db
def test_home_renders_for_a_signed_in_user_without_rights(client, django_user_model):
    user = django_user_model.objects.create_user("clerk", password="not-used-anywhere")
    client.force_login(user)

    response = client.get("/")

    assert response.status_code == 200
    assert response.context["nav_can_view_customers"] is False
    assert response.context["nav_can_admin"] is False
    assert b'id="nav-customers"' not in response.content
    assert b'id="nav-admin"' not in response.content


@pytest.mark.django_db
def test_navbar_shows_customers_to_a_user_who_sees_only_assigned_customers(client, django_user_model):
    user = django_user_model.objects.create_user("seller", password="not-used-anywhere")
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="customers", codename="view_assigned_customer")
    )
    client.force_login(user)

    response = client.get("/")

    assert b'id="nav-customers"' in response.content
    assert b'id="nav-admin"' not in response.content


@pytest.mark.django_db
def test_navbar_shows_customers_and_admin_to_a_superuser(client, admin_user):
    client.force_login(admin_user)

    response = client.get("/")

    assert b'id="nav-customers"' in response.content
    assert b'href="/customers/"' in response.content
    assert b'id="nav-admin"' in response.content


@pytest.mark.parametrize(
    "path",
    [
        "vendor/bootstrap/css/bootstrap.min.css",
        "vendor/bootstrap/js/bootstrap.bundle.min.js",
        "vendor/bootstrap-icons/bootstrap-icons.min.css",
        "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
        "vendor/htmx/htmx.min.js",
    ],
)
def test_front_end_assets_come_from_node_modules(path):
    # A miss here means `npm ci` has not run (make npm).
    assert finders.find(path), path


@pytest.mark.browser
def test_sign_in_in_a_browser(live_server, page, screenshot_dir, django_user_model):
    # given
    django_user_model.objects.create_superuser("admin", "admin@example.com", "correct-horse-battery")

    # when: a visitor opens the start page, is sent to sign in, and signs in
    page.goto(live_server.url + "/")
    assert page.url.startswith(live_server.url + reverse("login"))
    assert page.locator("#login-form").is_visible()
    page.screenshot(path=str(screenshot_dir / "sign-in-form.png"))
    page.fill('input[name="username"]', "admin")
    page.fill('input[name="password"]', "correct-horse-battery")
    page.click('#login-form button[type="submit"]')

    # then: the start page with the navigation bar of a signed-in administrator
    page.wait_for_url(live_server.url + "/")
    navbar = page.locator("#navbar")
    assert navbar.locator(".navbar-brand").inner_text().strip() == "Kund"
    assert navbar.locator("#nav-customers").is_visible()
    navbar.locator("#nav-administration").click()  # the administrator's pages share one menu
    assert navbar.locator("#nav-admin").is_visible()
    assert navbar.locator("#nav-user").inner_text().strip() == "admin"
    # Bootstrap's stylesheet was served and applied (the navbar is a flex container).
    assert navbar.evaluate("el => getComputedStyle(el).display") == "flex"
    # htmx loaded from our static files.
    assert page.evaluate("typeof window.htmx") == "object"
    page.screenshot(path=str(screenshot_dir / "login.png"), full_page=True)
