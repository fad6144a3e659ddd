import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

PASSWORD = "correct-horse-battery"


def user_with(username: str, *codenames: str):
    user = get_user_model().objects.create_user(username, f"{username}@kund.test", PASSWORD)
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="customers", codename__in=codenames)
    )
    return get_user_model().objects.get(pk=user.pk)


@pytest.fixture
def handler(db):
    """Who handles data-subject requests: the erasure right and the right to view every customer."""
    return user_with("dpo.dahl", "erase_customer", "view_customer")


@pytest.fixture
def viewer(db):
    """Sees the register, may not erase: no request register for them."""
    return user_with("vera.visare", "view_customer")
