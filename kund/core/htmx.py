"""One view serves both the whole page and the fragment htmx swaps in.

django_htmx's middleware puts `request.htmx` on every request. A request that htmx makes to replace
part of a page wants only that part; anything else wants the whole page: a first visit, a reload, a
boosted link, and htmx restoring history it no longer has cached.
"""

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def wants_partial(request: HttpRequest) -> bool:
    htmx = getattr(request, "htmx", None)
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page_or_partial(
    request: HttpRequest,
    template_name: str,
    partial_template_name: str,
    context: Mapping[str, Any] | None = None,
    **kwargs: Any,
) -> HttpResponse:
    """`render()` with `partial_template_name` for htmx's fragment requests."""
    name = partial_template_name if wants_partial(request) else template_name
    return render(request, name, context, **kwargs)


class HtmxTemplateMixin:
    """For class-based views: name `partial_template_name` beside `template_name`.

    The partial is normally the block of the page that htmx targets, in a template of its own that the
    page template includes, so the two cannot drift apart.
    """

    partial_template_name: str | None = None

    def get_template_names(self) -> list[str]:
        if self.partial_template_name and wants_partial(self.request):
            return [self.partial_template_name]
        return super().get_template_names()
