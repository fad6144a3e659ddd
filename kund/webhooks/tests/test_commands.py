"""`kund webhooks` (SPEC §9): add, list, test; bad input is one line and exit status 2, nothing saved."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from standardwebhooks.webhooks import Webhook

from kund.webhooks.models import Subscription

pytestmark = pytest.mark.django_db

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def run(*args) -> str:
    out = io.StringIO()
    call_command("webhooks", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def test_add_with_a_secret_and_event_types():
    # when
    output = run(
        "add", "https://bokforing.example.se/hooks", "--secret", SECRET, "--events", "customer.deleted"
    )

    # then
    subscription = Subscription.objects.get()
    assert subscription.url == "https://bokforing.example.se/hooks"
    assert subscription.secret == SECRET and subscription.events == ["customer.deleted"]
    assert subscription.active
    assert f"subscription {subscription.pk}" in output and SECRET not in output


def test_add_without_a_secret_makes_one_and_prints_it_once():
    data = json.loads(run("add", "http://127.0.0.1:8080/", "--json"))
    subscription = Subscription.objects.get()
    assert data["secret"] == subscription.secret and data["secret"].startswith("whsec_")
    Webhook(data["secret"])  # the library takes it
    assert data["events"] == ["customer.deleted", "customer.anonymized"]
    assert "secret" not in json.loads(run("list", "--json"))["subscriptions"][0]


@pytest.mark.parametrize(
    "args",
    [
        ["add", "ftp://example.se/", "--secret", SECRET],
        ["add", "not a url", "--secret", SECRET],
        ["add", "https://example.se/", "--secret", "whsec_!!!"],
        ["add", "https://example.se/", "--secret", SECRET, "--events", "customer.created"],
        ["add", "https://example.se/", "--secret", SECRET, "--events", ","],
        ["test", "999"],
    ],
)
def test_bad_input_exits_2_and_saves_nothing(args):
    with pytest.raises(CommandError) as error:
        run(*args)
    assert error.value.returncode == 2
    assert "\n" not in str(error.value)
    assert not Subscription.objects.exists()


def test_test_sends_a_test_event(receiver):
    run("add", receiver.url, "--secret", SECRET)
    output = run("test", str(Subscription.objects.get().pk))
    assert output.startswith("delivered: status 200")
    assert len(receiver.requests) == 1


def test_test_to_a_system_that_is_down_exits_1(down):
    run("add", down.url, "--secret", SECRET)
    with pytest.raises(CommandError) as error:
        run("test", str(Subscription.objects.get().pk))
    assert error.value.returncode == 1
