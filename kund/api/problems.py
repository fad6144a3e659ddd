"""Errors as problem details (RFC 9457), `application/problem+json`, for every failure of the API (SPEC
B-9): `type`, `title`, `status`, `detail`, and for bad input (400) the errors by field, for a blocked
erasure (409) the blockers. Plain HTTP failures have the type `about:blank` and the status's own title;
Kund's own kinds of problem have a `urn:kund:problem:…` type a client can act on.

No failure becomes a bare 500: an unexpected exception is logged by its type and where it happened (not its
message, which may quote personal data) and answered with a problem of status 500 that says nothing more.
"""

import logging
import traceback
from http import HTTPStatus

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

logger = logging.getLogger("kund.api")

CONTENT_TYPE = "application/problem+json"
INVALID = "urn:kund:problem:invalid-input"
BLOCKED = "urn:kund:problem:blocked"
NOT_ERASABLE = "urn:kund:problem:not-erasable"
NOTHING_SELECTED = "urn:kund:problem:nothing-selected"
ALREADY_STARTED = "urn:kund:problem:already-started"
TOO_WIDE = "urn:kund:problem:too-wide-to-sort"
NON_FIELD = "non_field_errors"


class Problem(exceptions.APIException):
    """A problem of Kund's own kind, with extension members (`blockers`, `action`, …)."""

    def __init__(self, *, status_code: int, type: str, title: str, detail: str, **extensions):
        super().__init__(detail=detail)
        self.status_code = status_code
        self.type = type
        self.title = title
        self.extensions = extensions


class PayloadTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request body is too large.")


def field_errors(detail, prefix: str = "") -> dict[str, list[str]]:
    """A serializer's or a form's errors as {"field": ["message", …]}, nested fields joined by dots."""
    errors: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = NON_FIELD if key in (NON_FIELD, "__all__") and not prefix else f"{prefix}{key}"
            for inner, messages in field_errors(value, "" if name == NON_FIELD else f"{name}.").items():
                errors.setdefault(inner or name, []).extend(messages)
    elif isinstance(detail, list) and all(isinstance(item, str) for item in detail):
        errors[prefix.rstrip(".")] = [str(item) for item in detail]
    elif isinstance(detail, list):
        for index, item in enumerate(detail):
            for inner, messages in field_errors(item, f"{prefix}{index}.").items():
                errors.setdefault(inner, []).extend(messages)
    else:
        errors[prefix.rstrip(".")] = [str(detail)]
    return errors


def form_errors(errors) -> dict[str, list[str]]:
    """A Django form's (or filterset's) errors by field."""
    return field_errors(
        {name: [e["message"] for e in found] for name, found in errors.get_json_data().items()}
    )


def invalid(errors: dict[str, list[str]]) -> Problem:
    return Problem(
        status_code=400,
        type=INVALID,
        title=_("Bad input"),
        detail=_("The request has errors; see errors, by field."),
        errors=errors,
    )


def from_django_validation_error(error: DjangoValidationError) -> Problem:
    if hasattr(error, "error_dict"):
        return invalid(field_errors(error.message_dict))
    return invalid({NON_FIELD: list(error.messages)})


def problem_response(status_code: int, body: dict, headers: dict | None = None) -> Response:
    return Response(body, status=status_code, headers=headers, content_type=CONTENT_TYPE)


def plain_problem(status_code: int, detail: str) -> dict:
    return {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": str(detail),
    }


def exception_handler(exc, context) -> Response:
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(_("There is no such resource, or you may not see it."))
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, DjangoValidationError):
        exc = from_django_validation_error(exc)
    elif isinstance(exc, RequestDataTooBig):
        exc = PayloadTooLarge()
    elif isinstance(exc, exceptions.ValidationError):
        exc = invalid(field_errors(exc.detail))

    if not isinstance(exc, exceptions.APIException):
        # Where it happened and of what type, not its message: a message may quote a value (a name, an
        # e-mail address) and the log must hold no personal data.
        view = context.get("view")
        logger.error(
            "unexpected %s in %s\n%s",
            type(exc).__name__,
            type(view).__name__ if view else "the API",
            "".join(traceback.format_tb(exc.__traceback__)),
        )
        set_rollback()
        return problem_response(500, plain_problem(500, _("Something went wrong on our side.")))

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    set_rollback()

    if isinstance(exc, Problem):
        body = {
            "type": exc.type,
            "title": str(exc.title),
            "status": exc.status_code,
            "detail": str(exc.detail),
        }
        body.update(exc.extensions)
    else:
        body = plain_problem(exc.status_code, exc.detail)
    return problem_response(exc.status_code, body, headers)
