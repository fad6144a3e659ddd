"""The pages of the connected systems: an administrator subscribes one (the secret shown once), sees every
attempt without a body, and sends a test event."""

import pytest
from django.urls import reverse

from kund.webhooks import services
from kund.webhooks.models import Attempt, Subscription

pytestmark = pytest.mark.django_db


def test_subscribing_shows_the_made_secret_once(client, admin_user):
    # given
    client.force_login(admin_user)

    # when
    response = client.post(
        reverse("webhooks:list"),
        {
            "name": "Webbutiken",
            "url": "https://butik.example.se/kund",
            "secret": "",
            "events": ["customer.anonymized"],
        },
    )

    # then the page shows the secret the subscription signs with, and no later page shows it again
    subscription = Subscription.objects.get()
    assert subscription.events == ["customer.anonymized"] and subscription.name == "Webbutiken"
    assert response.status_code == 200
    assert subscription.secret in response.content.decode()
    detail = client.get(reverse("webhooks:detail", args=[subscription.pk])).content.decode()
    assert subscription.secret not in detail
    assert subscription.secret not in client.get(reverse("webhooks:list")).content.decode()


def test_bad_input_is_shown_beside_the_field_and_saves_nothing(client, admin_user):
    client.force_login(admin_user)
    response = client.post(
        reverse("webhooks:list"), {"url": "gopher://x", "secret": "whsec_%%%", "events": []}
    )
    assert response.status_code == 200
    page = response.content.decode()
    for field in ("url", "secret", "events"):
        assert f'data-field-error="{field}"' in page
    assert not Subscription.objects.exists()


def test_the_page_lists_every_attempt_and_sends_a_test_event(client, admin_user, receiver, down):
    # given a subscription with one failed attempt
    subscription, _secret = services.subscription_create(actor=admin_user, url=receiver.url)
    Subscription.objects.filter(pk=subscription.pk).update(url=down.url)
    subscription.refresh_from_db()
    services.send_test_event(actor=admin_user, subscription=subscription)
    Subscription.objects.filter(pk=subscription.pk).update(url=receiver.url)
    client.force_login(admin_user)

    # when the administrator sends a test event from the page
    response = client.post(reverse("webhooks:test", args=[subscription.pk]), follow=True)

    # then it is delivered, and both attempts are listed with status, duration and error
    page = response.content.decode()
    assert "The test event was delivered: status 200" in page
    assert len(receiver.requests) == 1
    assert Attempt.objects.count() == 2
    assert page.count("data-attempt=") == 2
    assert "connection failed" in page


def test_pausing_and_resuming(client, admin_user):
    subscription, _secret = services.subscription_create(actor=admin_user, url="https://example.se/")
    client.force_login(admin_user)
    client.post(reverse("webhooks:active", args=[subscription.pk]), {})
    subscription.refresh_from_db()
    assert not subscription.active
    client.post(reverse("webhooks:active", args=[subscription.pk]), {"active": "on"})
    subscription.refresh_from_db()
    assert subscription.active
