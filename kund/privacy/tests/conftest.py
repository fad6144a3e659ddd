import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission


@pytest.fixture
def admin_user(db):
    return get_user_model().objects.create_superuser("admin", "admin@kund.test", "pw")


@pytest.fixture
def eraser(db):
    """A user with the erasure right (E-4) and the right to view the customers it erases."""
    user = get_user_model().objects.create_user("eraser", "eraser@kund.test", "pw")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["erase_customer", "view_customer"]))
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def clerk(db):
    """A user who may view and change customers but not erase them."""
    user = get_user_model().objects.create_user("clerk", "clerk@kund.test", "pw")
    user.user_permissions.add(*Permission.objects.filter(codename__in=["view_customer", "change_customer"]))
    return get_user_model().objects.get(pk=user.pk)
