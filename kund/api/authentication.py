"""`Authorization: Bearer TOKEN` (RFC 6750), the API's only way in (SPEC B-9). No session: a browser's
cookies open nothing here, so the API needs no CSRF protection and a signed-in page cannot be made to call
it. A token acts with its user's rights; an unknown token, a revoked one or one of an inactive user is a
401 like a missing one."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from kund.api.tokens import token_for

REALM = "kund"


class BearerTokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != b"bearer":
            return None  # no credentials: NotAuthenticated, 401
        request._kund_bad_token = True
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("The Authorization header must be: Bearer TOKEN."))
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("The token is not valid.")) from None
        token = token_for(secret)
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token is not valid."))
        request._kund_bad_token = False
        return token.user, token

    def authenticate_header(self, request) -> str:
        if getattr(request, "_kund_bad_token", False):
            return f'Bearer realm="{REALM}", error="invalid_token"'
        return f'Bearer realm="{REALM}"'
