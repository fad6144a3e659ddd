import pytest
from django.test import RequestFactory
from django.views.generic import TemplateView
from django_htmx.middleware import HtmxMiddleware

from kund.core.htmx import HtmxTemplateMixin, wants_partial


def _request(**headers):
    request = RequestFactory().get("/", headers=headers)
    HtmxMiddleware(lambda r: None)(request)
    return request


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({}, False),
        ({"HX-Request": "true"}, True),
        ({"HX-Request": "true", "HX-Boosted": "true"}, False),
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, False),
    ],
)
def test_wants_partial(headers, expected):
    assert wants_partial(_request(**headers)) is expected


class _View(HtmxTemplateMixin, TemplateView):
    template_name = "page.html"
    partial_template_name = "page_partial.html"


def test_mixin_picks_the_partial_for_htmx_only():
    view = _View()

    view.request = _request()
    assert view.get_template_names() == ["page.html"]

    view.request = _request(**{"HX-Request": "true"})
    assert view.get_template_names() == ["page_partial.html"]
