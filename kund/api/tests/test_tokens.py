"""API tokens (SPEC B-9): made by `kund api_token create` or on the web page, shown once, stored only as a
hash, acting with their user's rights, revoked at once, refused for an inactive user, throttled each on
its own."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from kund.api.models import ApiToken
from kund.api.tests.conftest import Api, problem_of
from kund.api.tokens import token_create
from kund.core.tests.test_permission_matrix import make_persona

pytestmark = pytest.mark.django_db

LIST = "/api/customers/"


def _create(username: str, *extra: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("api_token", "create", username, *extra, stdout=out, stderr=err)
    return out.getvalue().strip(), err.getvalue()


def _every_text_value_in_the_database() -> str:
    values = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            if table.startswith("api_"):
                cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
                values += [str(v) for row in cursor.fetchall() for v in row]
    return "\n".join(values)


# --- the command --------------------------------------------------------------------------------------------


def test_b9_command_prints_a_token_once_and_stores_only_its_hash():
    # given a user with the view right
    user = make_persona("view")

    # when
    secret, note = _create(user.username, "--name", "Webbshop")

    # then the token works, is stored by its SHA-256 only, and the command says it is shown once
    assert secret.startswith("kund_") and len(secret) > 40
    token = ApiToken.objects.get(user=user)
    assert token.name == "Webbshop"
    assert token.key_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in _every_text_value_in_the_database()
    assert "only this once" in note
    assert Api(secret).get(LIST).status_code == 200


@pytest.mark.parametrize("username", ["nobody", "inactive"])
def test_b9_command_refuses_an_unknown_or_inactive_user_with_exit_2(username):
    # given
    get_user_model().objects.create_user("inactive", is_active=False)

    # when
    with pytest.raises(CommandError) as refused:
        _create(username)

    # then
    assert refused.value.returncode == 2
    assert ApiToken.objects.count() == 0


def test_b9_command_lists_tokens_without_secrets_and_revokes_one():
    # given two tokens
    user = make_persona("view")
    first, _note = _create(user.username, "--name", "Kassa")
    second, _note = _create(user.username, "--name", "Bokföring")
    kassa = ApiToken.objects.get(name="Kassa")

    # when
    listing = io.StringIO()
    call_command("api_token", "list", user.username, stdout=listing)
    call_command("api_token", "revoke", str(kassa.pk), stdout=io.StringIO())

    # then the list names both and shows neither secret; the revoked one stops working at once
    assert "Kassa" in listing.getvalue() and "Bokföring" in listing.getvalue()
    assert first not in listing.getvalue() and second not in listing.getvalue()
    assert Api(first).get(LIST).status_code == 401
    assert Api(second).get(LIST).status_code == 200


@pytest.mark.parametrize("token_id", ["999999", "abc", "9" * 40])
def test_b9_command_revoking_an_unknown_token_exits_2(token_id):
    with pytest.raises(CommandError) as refused:
        call_command("api_token", "revoke", token_id, stdout=io.StringIO())
    assert refused.value.returncode == 2


# --- authentication -----------------------------------------------------------------------------------------


def test_b9_a_token_acts_with_its_users_rights_only():
    # given a token of a user who may view customers but not create them
    api = Api(token_create(user=make_persona("view"), name="t").secret)

    # when / then
    assert api.get(LIST).status_code == 200
    response = api.post(LIST, {"kind": "private", "first_name": "Sven", "last_name": "Ek"})
    assert response.status_code == 403
    assert problem_of(response)["detail"] == "You do not have the right to create customers."


def test_b9_the_token_of_an_inactive_user_is_refused():
    # given a token whose user is then deactivated
    user = make_persona("administrator")
    api = Api(token_create(user=user, name="t").secret)
    get_user_model().objects.filter(pk=user.pk).update(is_active=False)

    # when
    response = api.get(LIST)

    # then
    assert response.status_code == 401
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer a b",
        "Bearer kund_ä",
        "Token abc",
        "bearer kund_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    ],
)
def test_b9_malformed_or_unknown_credentials_are_a_401_problem(header):
    # when
    response = Api().get(LIST, headers={"Authorization": header})

    # then
    assert response.status_code == 401
    assert problem_of(response)["type"] == "about:blank"
    assert response["WWW-Authenticate"].startswith('Bearer realm="kund"')


def test_b9_last_use_is_recorded_at_most_once_a_minute():
    # given a token used long ago
    made = token_create(user=make_persona("view"), name="t")
    long_ago = timezone.now() - timedelta(days=3)
    ApiToken.objects.filter(pk=made.token.pk).update(last_used_at=long_ago)
    api = Api(made.secret)

    # when used twice now
    api.get(LIST)
    first = ApiToken.objects.get(pk=made.token.pk).last_used_at
    api.get(LIST)

    # then the first use is recorded, the second within the minute writes nothing
    assert first > long_ago
    assert ApiToken.objects.get(pk=made.token.pk).last_used_at == first


def test_b9_requests_are_throttled_per_token(settings):
    # given a limit of three requests a minute, and two tokens
    settings.KUND_API_RATE = "3/min"
    user = make_persona("view")
    busy, other = (Api(token_create(user=user, name=name).secret) for name in ("busy", "other"))

    # when the first token asks four times
    statuses = [busy.get(LIST).status_code for _ in range(4)]

    # then the fourth is refused with a problem and when to try again; the other token is not held back
    assert statuses == [200, 200, 200, 429]
    refused = busy.get(LIST)
    assert problem_of(refused)["status"] == 429
    assert int(refused["Retry-After"]) > 0
    assert other.get(LIST).status_code == 200


# --- the web page -------------------------------------------------------------------------------------------

PAGE = "/api-tokens/"


def test_b9_a_user_makes_a_token_on_the_page_and_sees_it_only_once(client):
    # given a signed-in user without any right
    user = make_persona("no right")
    client.force_login(user)

    # when
    made = client.post(PAGE, {"name": "Min integration"})
    later = client.get(PAGE)

    # then the answer shows the token and is not cached; the page afterwards lists it without it
    secret = made.context["new_token"]
    assert secret in made.content.decode()
    assert "no-store" in made["Cache-Control"]
    assert ApiToken.objects.get(user=user).name == "Min integration"
    assert "Min integration" in later.content.decode()
    assert secret not in later.content.decode()
    assert Api(secret).get(LIST).status_code == 403  # it works, with the user's (lack of) rights


def test_b9_the_page_shows_and_revokes_only_ones_own_tokens(client):
    # given two users with a token each
    anna, bo = make_persona("view"), make_persona("change")
    anna_token = token_create(user=anna, name="Annas kassa")
    bo_token = token_create(user=bo, name="Bos bokföring")
    client.force_login(anna)

    # when anna looks, then tries to revoke bo's token and revokes her own
    page = client.get(PAGE).content.decode()
    others = client.post(reverse("api_tokens:revoke", args=[bo_token.token.pk]))
    own = client.post(reverse("api_tokens:revoke", args=[anna_token.token.pk]))

    # then she saw only hers, bo's is untouched, hers is gone
    assert "Annas kassa" in page and "Bos bokföring" not in page
    assert others.status_code == 404
    assert own.status_code == 302
    assert Api(bo_token.secret).get(LIST).status_code == 200
    assert Api(anna_token.secret).get(LIST).status_code == 401


def test_b9_a_token_needs_a_name(client):
    client.force_login(make_persona("view"))
    response = client.post(PAGE, {"name": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert ApiToken.objects.count() == 0


def test_b9_the_navbar_leads_to_the_token_page(client):
    client.force_login(make_persona("view"))
    assert f'href="{PAGE}"' in client.get("/").content.decode()
