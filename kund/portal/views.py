"""The customer portal at /portal/ (SPEC R-10): a customer user's own customer's service protocols,
installations and fault reports, and a form to report a fault.

A second trust boundary, tighter than the register:
- its own session: a cookie of its own, sent only to /portal/ and holding a key whose hash is a row of
  PortalSession — never Django's session, so the register, the admin and the API never see a customer user;
- every query starts from the signed-in user's customer (kund.portal.selectors.portal_records), so another
  customer's record is a 404, whatever id is typed; a page the user's portal rights do not include is a
  404 too;
- sign-in through django.contrib.auth.authenticate with the request, like every sign-in of Kund;
- `Cache-Control: no-store` on every page, and nothing kept in the browser but the session cookie.
"""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponseRedirect
from django.middleware.csrf import rotate_token
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.debug import sensitive_post_parameters

from kund.core.paging import window_page
from kund.portal import services
from kund.portal.forms import FaultReportForm, PasswordResetRequestForm, PortalSignInForm
from kund.portal.models import CustomerUser, CustomerUserToken
from kund.portal.selectors import portal_records
from kund.service.files import attachment
from kund.service.models import FaultReport, FaultReportFile, Installation, ServiceOrder, ServiceProtocol

PER_PAGE = 20


# --- the portal's session -----------------------------------------------------------------------------


def cookie_path() -> str:
    return reverse("portal:home")


def signed_in(request) -> CustomerUser | None:
    """The customer user the request's portal cookie signs in, or None (cached on the request)."""
    if not hasattr(request, "_portal_user"):
        secret = request.COOKIES.get(settings.KUND_PORTAL_SESSION_COOKIE, "")
        request._portal_user = services.session_user(secret)
    return request._portal_user


