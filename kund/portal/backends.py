"""Signing a customer user in (R-10), through django.contrib.auth.authenticate — so whatever guards
authenticate for the register (a throttling backend in front of the others, the signals it listens to)
guards the portal's sign-in too.

This backend answers only a call that asks for a customer user: `authenticate(request, username=…,
password=…, portal=True)`. `portal` is a required keyword, so Django skips this backend for every other
sign-in — the register's and the admin's pass only `username` and `password` — and a customer user can
never be signed in there. `get_user` finds no one: a customer user is never put into Django's session,
so `request.user` is never a customer user.
"""

from kund.portal.models import CustomerUser


class CustomerUserBackend:
    def authenticate(self, request, *, username=None, password=None, portal):
        if portal is not True or not username or not password:
            return None
        from kund.portal.services import may_sign_in

        email = username.strip().lower()
        user = CustomerUser.objects.select_related("customer").filter(email=email).first()
        if user is None:
            # As long as a real check, so the time taken does not tell whether the address exists.
            CustomerUser().set_password(password)
            return None
        if user.check_password(password) and may_sign_in(user):
            return user
        return None

    def get_user(self, user_id):
        return None
