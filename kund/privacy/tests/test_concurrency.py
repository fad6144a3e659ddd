"""An order inserted from a second connection while a customer is being anonymized ends in one of two
clean outcomes: it waits until the anonymization has committed, or — when it came first — it blocks
the anonymization. Never a half-anonymized customer."""

import threading
import time
from datetime import date

import pytest
from django.db import connection, transaction

from kund.audit.models import ErasureLogEntry
from kund.customers.models import Customer
from kund.demo.testing.factories import Person, add_transactions, make_customer, next_number
from kund.privacy import services
from kund.privacy.services import ErasureRefused, customer_anonymize
from kund.sales.models import Order

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]

NAMES = ("first_name", "last_name", "name", "contact_person", "invoice_company_name")


def _insert_open_order(customer_id: int) -> None:
    Order.objects.create(
        customer_id=customer_id,
        number=next_number(),
        date=date.today(),
        delivered=False,
        invoiced=False,
        invoice_name="Ingrid Lindqvist",
    )


class Worker(threading.Thread):
    def __init__(self, target):
        super().__init__(daemon=True)
        self._target_fn, self.result, self.error, self.finished_at = target, None, None, None

    def run(self):
        try:
            self.result = self._target_fn()
        except Exception as exc:
            self.error = exc
        finally:
            self.finished_at = time.monotonic()
            connection.close()


def test_order_inserted_during_anonymization_waits_for_it(admin_user, monkeypatch):
    # given a customer whose anonymization is paused inside its transaction, rows locked
    customer = make_customer(actor=admin_user)
    add_transactions(customer)
    inside, release = threading.Event(), threading.Event()
    real = services._anonymize_rows

    def paused(ids, now):
        inside.set()
        release.wait(15)
        return real(ids, now)

    monkeypatch.setattr(services, "_anonymize_rows", paused)
    eraser = Worker(lambda: customer_anonymize(customer=customer, actor=admin_user))
    eraser.start()
    assert inside.wait(15)
    # when a second connection inserts an undelivered order for it
    inserter = Worker(lambda: _insert_open_order(customer.pk))
    inserter.start()
    time.sleep(0.8)
    # then the insert waits for the anonymization ...
    assert inserter.is_alive(), "the insert did not wait for the locked customer"
    committed_at = time.monotonic()
    release.set()
    eraser.join(20)
    inserter.join(20)
    assert eraser.error is None and inserter.error is None
    assert inserter.finished_at >= committed_at
    # ... which completed whole
    after = Customer.objects.get(pk=customer.pk)
    assert after.anonymized_at is not None
    assert all(getattr(after, name) == "Xxxx" for name in NAMES if name != "name")
    assert after.name == "Xxxx Xxxx"  # a private person


def test_order_committed_first_blocks_the_anonymization(admin_user):
    # given a second connection that has inserted an undelivered order and not yet committed
    customer = make_customer(actor=admin_user)
    add_transactions(customer)
    inserted, done = threading.Event(), threading.Event()

    def insert_and_hold():
        with transaction.atomic():
            _insert_open_order(customer.pk)
            inserted.set()
            time.sleep(0.8)
        done.set()

    inserter = Worker(insert_and_hold)
    inserter.start()
    assert inserted.wait(15)
    # when the anonymization starts meanwhile
    with pytest.raises(ErasureRefused) as refused:
        customer_anonymize(customer=customer, actor=admin_user)
    inserter.join(20)
    # then it waited for the order, saw it when re-checking, and changed nothing
    assert done.is_set() and inserter.error is None
    assert "not delivered" in str(refused.value)
    after = Customer.objects.get(pk=customer.pk)
    assert after.anonymized_at is None and after.first_name == "Ingrid"


def test_two_deletes_of_one_customer_at_once_one_deletes_the_other_is_told_already_erased(admin_user):
    # given a deletable customer, read by two administrators, the first one's delete paused inside its
    # transaction with the customer locked
    customer = make_customer(actor=admin_user)
    second_admin = type(admin_user).objects.create_superuser("bertil", "bertil@kund.test", "pw")
    inside, release = threading.Event(), threading.Event()
    real = services._delete_rows

    def paused(present):
        inside.set()
        release.wait(15)
        return real(present)

    first = Worker(lambda: services.customer_delete(customer=customer, actor=admin_user))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services, "_delete_rows", paused)
        first.start()
        assert inside.wait(15)
        # when the second one deletes it meanwhile (it waits for the first one's lock) ...
        second = Worker(lambda: services.customer_delete(customer=customer, actor=second_admin))
        second.start()
        time.sleep(0.5)  # lets the second reach the lock (the outcome is the same if it has not)
        release.set()
        first.join(20)
        second.join(20)

    # then the first deleted it, the second was told so, and the log has one row
    assert first.error is None and first.result.result == "deleted"
    assert isinstance(second.error, services.AlreadyErased) and second.error.gone
    assert not Customer.objects.filter(pk=customer.pk).exists()
    assert ErasureLogEntry.objects.filter(customer_number=customer.number).count() == 1


@pytest.mark.skipif(connection.vendor == "sqlite", reason="SQLite runs one writing transaction at a time")
def test_two_erasures_scrubbing_one_selection_at_once_both_take_effect(admin_user):
    # given a selection naming two customers, and the erasure of the first paused inside its
    # transaction after it has read the selections
    from kund.privacy import selections
    from kund.privacy.models import SavedSelection

    first = make_customer(
        actor=admin_user, person=Person("Hjalmar", "Jakobsson", "hjalmar.jakobsson@example.se")
    )
    second = make_customer(
        actor=admin_user, person=Person("Signe", "Lindqvist", "signe.lindqvist@example.se")
    )
    saved = SavedSelection.objects.create(name="Jakobsson och Lindqvist", query="q=jakobsson")
    inside, release = threading.Event(), threading.Event()
    real = selections._details
    paused_once = []

    def paused(customer_ids):
        if not paused_once:
            paused_once.append(True)
            inside.set()
            release.wait(15)
        return real(customer_ids)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(selections, "_details", paused)
        eraser = Worker(lambda: services.customer_delete(customer=first, actor=admin_user))
        eraser.start()
        assert inside.wait(15)
        # when the second customer's erasure scrubs the same selection and commits meanwhile
        services.customer_delete(customer=second, actor=admin_user)
        release.set()
        eraser.join(20)

    # then the first erasure did not write back the name it had read before that
    assert eraser.error is None
    after = SavedSelection.objects.get(pk=saved.pk)
    assert (after.name, after.query) == ("Xxxx och Xxxx", "q=Xxxx")
