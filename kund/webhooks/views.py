"""Pages of the connected systems (SPEC B-8), for administrators: the subscriptions, a new one (its secret
shown once), and one subscription with every attempt and a test event. Thin: kund.webhooks.services acts."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from kund.core import rules
from kund.webhooks import services
from kund.webhooks.forms import SubscriptionForm
from kund.webhooks.models import Attempt, Delivery, Subscription

State = Delivery.State


class ManagerView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not rules.may_manage_webhooks(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


def _with_counts(queryset):
    return queryset.annotate(
        pending=Count("deliveries", filter=Q(deliveries__state=State.PENDING)),
        delivered=Count("deliveries", filter=Q(deliveries__state=State.DELIVERED)),
        given_up=Count("deliveries", filter=Q(deliveries__state=State.FAILED)),
    )


class SubscriptionListView(ManagerView):
    """The subscriptions with their deliveries by state, and the form for a new one."""

    def get(self, request):
        return self._page(request, SubscriptionForm())

    def post(self, request):
        form = SubscriptionForm(request.POST)
        if form.is_valid():
            try:
                subscription, secret = services.subscription_create(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
            else:
                # The secret is shown this once, in this answer: never in a URL, a message or the session.
                context = {**_detail_context(request, subscription), "secret": secret}
                return render(request, "webhooks/detail.html", context)
        return self._page(request, form)

    def _page(self, request, form):
        subscriptions = _with_counts(Subscription.objects.order_by("pk"))
        return render(request, "webhooks/list.html", {"form": form, "subscriptions": subscriptions})


def _detail_context(request, subscription: Subscription) -> dict:
    attempts = (
        Attempt.objects.filter(delivery__subscription=subscription)
        .select_related("delivery")
        .order_by("-at", "-pk")
    )
    return {
        "subscription": _with_counts(Subscription.objects.filter(pk=subscription.pk)).get(),
        "attempts": Paginator(attempts, 50).get_page(request.GET.get("page")),
    }


class SubscriptionView(ManagerView):
    def dispatch(self, request, *args, pk: int, **kwargs):
        if request.user.is_authenticated and rules.may_manage_webhooks(request.user):
            self.subscription = get_object_or_404(Subscription, pk=pk)
        return super().dispatch(request, *args, **kwargs)


class SubscriptionDetailView(SubscriptionView):
    def get(self, request):
        return render(request, "webhooks/detail.html", _detail_context(request, self.subscription))


class SubscriptionTestView(SubscriptionView):
    def post(self, request):
        attempt = services.send_test_event(actor=request.user, subscription=self.subscription)
        if attempt.ok:
            messages.success(
                request,
                _("The test event was delivered: status %(status)s in %(ms)d ms.")
                % {"status": attempt.status_code, "ms": attempt.duration_ms},
            )
        else:
            messages.error(
                request,
                _("The test event was not delivered: %(error)s%(status)s.")
                % {
                    "error": attempt.get_error_display(),
                    "status": f" ({attempt.status_code})" if attempt.status_code else "",
                },
            )
        return redirect("webhooks:detail", pk=self.subscription.pk)


class SubscriptionActiveView(SubscriptionView):
    def post(self, request):
        active = request.POST.get("active") == "on"
        services.subscription_set_active(actor=request.user, subscription=self.subscription, active=active)
        if active:
            messages.success(request, _("The subscription is active: waiting events are sent."))
        else:
            messages.info(request, _("The subscription is paused: its events wait until it is active again."))
        return redirect("webhooks:detail", pk=self.subscription.pk)


class SubscriptionRetryView(SubscriptionView):
    def post(self, request):
        count = services.retry_failed(actor=request.user, subscription=self.subscription)
        messages.info(request, _("%(count)d events given up are sent again.") % {"count": count})
        return redirect("webhooks:detail", pk=self.subscription.pk)
