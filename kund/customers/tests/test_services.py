"""The register's services (kund/customers/services.py): customer numbers (SPEC R-1, D-2) and change
history with notifications (R-4, R-5, R-6)."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from kund.audit.models import ChangeRecord
from kund.core.models import RegisterSettings
from kund.core.rights import ADMINISTRATOR_GROUP
from kund.customers.models import Customer, Notification, NumberReservation
from kund.customers.services import (
    allocate_customer_numbers,
    customer_assign,
    customer_change_number,
    customer_create,
    customer_set_status,
    customer_update,
)

pytestmark = pytest.mark.django_db

PERSON = {
    "kind": Customer.Kind.PRIVATE,
    "first_name": "Karin",
    "last_name": "Holm",
    "email": "karin@example.se",
}


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def clerk():
    return get_user_model().objects.create_user("clerk", password="not-used")


@pytest.fixture
def admin():
    return get_user_model().objects.create_superuser("boss", password="not-used")


def _create(number: str | None = None, **data) -> Customer:
    return customer_create(actor=None, data={**PERSON, **data}, number=number)


def _number_error(exc: pytest.ExceptionInfo) -> str:
    return " ".join(exc.value.message_dict["number"])


# ------------------------------------------------------------------------------ numbers (SPEC R-1)


def test_r1_sequence_assigns_increasing_numbers():
    # when
    first, second, third = (_create() for _ in range(3))

    # then
    numbers = [int(c.number) for c in (first, second, third)]
    assert numbers == sorted(numbers)
    assert len(set(numbers)) == 3
    assert first.name == "Karin Holm"


def test_r1_sequence_skips_a_number_typed_in_by_hand():
    # given
    next_number = int(allocate_customer_numbers(1)[0]) + 1
    _create(number=str(next_number))

    # when
    drawn = _create().number

    # then
    assert drawn == str(next_number + 1)


def test_r1_typed_in_number_is_accepted():
    # when
    customer = _create(number="K-2024-7")

    # then
    assert Customer.objects.get(pk=customer.pk).number == "K-2024-7"
    assert NumberReservation.objects.filter(number="K-2024-7").exists()


def test_r1_duplicate_number_is_refused_with_a_clear_message():
    # given
    _create(number="777")

    # when
    with pytest.raises(ValidationError) as exc:
        _create(number="777")

    # then
    assert _number_error(exc) == "Customer number 777 has already been used and cannot be issued again."
    assert Customer.objects.filter(number="777").count() == 1


def test_r1_d2_number_never_reused_after_delete_through_the_service():
    # given
    customer = _create(number="5000")
    customer.delete()

    # when
    with pytest.raises(ValidationError) as exc:
        _create(number="5000")

    # then
    assert "5000 has already been used" in _number_error(exc)
    assert not Customer.objects.filter(number="5000").exists()


def test_r1_d2_sequence_never_issues_a_deleted_customers_number_again():
    # given
    deleted = _create()
    deleted.delete()

    # when
    later = [_create().number for _ in range(3)]

    # then
    assert deleted.number not in later


def _copy_row_with_number(source: Customer, number: str) -> None:
    """INSERT … SELECT: a raw copy of another customer's row under the given number."""
    columns = [
        f.column
        for f in Customer._meta.concrete_fields
        if not f.primary_key and not getattr(f, "generated", False)
    ]
    quote = connection.ops.quote_name
    selected = ", ".join("%s" if c == "number" else quote(c) for c in columns)
    table = quote(Customer._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({', '.join(quote(c) for c in columns)}) SELECT {selected} FROM {table} "
            "WHERE id = %s",
            [number, source.pk],
        )


@pytest.mark.parametrize("insert", ["bulk_create", "raw_sql"])
def test_r1_d2_number_never_reused_after_delete_at_the_database_level(insert):
    """Whatever code writes the customer table, the trigger's reservation refuses a used number."""
    # given
    other = _create(number="4241")
    _create(number="4242").delete()

    # when
    with pytest.raises(IntegrityError) as exc, transaction.atomic():
        if insert == "bulk_create":
            Customer.objects.bulk_create([Customer(number="4242", name="Someone Else")])
        else:
            _copy_row_with_number(other, "4242")

    # then
    assert "numberreservation" in str(exc.value)
    assert not Customer.objects.filter(number="4242").exists()


