import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from kund.webhooks.tests.queue import Clock
from kund.webhooks.tests.receiver import receiver_down


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(timezone, "now", clock.now)
    return clock


@pytest.fixture
def receiver():
    """A connected system, listening."""
    r = receiver_down().start()
    yield r
    r.stop()


@pytest.fixture
def down():
    """A connected system that is down until the test starts it."""
    r = receiver_down()
    yield r
    r.stop()


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("admin", "admin@kund.test", "pw")
