"""The register's pages for a customer's portal users (SPEC R-9, R-10), under /customers/<number>/users/:
the list for whoever may view the customer, and inviting, changing portal rights and deleting, each for
the staff user holding its right (kund.core.rules). A customer user of another customer is a 404."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kund.core import rules
from kund.customers.views import CustomerView
from kund.portal import services
from kund.portal.forms import CustomerUserInviteForm, CustomerUserRightsForm
from kund.portal.models import CustomerUser


def _deny() -> PermissionDenied:
    return PermissionDenied(_("You do not have the right to do this."))


class CustomerUsersView(CustomerView):
    """A page about one customer's portal users."""

    def customer_user(self, user_pk: int) -> CustomerUser:
        return get_object_or_404(
            CustomerUser.objects.select_related("customer"), pk=user_pk, customer=self.customer
        )

    def invitation_page(self, request, customer_user: CustomerUser, secret: str):
        context = {
            "customer": self.customer,
            "customer_user": customer_user,
            "invitation_url": request.build_absolute_uri(services.invitation_path(secret)),
            "invitation_days": settings.KUND_PORTAL_INVITATION_DAYS,
        }
        return render(request, "portal/staff/invitation.html", context)


class CustomerUserListView(CustomerUsersView):
    def get(self, request, number: str):
        if self.customer.is_anonymized:  # no tabs, and its users are gone
            raise Http404
        user = request.user
        context = {
            "customer": self.customer,
            "customer_users": CustomerUser.objects.filter(customer=self.customer).order_by("email"),
            "can_invite": rules.may_invite_customer_users(user, self.customer),
            "can_change": rules.may_change_customer_user_rights(user, self.customer),
            "can_delete": rules.may_delete_customer_users(user, self.customer),
        }
        return render(request, "portal/staff/customer_users.html", context)


class CustomerUserInviteView(CustomerUsersView):
    def _check(self, request):
        if not rules.may_invite_customer_users(request.user, self.customer):
            raise _deny()

    def get(self, request, number: str):
        self._check(request)
        return self._page(request, CustomerUserInviteForm())

    def post(self, request, number: str):
        self._check(request)
        form = CustomerUserInviteForm(request.POST)
        if form.is_valid():
            try:
                customer_user, secret = services.customer_user_invite(
                    customer=self.customer,
                    actor=request.user,
                    email=form.cleaned_data["email"],
                    name=form.cleaned_data["name"],
                    rights=form.cleaned_data["rights"],
                )
            except ValidationError as error:
                form.add_error(None, error)  # an error about the address lands on its field
            else:
                return self.invitation_page(request, customer_user, secret)
        return self._page(request, form)

    def _page(self, request, form):
        return render(request, "portal/staff/invite.html", {"customer": self.customer, "form": form})


class CustomerUserInviteAgainView(CustomerUsersView):
    http_method_names = ["post"]

    def post(self, request, number: str, user_pk: int):
        if not rules.may_invite_customer_users(request.user, self.customer):
            raise _deny()
        customer_user = self.customer_user(user_pk)
        secret = services.customer_user_invite_again(customer_user=customer_user, actor=request.user)
        return self.invitation_page(request, customer_user, secret)


class CustomerUserEditView(CustomerUsersView):
    """Change a customer user's portal rights."""

    def _check(self, request):
        if not rules.may_change_customer_user_rights(request.user, self.customer):
            raise _deny()

    def get(self, request, number: str, user_pk: int):
        self._check(request)
        customer_user = self.customer_user(user_pk)
        form = CustomerUserRightsForm(initial={"rights": customer_user.rights()})
        return self._page(request, customer_user, form)

    def post(self, request, number: str, user_pk: int):
        self._check(request)
        customer_user = self.customer_user(user_pk)
        form = CustomerUserRightsForm(request.POST)
        if not form.is_valid():
            return self._page(request, customer_user, form)
        services.customer_user_set_rights(
            customer_user=customer_user, actor=request.user, rights=form.cleaned_data["rights"]
        )
        messages.success(
            request, _("The portal rights of %(email)s were saved.") % {"email": customer_user.email}
        )
        return redirect("customer_users:list", self.customer.number)

    def _page(self, request, customer_user, form):
        context = {"customer": self.customer, "customer_user": customer_user, "form": form}
        return render(request, "portal/staff/rights.html", context)


class CustomerUserDeleteView(CustomerUsersView):
    http_method_names = ["post"]

    def post(self, request, number: str, user_pk: int):
        if not rules.may_delete_customer_users(request.user, self.customer):
            raise _deny()
        customer_user = self.customer_user(user_pk)
        services.customer_user_delete(customer_user=customer_user, actor=request.user)
        messages.success(request, _("The customer user was deleted and can no longer sign in."))
        return redirect("customer_users:list", self.customer.number)
