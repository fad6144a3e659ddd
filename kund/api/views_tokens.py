"""The signed-in user's own API tokens (SPEC B-9): see them (name, created, last used), make one — shown
once, on the page that answers the form, and never again — and revoke one. Only one's own: another user's
token is a 404 here. A token acts with its owner's rights, so no right is needed to make one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from kund.api.forms import TokenForm
from kund.api.tokens import token_create, token_revoke, tokens_of


def _page(request: HttpRequest, form: TokenForm, *, new_token: str = "", status: int = 200) -> HttpResponse:
    context = {"form": form, "tokens": tokens_of(request.user), "new_token": new_token}
    response = render(request, "api/tokens.html", context, status=status)
    response["Cache-Control"] = "no-store"  # the page that shows a new token must not be kept anywhere
    return response


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if form.is_valid():
        try:
            made = token_create(user=request.user, name=form.cleaned_data["name"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # Rendered, not redirected: a redirect would have to carry the token in the session or a cookie.
            return _page(request, TokenForm(), new_token=made.secret)
    return _page(request, form)


@login_required
@require_POST
def token_revoke_view(request: HttpRequest, pk: int) -> HttpResponse:
    token = tokens_of(request.user).filter(pk=pk).first()
    if token is None:
        raise Http404
    token_revoke(token=token)
    messages.success(
        request, _("The token “%(name)s” was revoked; it no longer works.") % {"name": token.name}
    )
    return redirect("api_tokens:list")