def test_r1_raw_insert_of_a_fresh_number_works():
    """The raw copy above fails because of the number alone."""
    # given
    other = _create(number="4241")

    # when
    _copy_row_with_number(other, "4243")

    # then
    assert Customer.objects.get(number="4243").name == other.name
    assert NumberReservation.objects.filter(number="4243").exists()


@pytest.mark.parametrize(
    ("number", "accepted"),
    [("12", False), ("123", True), ("12345", True), ("123456", False)],
)
def test_r1_min_and_max_length_come_from_the_register_settings(number, accepted):
    # given
    RegisterSettings.objects.update_or_create(pk=1, defaults={"number_min_length": 3, "number_max_length": 5})

    # when / then
    if accepted:
        assert _create(number=number).number == number
    else:
        with pytest.raises(ValidationError) as exc:
            _create(number=number)
        assert _number_error(exc) == "A customer number must have 3 to 5 characters."


def test_r1_default_length_is_one_to_ten_characters():
    # when
    short, long_ = _create(number="7"), _create(number="1234567890")

    # then
    assert (short.number, long_.number) == ("7", "1234567890")
    with pytest.raises(ValidationError, match="1 to 10 characters"):
        _create(number="12345678901")


@pytest.mark.parametrize("number", ["AB-12", "k9", "2024-001-A"])
def test_r1_letters_digits_and_hyphens_are_allowed(number):
    assert _create(number=number).number == number


@pytest.mark.parametrize("number", ["-12", "AB 12", "12_3", "12/3", "Å12", "12.5"])
def test_r1_other_characters_and_a_leading_hyphen_are_refused(number):
    # when
    with pytest.raises(ValidationError) as exc:
        _create(number=number)

    # then
    assert _number_error(exc) == "A customer number may contain only letters, digits and hyphens."


def test_r1_sequence_past_the_maximum_length_is_refused():
    # given
    RegisterSettings.objects.update_or_create(pk=1, defaults={"number_min_length": 1, "number_max_length": 3})

    # when
    with pytest.raises(ValidationError) as exc:
        _create()  # the sequence starts at 1000: four characters

    # then
    assert "passed the maximum length of 3" in _number_error(exc)


# --------------------------------------------------------------- changing a number (SPEC R-1, D-2)


def test_r1_non_administrator_cannot_change_a_number(clerk):
    # given
    customer = _create(number="300")

    # when
    with pytest.raises(PermissionDenied):
        customer_change_number(customer=customer, actor=clerk, new_number="301")

    # then
    assert Customer.objects.get(pk=customer.pk).number == "300"


def test_r1_administrator_changes_a_number_and_the_old_one_stays_reserved(admin):
    # given
    customer = _create(number="300")

    # when
    customer_change_number(customer=customer, actor=admin, new_number="A-300")

    # then
    assert Customer.objects.get(pk=customer.pk).number == "A-300"
    assert set(
        NumberReservation.objects.filter(number__in=["300", "A-300"]).values_list("number", flat=True)
    ) == {
        "300",
        "A-300",
    }
    with pytest.raises(ValidationError, match="300 has already been used"):
        _create(number="300")
    record = ChangeRecord.objects.get(customer=customer, event=ChangeRecord.Event.NUMBER_CHANGED)
    assert (record.actor, record.field, record.old_value, record.new_value) == (
        admin,
        "number",
        "300",
        "A-300",
    )


def test_r1_member_of_the_administrator_group_may_change_a_number(clerk):
    # given
    clerk.groups.add(Group.objects.get_or_create(name=ADMINISTRATOR_GROUP)[0])
    customer = _create(number="310")

    # when
    customer_change_number(customer=customer, actor=clerk, new_number="311")

    # then
    assert Customer.objects.get(pk=customer.pk).number == "311"


def test_r1_a_number_cannot_be_changed_to_one_already_used(admin):
    # given
    _create(number="400")
    customer = _create(number="401")

    # when
    with pytest.raises(ValidationError, match="400 has already been used"):
        customer_change_number(customer=customer, actor=admin, new_number="400")

    # then
    assert Customer.objects.get(pk=customer.pk).number == "401"


# ------------------------------------------------------------------- change history (SPEC R-4)


def test_r4_created_customer_has_a_created_event(clerk):
    # when
    customer = customer_create(actor=clerk, data=PERSON)

    # then
    record = ChangeRecord.objects.get(customer=customer)
    assert (record.event, record.actor) == (ChangeRecord.Event.CREATED, clerk)


