"""The users of the register and their rights (SPEC R-9), for administrators (rules.may_manage_users): the
list, a new user, one user's page with their rights, deactivation (after a confirmation) and reactivation,
and a new password. Thin: kund.core.users and kund.core.user_rights act and record each change."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from kund.core import rules
from kund.core.models import UserEvent
from kund.core.paging import window_page
from kund.core.rights import ADMINISTRATOR_GROUP
from kund.core.user_rights import RIGHTS_APP, user_rights, user_set_rights
from kund.core.users import user_create, user_reset_password, user_set_active
from kund.customers.forms import RIGHTS, RightsForm
from kund.customers.forms_users import UserCreateForm
from kund.customers.views import RegisterView, _apply_form_errors

OFFERED_RIGHTS = [codename for codename, _label in RIGHTS]
RIGHT_LABELS = dict(RIGHTS)
PER_PAGE = 50
HISTORY_SHOWN = 20


class UsersView(RegisterView):
    rule = staticmethod(rules.may_manage_users)


class UserView(UsersView):
    """A page about one user of the register."""

    def prepare(self, request, **kwargs) -> None:
        self.person = get_object_or_404(get_user_model(), pk=kwargs["pk"])


def _is_administrator(person) -> bool:
    """From what the list prefetched: a superuser or a member of the Administrator group."""
    return person.is_superuser or bool(person.administrator_groups)


def _labels(codenames) -> list[str]:
    held = set(codenames)
    return [str(label) for codename, label in RIGHTS if codename in held]


class UserListView(UsersView):
    def get(self, request):
        users = (
            get_user_model()
            .objects.order_by("username")
            .prefetch_related(
                Prefetch(
                    "user_permissions",
                    queryset=Permission.objects.filter(
                        content_type__app_label=RIGHTS_APP, codename__in=OFFERED_RIGHTS
                    ).only("codename"),
                    to_attr="offered_rights",
                ),
                Prefetch(
                    "groups",
                    queryset=Group.objects.filter(name=ADMINISTRATOR_GROUP),
                    to_attr="administrator_groups",
                ),
            )
        )
        page = window_page(users, request.GET.get("page"), per_page=PER_PAGE)
        rows = [
            {
                "person": person,
                "administrator": _is_administrator(person),
                "rights": _labels(p.codename for p in person.offered_rights),
            }
            for person in page.object_list
        ]
        return render(request, "customers/users/list.html", {"page": page, "rows": rows})


class UserCreateView(UsersView):
    def get(self, request):
        return self._render(request, UserCreateForm())

    def post(self, request):
        form = UserCreateForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                person = user_create(
                    actor=request.user,
                    username=data["username"],
                    password=data["password"],
                    first_name=data["first_name"],
                    last_name=data["last_name"],
                    email=data["email"],
                    rights=data["rights"],
                    offered=OFFERED_RIGHTS,
                )
            except ValidationError as error:
                _apply_form_errors(form, error)
                form.mark_errors()
            else:
                messages.success(
                    request, _("The user %(user)s was created.") % {"user": person.get_username()}
                )
                return redirect("users:detail", pk=person.pk)
        return self._render(request, form)

    def _render(self, request, form):
        return render(request, "customers/users/create.html", {"form": form})


def _history(person) -> list[dict]:
    rows = []
    for event in UserEvent.objects.filter(user=person).select_related("actor")[:HISTORY_SHOWN]:
        row = {"event": event, "granted": [], "withdrawn": []}
        if event.event == UserEvent.Event.RIGHTS_CHANGED:
            before, after = set(event.old_value.split()), set(event.new_value.split())
            row["granted"] = _labels(after - before)
            row["withdrawn"] = _labels(before - after)
        rows.append(row)
    return rows


def _detail(request, person, rights_form=None, status: int = 200):
    if rights_form is None:
        rights_form = RightsForm(initial={"rights": user_rights(person, OFFERED_RIGHTS)})
    context = {
        "person": person,
        "form": rights_form,
        "is_admin": rules.is_administrator(person),
        "is_self": person.pk == request.user.pk,
        "history": _history(person),
    }
    return render(request, "customers/users/detail.html", context, status=status)


class UserDetailView(UserView):
    def get(self, request, pk: int):
        return _detail(request, self.person)


class UserRightsView(UserView):
    def get(self, request, pk: int):
        return redirect("users:detail", pk=pk)

    def post(self, request, pk: int):
        form = RightsForm(request.POST)
        if not form.is_valid():
            return _detail(request, self.person, form)
        user_set_rights(
            user=self.person,
            actor=request.user,
            codenames=form.cleaned_data["rights"],
            offered=OFFERED_RIGHTS,
        )
        messages.success(
            request, _("The rights of %(user)s were saved.") % {"user": self.person.get_username()}
        )
        return redirect("users:detail", pk=pk)


class UserDeactivateView(UserView):
    """Asks first (GET, or a POST without the confirmation page's `confirmed`), then deactivates."""

    def get(self, request, pk: int):
        return self._confirm(request)

    def post(self, request, pk: int):
        if request.POST.get("confirmed") != "yes":
            return self._confirm(request)
        try:
            user_set_active(actor=request.user, user=self.person, active=False)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(user)s was deactivated and can no longer sign in.")
                % {"user": self.person.get_username()},
            )
        return redirect("users:detail", pk=pk)

    def _confirm(self, request):
        if self.person.pk == request.user.pk:
            messages.error(request, _("You cannot deactivate yourself."))
            return redirect("users:detail", pk=self.person.pk)
        if not self.person.is_active:
            return redirect("users:detail", pk=self.person.pk)
        return render(request, "customers/users/deactivate.html", {"person": self.person})


class UserReactivateView(UserView):
    def get(self, request, pk: int):
        return redirect("users:detail", pk=pk)

    def post(self, request, pk: int):
        user_set_active(actor=request.user, user=self.person, active=True)
        messages.success(
            request,
            _("%(user)s was reactivated and can sign in again.") % {"user": self.person.get_username()},
        )
        return redirect("users:detail", pk=pk)


class UserPasswordView(UserView):
    """A new random password, after a confirmation, shown this once in the answer to the POST that made it:
    never in a URL, a message, the session or a log (kund.core.users says why this and not a typed one)."""

    def get(self, request, pk: int):
        return self._confirm(request)

    def post(self, request, pk: int):
        if request.POST.get("confirmed") != "yes":
            return self._confirm(request)
        try:
            password = user_reset_password(actor=request.user, user=self.person)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("users:detail", pk=pk)
        response = render(
            request, "customers/users/password.html", {"person": self.person, "password": password}
        )
        response["Cache-Control"] = "no-store"
        return response

    def _confirm(self, request):
        if self.person.pk == request.user.pk:
            messages.error(request, _("Change your own password under “Change password” in your menu."))
            return redirect("users:detail", pk=self.person.pk)
        return render(request, "customers/users/password_confirm.html", {"person": self.person})