def _set_session_cookie(response, secret: str) -> None:
    """The portal's cookie: sent only to the portal's pages, never to scripts, and gone when the browser
    closes; the session itself ends after KUND_PORTAL_SESSION_SECONDS without use (services.session_user)."""
    response.set_cookie(
        settings.KUND_PORTAL_SESSION_COOKIE,
        secret,
        path=cookie_path(),
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


def _safe_next(request, url: str) -> str:
    """Where to go after signing in: a portal page of this site, else the portal's start page."""
    if url and url.startswith(cookie_path()):
        allowed = url_has_allowed_host_and_scheme(
            url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        if allowed:
            return url
    return cookie_path()


# --- base views ---------------------------------------------------------------------------------------


class NoStoreView(View):
    """Every portal page: never kept by a browser or proxy."""

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        add_never_cache_headers(response)  # no-cache, no-store, must-revalidate, private
        return response


class PortalView(NoStoreView):
    """A page for a signed-in customer user, who holds the portal right `right` (a CustomerUser field)."""

    right: str = ""

    def dispatch(self, request, *args, **kwargs):
        user = signed_in(request)
        if user is None:
            return self._to_sign_in(request)
        if self.right and not getattr(user, self.right):
            raise Http404
        self.customer_user = user
        # The records the URL names are found first, whatever the method: another customer's is a 404.
        self.prepare(**kwargs)
        return super().dispatch(request, *args, **kwargs)

    def prepare(self, **kwargs) -> None:
        """Load the records the URL's ids name, through self.records()."""

    def _to_sign_in(self, request):
        response = HttpResponseRedirect(f"{cookie_path()}?{urlencode({'next': request.get_full_path()})}")
        add_never_cache_headers(response)
        return response

    def records(self, model):
        """The only way a portal page reads: the rows of its user's customer."""
        return portal_records(self.customer_user, model)

    def render(self, request, template: str, context: dict | None = None, status: int = 200):
        context = {
            "portal_user": self.customer_user,
            "customer": self.customer_user.customer,
            **(context or {}),
        }
        return render(request, template, context, status=status)


# --- signing in and out ------------------------------------------------------------------------------


def sign_in_page(request, form, *, locked_out_message: str = ""):
    """The portal's sign-in form, with where to go after it and, when throttled, why it is refused."""
    context = {
        "form": form,
        "next": _safe_next(request, request.POST.get("next") or request.GET.get("next", "")),
        "locked_out_message": locked_out_message,
    }
    return render(request, "portal/sign_in.html", context)


@method_decorator(sensitive_post_parameters("password"), name="dispatch")
class HomeView(NoStoreView):
    """`/portal/`: the start page of a signed-in customer user, else Django's sign-in form (`username` is
    the e-mail address, `password`)."""

    def get(self, request):
        user = signed_in(request)
        if user is None:
            return sign_in_page(request, PortalSignInForm(request))
        return render(request, "portal/home.html", self._overview(user))

    def post(self, request):
        form = PortalSignInForm(request, data=request.POST)
        if not form.is_valid():
            return sign_in_page(request, form)
        secret = services.session_start(customer_user=form.get_user())
        rotate_token(request)  # a new CSRF secret with the new session, as Django's login() does
        response = redirect(_safe_next(request, request.POST.get("next", "")))
        _set_session_cookie(response, secret)
        return response

    def _overview(self, user: CustomerUser) -> dict:
        context = {"portal_user": user, "customer": user.customer}
        if user.can_see_protocols:
            context["protocols"] = list(
                portal_records(user, ServiceProtocol)
                .select_related("service_order")
                .order_by("-date", "-pk")[:3]
            )
        if user.can_report_faults:
            context["open_faults"] = list(
                portal_records(user, FaultReport).filter(resolved=False).order_by("-reported_at", "-pk")[:5]
            )
        if user.can_see_installations:
            context["installation_count"] = portal_records(user, Installation).count()
        return context


class SignOutView(NoStoreView):
    http_method_names = ["post"]

    def post(self, request):
        services.session_end(request.COOKIES.get(settings.KUND_PORTAL_SESSION_COOKIE, ""))
        response = redirect("portal:home")
        response.delete_cookie(settings.KUND_PORTAL_SESSION_COOKIE, path=cookie_path(), samesite="Lax")
        messages.success(request, _("You have signed out."))
        return response


# --- setting a password through a link (invitation, reset) -----------------------------------------


@method_decorator(sensitive_post_parameters("new_password1", "new_password2"), name="dispatch")
class SetPasswordView(NoStoreView):
    """The page an invitation or a password-reset link opens: Django's set-password form (fields
    `new_password1`, `new_password2`). A link works once and expires."""

    purpose = CustomerUserToken.Purpose.INVITATION
    template = "portal/set_password.html"

    def _link(self, token: str):
        return services.link_for(token, self.purpose)

    def _invalid(self, request):
        return render(request, "portal/link_invalid.html", {"purpose": self.purpose}, status=404)

    def get(self, request, token: str):
        link = self._link(token)
        if link is None:
            return self._invalid(request)
        return self._page(request, link, self._form(link))

    def post(self, request, token: str):
        link = self._link(token)
        if link is None:
            return self._invalid(request)
        form = self._form(link, request.POST)
        if not form.is_valid():
            return self._page(request, link, form)
        try:
            services.password_set_with_link(link=link, password=form.cleaned_data["new_password1"])
        except services.LinkNotValid:
            return self._invalid(request)
        messages.success(
            request, _("Your password is set. Sign in with your e-mail address and the new password.")
        )
        return redirect("portal:home")

    def _form(self, link, data=None):
        from django.contrib.auth.forms import SetPasswordForm

        form = SetPasswordForm(link.customer_user, data)
        for field in form.fields.values():
            field.widget.attrs["class"] = "form-control"
        return form

    def _page(self, request, link, form):
        context = {"form": form, "purpose": self.purpose, "portal_email": link.customer_user.email}
        return render(request, self.template, context)


class PasswordResetConfirmView(SetPasswordView):
    purpose = CustomerUserToken.Purpose.RESET


class PasswordResetView(NoStoreView):
    def get(self, request):
        return render(request, "portal/password_reset.html", {"form": PasswordResetRequestForm()})

    def post(self, request):
        form = PasswordResetRequestForm(request.POST)
        if not form.is_valid():
            return render(request, "portal/password_reset.html", {"form": form})
        services.password_reset_request(
            email=form.cleaned_data["email"], base_url=request.build_absolute_uri("/")
        )
        return redirect("portal:password_reset_sent")


class PasswordResetSentView(NoStoreView):
    def get(self, request):
        return render(request, "portal/password_reset_sent.html")


# --- service protocols ------------------------------------------------------------------------------------


class ProtocolListView(PortalView):
    right = "can_see_protocols"

    def get(self, request):
        protocols = self.records(ServiceProtocol).select_related("service_order").order_by("-date", "-pk")
        page = window_page(protocols, request.GET.get("page"), per_page=PER_PAGE)
        return self.render(request, "portal/protocol_list.html", {"page": page})


class ProtocolDetailView(PortalView):
    right = "can_see_protocols"

    def prepare(self, pk: int) -> None:
        self.protocol = get_object_or_404(self.records(ServiceProtocol), pk=pk)

    def get(self, request, pk: int):
        protocol = self.protocol
        # A protocol's service order and installation, only as the customer's own.
        order = self.records(ServiceOrder).filter(pk=protocol.service_order_id).first()
        installation = None
        if order is not None and order.installation_id:
            installation = self.records(Installation).filter(pk=order.installation_id).first()
        context = {"protocol": protocol, "order": order, "installation": installation}
        return self.render(request, "portal/protocol_detail.html", context)


# --- installations ------------------------------------------------------------------------------------


class InstallationListView(PortalView):
    right = "can_see_installations"

    def get(self, request):
        installations = self.records(Installation).order_by("-installed_on", "-pk")
        page = window_page(installations, request.GET.get("page"), per_page=PER_PAGE)
        return self.render(request, "portal/installation_list.html", {"page": page})


class InstallationDetailView(PortalView):
    right = "can_see_installations"

    def prepare(self, pk: int) -> None:
        self.installation = get_object_or_404(self.records(Installation), pk=pk)

    def get(self, request, pk: int):
        installation = self.installation
        user = self.customer_user
        context = {"installation": installation}
        if user.can_see_protocols:
            context["protocols"] = list(
                self.records(ServiceProtocol)
                .filter(service_order__installation=installation)
                .order_by("-date", "-pk")[:PER_PAGE]
            )
        if user.can_report_faults:
            context["faults"] = list(
                self.records(FaultReport)
                .filter(installation=installation)
                .order_by("-reported_at", "-pk")[:PER_PAGE]
            )
        return self.render(request, "portal/installation_detail.html", context)


# --- fault reports ----------------------------------------------------------------------------------------


class FaultListView(PortalView):
    right = "can_report_faults"

    def get(self, request):
        faults = self.records(FaultReport).select_related("installation").order_by("-reported_at", "-pk")
        page = window_page(faults, request.GET.get("page"), per_page=PER_PAGE)
        return self.render(request, "portal/fault_list.html", {"page": page})


class FaultCreateView(PortalView):
    right = "can_report_faults"

    def _form(self, request):
        return FaultReportForm(
            request.POST or None,
            request.FILES or None,
            installations=self.records(Installation).order_by("-installed_on", "-pk"),
        )

    def get(self, request):
        initial_installation = request.GET.get("installation")
        form = self._form(request)
        if initial_installation and initial_installation.isdigit():
            form.initial["installation"] = int(initial_installation)
        return self.render(request, "portal/fault_form.html", {"form": form})

    def post(self, request):
        form = self._form(request)
        if form.is_valid():
            upload = form.cleaned_data.get("file")
            try:
                report = services.portal_report_fault(
                    customer_user=self.customer_user,
                    installation=form.cleaned_data["installation"],
                    description=form.cleaned_data["description"],
                    phone=form.cleaned_data["phone"],
                    files=[upload] if upload else [],
                )
            except ValidationError as error:
                form.add_error(
                    "file" if getattr(error, "code", "") in ("too_large", "not_accepted") else None, error
                )
            else:
                messages.success(
                    request,
                    _("Thank you. Your fault report %(ref)s has been received.") % {"ref": report.ref},
                )
                return redirect("portal:fault", report.pk)
        return self.render(request, "portal/fault_form.html", {"form": form})


class FaultDetailView(PortalView):
    right = "can_report_faults"

    def prepare(self, pk: int) -> None:
        self.fault = get_object_or_404(
            self.records(FaultReport).prefetch_related(
                Prefetch("files", queryset=self.records(FaultReportFile).order_by("pk"))
            ),
            pk=pk,
        )

    def get(self, request, pk: int):
        fault = self.fault
        installation = None
        if fault.installation_id:
            installation = self.records(Installation).filter(pk=fault.installation_id).first()
        return self.render(
            request, "portal/fault_detail.html", {"fault": fault, "installation": installation}
        )


class FaultFileView(PortalView):
    right = "can_report_faults"
    http_method_names = ["get", "head"]

    def prepare(self, pk: int, file_pk: int) -> None:
        self.record = get_object_or_404(
            self.records(FaultReportFile).select_related("fault_report"), pk=file_pk, fault_report_id=pk
        )

    def get(self, request, pk: int, file_pk: int):
        return attachment(self.record, filename=f"{self.record.ref}{self.record.extension}")


# --- the customer's other users ----------------------------------------------------------------------------


class UserListView(PortalView):
    right = "can_see_users"

    def get(self, request):
        users = self.records(CustomerUser).order_by("name", "email")
        return self.render(request, "portal/user_list.html", {"users": users})


def lockout_page(request, message: str):
    """The portal's sign-in page with sign-in throttling's message (KUND_LOCKOUT_PAGES, kund.core.throttle):
    a customer user locked out is shown their own door, never the register's."""
    response = sign_in_page(request, PortalSignInForm(request), locked_out_message=message)
    response["Cache-Control"] = "no-store"
    return response