def test_r4_update_writes_one_row_per_changed_field_with_old_and_new_value(clerk):
    # given
    customer = _create(phone="08-123 45 67")

    # when
    customer_update(
        customer=customer,
        actor=clerk,
        data={"email": "karin.holm@example.se", "phone": "070-111 22 33", "last_name": "Holm"},
    )

    # then
    changes = ChangeRecord.objects.filter(customer=customer, event=ChangeRecord.Event.CHANGED)
    assert sorted(changes.values_list("field", "old_value", "new_value")) == [
        ("email", "karin@example.se", "karin.holm@example.se"),
        ("phone", "08-123 45 67", "070-111 22 33"),
    ]
    assert {c.actor for c in changes} == {clerk}
    assert Customer.objects.get(pk=customer.pk).phone == "070-111 22 33"


def test_r4_update_without_a_real_change_writes_no_history(clerk):
    # given
    customer = _create()

    # when
    customer_update(customer=customer, actor=clerk, data={"first_name": "Karin"})

    # then
    assert not ChangeRecord.objects.filter(customer=customer, event=ChangeRecord.Event.CHANGED).exists()


# ---------------------------------------------------------------------- status (SPEC)


def test_r5_deactivating_records_the_change_and_keeps_the_customer(clerk):
    # given
    customer = _create()

    # when
    customer_set_status(customer=customer, actor=clerk, status=Customer.Status.INACTIVE)
    customer_set_status(customer=customer, actor=clerk, status=Customer.Status.INACTIVE)  # no change

    # then
    customer.refresh_from_db()
    assert not customer.is_active
    rows = ChangeRecord.objects.filter(customer=customer, field="status")
    assert list(rows.values_list("old_value", "new_value", "actor")) == [("active", "inactive", clerk.pk)]


def test_r5_unknown_status_is_refused(clerk):
    with pytest.raises(ValidationError):
        customer_set_status(customer=_create(), actor=clerk, status="sleeping")


# -------------------------------------------------------------- responsible user (SPEC)


def test_r6_assigning_notifies_the_new_user_and_records_the_change(clerk, admin):
    # given
    technician = get_user_model().objects.create_user("tekniker", password="not-used")
    customer = _create()

    # when
    customer_assign(customer=customer, actor=admin, responsible=technician)

    # then
    assert Customer.objects.get(pk=customer.pk).responsible == technician
    assert list(Notification.objects.values_list("recipient__username", "verb")) == [("tekniker", "assigned")]
    record = ChangeRecord.objects.get(customer=customer, event=ChangeRecord.Event.ASSIGNED)
    assert (record.actor, record.field, record.old_value, record.new_value) == (
        admin,
        "responsible",
        "",
        "tekniker",
    )
    assert mail.outbox == []  # the customer is not notified


def test_r6_reassigning_notifies_both_users_and_unassigning_notifies_the_last(admin):
    # given
    first = get_user_model().objects.create_user("first", password="not-used")
    second = get_user_model().objects.create_user("second", password="not-used")
    customer = _create()
    customer_assign(customer=customer, actor=admin, responsible=first)

    # when
    customer_assign(customer=customer, actor=admin, responsible=second)
    customer_assign(customer=customer, actor=admin, responsible=None)

    # then
    notes = Notification.objects.filter(customer=customer).order_by("id")
    assert list(notes.values_list("recipient__username", "verb")) == [
        ("first", "assigned"),
        ("first", "unassigned"),
        ("second", "assigned"),
        ("second", "unassigned"),
    ]
    history = ChangeRecord.objects.filter(customer=customer, event=ChangeRecord.Event.ASSIGNED).order_by("id")
    assert list(history.values_list("old_value", "new_value")) == [
        ("", "first"),
        ("first", "second"),
        ("second", ""),
    ]


def test_r6_assigning_the_same_user_again_changes_nothing(admin):
    # given
    technician = get_user_model().objects.create_user("tekniker", password="not-used")
    customer = _create()
    customer_assign(customer=customer, actor=admin, responsible=technician)

    # when
    customer_assign(customer=customer, actor=admin, responsible=technician)

    # then
    assert Notification.objects.count() == 1
    assert ChangeRecord.objects.filter(event=ChangeRecord.Event.ASSIGNED).count() == 1
