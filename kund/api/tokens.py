"""Making, finding and revoking API tokens (SPEC B-9). Every door — the web page, `kund api_token` and the
authentication of each API request — goes through these functions.

A token is `kund_` and 43 characters of a 256-bit random secret. It is shown once; the database keeps its
SHA-256 hash (a fast hash is enough for a random secret of this length: there is nothing to guess) and its
first characters, so its owner can tell their tokens apart.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kund.api.models import ApiToken

SCHEME = "kund_"
PREFIX_LENGTH = len(SCHEME) + 8
# A token's last use is written at most once in this interval, not on every request.
LAST_USED_RESOLUTION = timedelta(minutes=1)
NAME_MAX_LENGTH = ApiToken._meta.get_field("name").max_length


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # the token itself: shown once, never stored


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def token_create(*, user, name: str) -> NewToken:
    """A new token for `user` (who must be active), named so its owner knows what it is for."""
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the token a name, such as the system that will use it.")})
    if len(name) > NAME_MAX_LENGTH:
        raise ValidationError(
            {"name": _("A token's name may have at most %(max)d characters.") % {"max": NAME_MAX_LENGTH}}
        )
    if not user.is_active:
        raise ValidationError(_("An inactive user cannot have API tokens."))
    secret = SCHEME + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, prefix=secret[:PREFIX_LENGTH], key_hash=_hash(secret)
    )
    return NewToken(token=token, secret=secret)


def token_revoke(*, token: ApiToken) -> None:
    """Revoke a token: it stops working at once. The row goes; nothing else refers to it."""
    with transaction.atomic():
        ApiToken.objects.filter(pk=token.pk).delete()


def tokens_of(user):
    return ApiToken.objects.filter(user=user).order_by("-created_at", "-id")


def token_for(secret: str) -> ApiToken | None:
    """The token whose secret this is, with its user, or None. Only well-formed secrets are looked up."""
    if not secret.startswith(SCHEME) or not 40 <= len(secret) <= 80 or not secret.isascii():
        return None
    token = ApiToken.objects.select_related("user").filter(key_hash=_hash(secret)).first()
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token
