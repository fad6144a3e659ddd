from dataclasses import dataclass
from datetime import date, datetime, time

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from kund.customers.models import Customer
from kund.privacy.tests.massdata import company, order, private
from kund.support.models import SupportTicket
from kund.webhooks.tests.queue import Clock

TODAY = date(2025, 11, 25)  # the day the tests run on; a rule of 3 years reaches back to 2022-11-25


def local(day: date, hour: int = 12) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


@pytest.fixture
def clock(monkeypatch) -> Clock:
    clock = Clock()
    clock.set(local(TODAY))
    monkeypatch.setattr(timezone, "now", clock.now)
    return clock


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("admin", "admin@kund.test", "pw")


@dataclass
class Register:
    never: Customer  # private, created 2015, never bought
    old_buyer: Customer  # private, last bought 2016: anonymized
    blocked: Customer  # private, an undelivered order of 2016
    recent_buyer: Customer  # private, bought in 2025
    company: Customer  # a company created 2015 that never bought
    inactive: Customer  # private, inactive, created 2015, never bought
    ticket: Customer  # private, created 2015, never bought, a support ticket in 2025


@pytest.fixture
def register(db) -> Register:
    never = private("Astrid", "Berg", created=date(2015, 1, 1))
    old_buyer = private("Gunnar", "Holm", created=date(2015, 2, 1))
    order(old_buyer, date(2016, 2, 1))
    blocked = private("Sofia", "Lund", created=date(2015, 3, 1))
    order(blocked, date(2016, 3, 1), delivered=False)
    recent = private("Karin", "Ek", created=date(2015, 4, 1))
    order(recent, date(2016, 4, 1))
    order(recent, date(2025, 6, 1))
    firm = company("Rörfirma Holm AB", created=date(2015, 1, 15))
    inactive = private("Lars", "Wallin", created=date(2015, 5, 1), status=Customer.Status.INACTIVE)
    ticket = private("Maja", "Ström", created=date(2015, 6, 1))
    SupportTicket.objects.create(customer=ticket, number=990_001, created_at=local(date(2025, 3, 3)))
    return Register(never, old_buyer, blocked, recent, firm, inactive, ticket)
