"""The API's endpoints (SPEC B-9). Each is a thin door: it asks kund.core.rules, reads through the selectors,
writes through the services and jobs the web pages and the command line use, and translates with
kund.api.serializers. Customers are named by their customer number, data-subject requests by their id.

The same answers as the web: a customer the user may not view — not assigned to them, deleted, or never
there — is a 404; a right the user does not hold is a 403. Anonymized customers are left out of the list
(A-5) unless `anonymized=true` asks for them, as the web's advanced search does; one asked for by number is
shown as its card shows it, marked `anonymized`.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters import filters as django_filters
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers as drf
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import APIView

from kund.api import problems
from kund.api.customer_input import check_customer, service_errors, stored_custom_values
from kund.api.paging import CURSOR, after_cursor, after_request_cursor, cursor_after, request_cursor_after
from kund.api.problems import Problem, invalid
from kund.api.serializers import (
    MAX_ID,
    AccessExportSerializer,
    ConflictProblemSerializer,
    CustomerCreateSerializer,
    CustomerPageSerializer,
    CustomerSerializer,
    CustomerUpdateSerializer,
    DataRequestCreateSerializer,
    DataRequestDetailSerializer,
    DataRequestPageSerializer,
    DataRequestSerializer,
    DataRequestUpdateSerializer,
    EraseResultSerializer,
    EraseSerializer,
    ErasureLogEntrySerializer,
    ErasureLogPageSerializer,
    ErasurePlanSerializer,
    InvalidInputProblemSerializer,
    MassErasurePlanSerializer,
    MassErasureSerializer,
    ProblemSerializer,
    StartSerializer,
)
from kund.audit.models import ErasureLogEntry
from kund.core import rules
from kund.customers import selectors
from kund.customers.custom_fields import custom_values_set
from kund.customers.filtersets import DEFAULT_SORT, SORTS, CustomerFilterSet, filter_customers
from kund.customers.models import Customer
from kund.customers.services import NUMBER_PATTERN, customer_create, customer_set_status, customer_update
from kund.privacy import jobs, mass
from kund.privacy.access_export import access_export
from kund.privacy.models import ErasureJob
from kund.privacy.planner import Action, plan_customer
from kund.privacy.services import ErasureRefused, customer_anonymize, customer_delete, customer_erase
from kund.requests import selectors as request_selectors
from kund.requests import services as request_services
from kund.requests.forms import (
    ExportForm,
    ExtendForm,
    IdentityForm,
    ReceiptForm,
    RefuseForm,
    RequestFilterForm,
    RequestForm,
)
from kund.requests.models import DataRequest

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
NUMBER_MAX_LENGTH = Customer._meta.get_field("number").max_length


# --- the description of errors (RFC 9457) -------------------------------------------------------------------

PROBLEM = problems.CONTENT_TYPE
_PROBLEMS = {
    400: (InvalidInputProblemSerializer, gettext_lazy("Bad input: the errors by field.")),
    401: (ProblemSerializer, gettext_lazy("No token, or not a valid one (WWW-Authenticate: Bearer).")),
    403: (ProblemSerializer, gettext_lazy("The token's user does not have the right.")),
    404: (ProblemSerializer, gettext_lazy("Unknown, deleted, or not visible to the token's user.")),
    409: (ConflictProblemSerializer, gettext_lazy("Not possible now: for an erasure, with the blockers.")),
    413: (ProblemSerializer, gettext_lazy("The request body is too large.")),
    415: (ProblemSerializer, gettext_lazy("The request body must be JSON.")),
    429: (ProblemSerializer, gettext_lazy("Too many requests with this token; see Retry-After.")),
}


def responses(ok: dict, *codes: int, body: bool = False) -> dict:
    """The success responses and the problems an operation can answer with: every one can answer 401 and
    429; one with a body also 413 and 415."""
    wanted = sorted({401, 429, *codes, *((400, 413, 415) if body else ())})
    problems_ = {
        (code, PROBLEM): OpenApiResponse(response=_PROBLEMS[code][0], description=_PROBLEMS[code][1])
        for code in wanted
    }
    return {**ok, **problems_}


def parameter(
    name: str, schema: dict, description="", *, location=OpenApiParameter.QUERY
) -> OpenApiParameter:
    return OpenApiParameter(
        name, schema, location, required=location == OpenApiParameter.PATH, description=description
    )


NUMBER = parameter(
    "number",
    {"type": "string", "pattern": r"^[0-9A-Za-z][0-9A-Za-z-]*$", "maxLength": NUMBER_MAX_LENGTH},
    gettext_lazy("The customer number."),
    location=OpenApiParameter.PATH,
)
JOB_ID = parameter(
    "id",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    gettext_lazy("The run's id."),
    location=OpenApiParameter.PATH,
)
PAGE_SIZE_PARAMETER = parameter(
    "page_size",
    {"type": "integer", "minimum": 1, "maximum": MAX_PAGE_SIZE, "default": PAGE_SIZE},
    gettext_lazy("Rows per page."),
)


# --- the base of every endpoint -----------------------------------------------------------------------------


class ApiView(APIView):
    # The query parameters each method reads; any other is refused, so a misspelt filter (`?custmer=`)
    # is an error rather than a list of everything.
    query_parameters: dict[str, frozenset[str]] = {}

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        method = "get" if request.method == "HEAD" else request.method.lower()
        known = self.query_parameters.get(method, frozenset())
        unknown = sorted(name[:100] for name in request.query_params if name not in known)
        if unknown:
            raise invalid({name: [_("There is no such parameter.")] for name in unknown[:20]})

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response["Cache-Control"] = "no-store"  # personal data: kept by no cache on the way
        return response


def _valid(serializer_class, data, **context):
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def customer_for(user, number: str) -> Customer:
    """The customer with this number, if the user may view it: to anyone else it does not exist (R-9)."""
    rules.require(rules.may_view_register(user), _("You do not have the right to see customers."))
    if len(number) > NUMBER_MAX_LENGTH or not NUMBER_PATTERN.fullmatch(number):
        raise NotFound(_("There is no customer with this number, or you may not see it."))
    customer = Customer.objects.select_related("group", "responsible").filter(number=number).first()
    if customer is None or not rules.may_view(user, customer):
        raise NotFound(_("There is no customer with this number, or you may not see it."))
    return customer


def represent(customer: Customer) -> dict:
    values = stored_custom_values([customer.pk])
    return CustomerSerializer(customer, context={"custom_values": values}).data


def customer_location(customer: Customer) -> str:
    return reverse("api:customer-detail", args=[customer.number])


# --- customers ----------------------------------------------------------------------------------------------


class ListParams(drf.Serializer):
    """The page's own parameters, and `anonymized`, which the web reads as a checkbox (any value ticks it)
    and the API as a boolean; the others are the list's filters, checked by its filterset."""

    anonymized = drf.ChoiceField(choices=["true", "false"], required=False, allow_blank=True)
    sort = drf.ChoiceField(choices=list(SORTS), required=False, default=DEFAULT_SORT)
    cursor = drf.CharField(required=False, max_length=500)
    page_size = drf.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=PAGE_SIZE)


def _filter_parameters() -> list[OpenApiParameter]:
    """The list's filters, described from the web list's own filterset."""
    parameters = []
    for name, spec in CustomerFilterSet.base_filters.items():
        if isinstance(spec, django_filters.ModelChoiceFilter):
            schema = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
        elif isinstance(spec, django_filters.ChoiceFilter):
            schema = {"type": "string", "enum": [value for value, _label in spec.extra["choices"]]}
        elif isinstance(spec, django_filters.DateFilter):
            schema = {"type": "string", "format": "date"}
        elif isinstance(spec, django_filters.BooleanFilter):
            schema = {"type": "boolean"}
        else:
            schema = {"type": "string", "maxLength": spec.extra["max_length"]}
        parameters.append(parameter(name, schema, str(spec.label)))
    return parameters


LIST_PARAMETERS = [
    *_filter_parameters(),
    parameter(
        "sort", {"type": "string", "enum": list(SORTS), "default": DEFAULT_SORT}, gettext_lazy("The order.")
    ),
    parameter(CURSOR, {"type": "string", "maxLength": 500}, gettext_lazy("From a page's `next` link.")),
    PAGE_SIZE_PARAMETER,
]


class CustomerListView(ApiView):
    query_parameters = {"get": frozenset({*CustomerFilterSet.base_filters, *ListParams().fields})}

    @extend_schema(
        operation_id="customers_list",
        tags=["customers"],
        summary=gettext_lazy("Search and list customers"),
        description=gettext_lazy(
            "The customer list's search (names, contact person, e-mail by how they begin; a customer "
            "number) and filters, a page at a time. Anonymized customers only with anonymized=true (A-5). "
            "There is no total: follow `next` until it is null."
        ),
        parameters=LIST_PARAMETERS,
        responses=responses({200: CustomerPageSerializer}, 400, 403),
    )
    def get(self, request):
        user = request.user
        rules.require(rules.may_view_register(user), _("You do not have the right to see customers."))
        params = _valid(ListParams, request.query_params)
        filters = request.query_params.copy()
        if "anonymized" in filters:  # "true", "false" or "", which the web's checkbox reads alike
            filters["anonymized"] = params.get("anonymized", "")
        found = filter_customers(filters, user)
        if not found.valid:
            raise invalid(problems.form_errors(found.filterset.errors))
        sort = params["sort"]
        base, customers = found.base, found.customers
        narrowed = customers is not base
        if params.get("cursor"):
            after = after_cursor(sort, params["cursor"])
            base = base.filter(after)
            customers = customers.filter(after) if narrowed else base
        base = base.select_related("group", "responsible")
        customers = customers.select_related("group", "responsible") if narrowed else base
        searching = found.filterset.is_bound and bool(found.filterset.form.cleaned_data.get("q"))
        try:
            page = selectors.customer_page(
                base,
                customers,
                SORTS[sort],
                1,
                params["page_size"],
                probe_size=selectors.probe_size(sort, searching=searching),
            )
        except selectors.TooWideToSort:
            raise Problem(
                status_code=400,
                type=problems.TOO_WIDE,
                title=_("Too many matches to sort"),
                detail=_(
                    "Too many customers match to sort them by name. Narrow the search or sort by number."
                ),
            ) from None
        rows = page.object_list
        next_url = None
        if page.has_next and rows:
            query = request.query_params.copy()
            query[CURSOR] = cursor_after(sort, rows[-1])
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        context = {"custom_values": stored_custom_values([row.pk for row in rows])}
        results = CustomerSerializer(rows, many=True, context=context).data
        return Response({"sort": sort, "next": next_url, "results": results})

    @extend_schema(
        operation_id="customers_create",
        tags=["customers"],
        summary=gettext_lazy("Create a customer"),
        request=CustomerCreateSerializer,
        responses=responses({201: CustomerSerializer}, 403, body=True),
    )
    def post(self, request):
        user = request.user
        rules.require(rules.may_create(user), _("You do not have the right to create customers."))
        checked = check_customer(_valid(CustomerCreateSerializer, request.data), customer=None)
        data = checked.customer_data()
        if checked.status:
            data["status"] = checked.status
        try:
            with transaction.atomic():
                customer = customer_create(
                    actor=user, data=data, number=checked.form.cleaned_data["number"] or None
                )
                custom_values_set(customer=customer, actor=user, values=checked.custom_data())
        except ValidationError as error:
            raise invalid(service_errors(error, checked.form.custom_fields)) from None
        customer = Customer.objects.select_related("group", "responsible").get(pk=customer.pk)
        return Response(represent(customer), status=201, headers={"Location": customer_location(customer)})


class CustomerDetailView(ApiView):
    @extend_schema(
        operation_id="customers_retrieve",
        tags=["customers"],
        summary=gettext_lazy("One customer"),
        parameters=[NUMBER],
        responses=responses({200: CustomerSerializer}, 403, 404),
    )
    def get(self, request, number: str):
        return Response(represent(customer_for(request.user, number)))

    @extend_schema(
        operation_id="customers_partial_update",
        tags=["customers"],
        summary=gettext_lazy("Change a customer"),
        parameters=[NUMBER],
        request=CustomerUpdateSerializer,
        responses=responses({200: CustomerSerializer}, 403, 404, body=True),
    )
    def patch(self, request, number: str):
        user = request.user
        customer = customer_for(user, number)
        if customer.is_anonymized:
            rules.require(False, _("An anonymized customer cannot be changed."))
        rules.require(
            rules.may_change(user, customer), _("You do not have the right to change this customer.")
        )
        checked = check_customer(_valid(CustomerUpdateSerializer, request.data), customer=customer)
        try:
            with transaction.atomic():
                customer_update(customer=customer, actor=user, data=checked.customer_data())
                custom_values_set(customer=customer, actor=user, values=checked.custom_data())
                if checked.status:
                    customer_set_status(customer=customer, actor=user, status=checked.status)
        except ValidationError as error:
            raise invalid(service_errors(error, checked.form.custom_fields)) from None
        customer = Customer.objects.select_related("group", "responsible").get(pk=customer.pk)
        return Response(represent(customer))


# --- erasure of one customer (E-1..E-5, B-1, B-2) -----------------------------------------------------------


def _may_erase(user, customer: Customer) -> None:
    rules.require(
        rules.may_erase(user, customer), _("You do not have the right to delete or anonymize customers.")
    )


class ErasurePlanView(ApiView):
    @extend_schema(
        operation_id="customers_erasure_plan",
        tags=["erasure"],
        summary=gettext_lazy("What erasing the customer would do"),
        description=gettext_lazy(
            "The decision (delete, anonymize, blocked, already anonymized), the blockers, the documents a "
            "delete removes and the kept free text to review first: `kund erasure_plan NUMBER --json`. "
            "Needs the erasure right (E-4)."
        ),
        parameters=[NUMBER],
        responses=responses({200: ErasurePlanSerializer}, 403, 404),
    )
    def get(self, request, number: str):
        customer = customer_for(request.user, number)
        _may_erase(request.user, customer)
        return Response(plan_customer(customer).as_dict())


ERASERS = {
    None: customer_erase,
    Action.DELETE.value: customer_delete,
    Action.ANONYMIZE.value: customer_anonymize,
}


class EraseView(ApiView):
    @extend_schema(
        operation_id="customers_erase",
        tags=["erasure"],
        summary=gettext_lazy("Delete or anonymize the customer"),
        description=gettext_lazy(
            "Carries out the action that applies (E-1), which cannot be undone. A blocked customer is a 409 "
            "with its blockers. The receipt is the erasure log row's hash."
        ),
        parameters=[NUMBER],
        request=EraseSerializer,
        responses=responses({200: EraseResultSerializer}, 403, 404, 409, body=True),
    )
    def post(self, request, number: str):
        user = request.user
        customer = customer_for(user, number)
        _may_erase(user, customer)
        wanted = _valid(EraseSerializer, request.data).get("action")
        try:
            outcome = ERASERS[wanted](customer=customer, actor=user)
        except ErasureRefused as refused:
            raise self.refusal(customer, refused) from None
        action = Action.DELETE if outcome.result == "deleted" else Action.ANONYMIZE
        return Response(
            {
                "customer": outcome.number,
                "action": action.value,
                "result": outcome.result,
                "receipt": outcome.receipt,
            }
        )

    @staticmethod
    def refusal(customer: Customer, refused: ErasureRefused) -> Exception:
        if not Customer.objects.filter(pk=customer.pk).exists():
            return NotFound(_("There is no customer with this number, or you may not see it."))
        plan = plan_customer(customer)
        if plan.action == Action.BLOCKED:
            return Problem(
                status_code=409,
                type=problems.BLOCKED,
                title=_("Blocked"),
                detail=_("The customer cannot be erased yet: see blockers."),
                action=plan.action.value,
                blockers=[blocker.as_dict() for blocker in plan.blockers],
            )
        return Problem(
            status_code=409,
            type=problems.NOT_ERASABLE,
            title=_("Not erased"),
            detail=str(refused),
            action=plan.action.value,
            blockers=[],
        )


class ExportView(ApiView):
    @extend_schema(
        operation_id="customers_export",
        tags=["customers"],
        summary=gettext_lazy("Everything held about the customer (GDPR art. 15, 20)"),
        description=gettext_lazy(
            "The access export (B-1), as `kund export_customer NUMBER` prints it; recorded in the customer's "
            "change history."
        ),
        parameters=[NUMBER],
        responses=responses({200: AccessExportSerializer}, 403, 404),
    )
    def get(self, request, number: str):
        customer = customer_for(request.user, number)
        rules.require(rules.may_export(request.user, customer))
        export = access_export(customer=customer, actor=request.user)
        return Response(json.loads(export.as_json()))


# --- mass erasure (M-1..M-6) --------------------------------------------------------------------------------


def _may_mass_erase(user) -> None:
    try:
        jobs.require_mass_erasure(user)
    except jobs.JobRefused as refused:  # the CRM module is off (M-6)
        rules.require(False, str(refused))


def _mass_job(pk: int) -> ErasureJob:
    job = ErasureJob.objects.filter(pk=pk, kind=ErasureJob.Kind.MASS).first() if pk <= MAX_ID else None
    if job is None:
        raise NotFound(_("There is no such mass erasure run."))
    return job


def _already_started(refused: jobs.JobRefused) -> Problem:
    """409: the run was started already (or, for a discard, is no longer only planned)."""
    return Problem(
        status_code=409, type=problems.ALREADY_STARTED, title=_("Already started"), detail=str(refused)
    )


def _job_location(job: ErasureJob) -> str:
    return reverse("api:mass-erasure-detail", args=[job.pk])


class MassErasureListView(ApiView):
    @extend_schema(
        operation_id="mass_erasures_create",
        tags=["mass erasure"],
        summary=gettext_lazy("Plan a mass erasure"),
        description=gettext_lazy(
            "Selects and plans (M-1..M-4) without erasing anything: the counts are those of "
            "`kund mass_erase --json --dry-run`. Start the run with its start operation. No customer "
            "selected is a 409."
        ),
        request=MassErasurePlanSerializer,
        responses=responses({201: MassErasureSerializer}, 403, 409, body=True),
    )
    def post(self, request):
        _may_mass_erase(request.user)
        data = _valid(MassErasurePlanSerializer, request.data, max_limit=mass.default_limit())
        try:
            job = jobs.plan_mass_job(
                actor=request.user,
                criteria=data["criteria"],
                through=data["through"],
                limit=data.get("limit"),
            )
        except jobs.NothingSelected as nothing:
            raise Problem(
                status_code=409,
                type=problems.NOTHING_SELECTED,
                title=_("Nothing selected"),
                detail=str(nothing),
            ) from None
        return Response(MassErasureSerializer(job).data, status=201, headers={"Location": _job_location(job)})


class MassErasureDetailView(ApiView):
    @extend_schema(
        operation_id="mass_erasures_retrieve",
        tags=["mass erasure"],
        summary=gettext_lazy("A mass erasure run: its state, counts and progress"),
        parameters=[JOB_ID],
        responses=responses({200: MassErasureSerializer}, 403, 404),
    )
    def get(self, request, pk: int):
        _may_mass_erase(request.user)
        return Response(MassErasureSerializer(_mass_job(pk)).data)

    @extend_schema(
        operation_id="mass_erasures_destroy",
        tags=["mass erasure"],
        summary=gettext_lazy("Discard a planned mass erasure"),
        description=gettext_lazy(
            "Throws away a run that was planned and never started, as the web's \"Discard this "
            'verification": nothing was erased, and the customers can be planned again. A run already '
            "started is a 409."
        ),
        parameters=[JOB_ID],
        responses=responses({204: None}, 403, 404, 409),
    )
    def delete(self, request, pk: int):
        _may_mass_erase(request.user)
        job = _mass_job(pk)
        try:
            jobs.discard_job(actor=request.user, job=job)
        except jobs.JobRefused as refused:
            raise _already_started(refused) from None
        return Response(status=204)


class MassErasureStartView(ApiView):
    @extend_schema(
        operation_id="mass_erasures_start",
        tags=["mass erasure"],
        summary=gettext_lazy("Start a planned mass erasure"),
        description=gettext_lazy(
            "Asks twice (M-5): both `confirm` and `confirm_again` must be true. The run goes on in the "
            "background; follow it with the run's own operation. A run already started is a 409."
        ),
        parameters=[JOB_ID],
        request=StartSerializer,
        responses=responses({202: MassErasureSerializer}, 403, 404, 409, body=True),
    )
    def post(self, request, pk: int):
        _may_mass_erase(request.user)
        job = _mass_job(pk)
        _valid(StartSerializer, request.data)
        try:
            jobs.start_job(actor=request.user, job=job)
        except jobs.JobRefused as refused:
            _mass_job(pk)  # discarded meanwhile: a 404, as if asked a moment later
            raise _already_started(refused) from None
        job.refresh_from_db()
        return Response(MassErasureSerializer(job).data, status=202, headers={"Location": _job_location(job)})


# --- the erasure log (B-2) ----------------------------------------------------------------------------------


class LogParams(drf.Serializer):
    after = drf.IntegerField(required=False, min_value=0, max_value=MAX_ID, default=0)
    customer = drf.CharField(required=False, max_length=NUMBER_MAX_LENGTH)
    page_size = drf.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=PAGE_SIZE)


class ErasureLogView(ApiView):
    query_parameters = {"get": frozenset(LogParams().fields)}

    @extend_schema(
        operation_id="erasure_log_list",
        tags=["erasure log"],
        summary=gettext_lazy("The erasure log"),
        description=gettext_lazy(
            "One row per erasure, oldest first, hash-chained (B-2); no personal data. Follow `next`, or ask "
            "again later with after=<the last sequence seen> for the new rows."
        ),
        parameters=[
            parameter(
                "after",
                {"type": "integer", "minimum": 0, "maximum": MAX_ID, "default": 0},
                gettext_lazy("Only rows after this sequence."),
            ),
            parameter(
                "customer",
                {"type": "string", "maxLength": NUMBER_MAX_LENGTH},
                gettext_lazy("A customer number."),
            ),
            PAGE_SIZE_PARAMETER,
        ],
        responses=responses({200: ErasureLogPageSerializer}, 400, 403),
    )
    def get(self, request):
        rules.require(
            rules.may_view_erasure_log(request.user), _("You do not have the right to read the erasure log.")
        )
        params = _valid(LogParams, request.query_params)
        entries = ErasureLogEntry.objects.filter(sequence__gt=params["after"])
        if params.get("customer"):
            entries = entries.filter(customer_number=params["customer"])
        size = params["page_size"]
        rows = list(entries.order_by("sequence")[: size + 1])
        next_url = None
        if len(rows) > size:
            rows = rows[:size]
            query = request.query_params.copy()
            query["after"] = str(rows[-1].sequence)
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response({"next": next_url, "results": ErasureLogEntrySerializer(rows, many=True).data})


# --- data-subject requests (B-7) ----------------------------------------------------------------------------
# The request register's pages as endpoints: the list's filters are its web form's (RequestFilterForm), a new
# request and each step are checked by the page's own forms and carried out by kund.requests.services, so the
# API, the pages and `kund requests` accept and refuse the same requests with the same words.


def _may_handle_requests(user) -> None:
    rules.require(
        rules.may_handle_requests(user), _("You do not have the right to handle data-subject requests.")
    )


REQUEST_RELATED = ("responsible", "identity_checked_by", "closed_by", "created_by", "erasure")


def request_for(user, pk: int) -> DataRequest:
    """The request with this id, if the user may handle requests and see its customer (R-9)."""
    _may_handle_requests(user)
    found = None
    if pk <= MAX_ID:
        found = request_selectors.requests_for(user).select_related(*REQUEST_RELATED).filter(pk=pk).first()
    if found is None:
        raise NotFound(_("There is no such request, or you may not see it."))
    return found


def _flagged(rows: list[DataRequest]) -> list[DataRequest]:
    """Overdue and due soon, as the register's lists decide them."""
    on = request_selectors.today()
    for row in rows:
        row.overdue, row.due_soon = request_selectors.overdue_flags(row, on=on)
    return rows


def represent_request(user, pk: int) -> dict:
    """A request as its page shows it, with what can answer it while it is open."""
    data_request = _flagged([request_for(user, pk)])[0]
    erasures, exports = [], []
    if not data_request.is_closed and data_request.kind == DataRequest.Kind.ERASURE:
        erasures = request_services.erasure_candidates(data_request)
    elif not data_request.is_closed:
        exports = request_services.export_candidates(data_request)
    data_request.erasure_candidates, data_request.export_candidates = erasures, exports
    return DataRequestDetailSerializer(data_request).data


def request_location(pk: int) -> str:
    return reverse("api:request-detail", args=[pk])


def request_responses(ok: dict, *codes: int, body: bool = False) -> dict:
    """responses(), with the request register's own 409: a step the request's state does not allow."""
    described = responses(ok, *codes, body=body)
    if 409 in codes:
        described[(409, PROBLEM)] = OpenApiResponse(
            response=ProblemSerializer,
            description=gettext_lazy(
                "Not possible in the request's state: closed, its identity not yet checked or already "
                "checked, or (for a new one) the customer's open request of the kind registered meanwhile."
            ),
        )
    return described


def _not_possible(detail: str) -> Problem:
    return Problem(
        status_code=409, type=problems.REQUEST_NOT_POSSIBLE, title=_("Not possible now"), detail=detail
    )


def _renamed(form_errors: dict[str, list[str]], names: dict[str, str]) -> dict[str, list[str]]:
    """A page's form errors under the API's field names."""
    return {names.get(name, name): messages for name, messages in form_errors.items()}


class RequestListParams(drf.Serializer):
    """The page's own parameters, and the customer number; `show` and `kind` are the web list's filters,
    checked by its form."""

    customer = drf.CharField(required=False, allow_blank=True, max_length=NUMBER_MAX_LENGTH)
    cursor = drf.CharField(required=False, max_length=500)
    page_size = drf.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE, default=PAGE_SIZE)


def _choices(form_field) -> list[str]:
    return [str(value) for value, _label in form_field.choices if value != ""]


REQUEST_LIST_PARAMETERS = [
    parameter(
        "show",
        {
            "type": "string",
            "enum": _choices(RequestFilterForm.base_fields["show"]),
            "default": request_selectors.SHOW_OPEN,
        },
        gettext_lazy(
            "open, overdue (open and past the deadline), due_soon (open, due within 7 days), closed, or all. "
            "The closed ones come newest first, the others by deadline."
        ),
    ),
    parameter(
        "kind",
        {"type": "string", "enum": _choices(RequestFilterForm.base_fields["kind"])},
        gettext_lazy("Kind"),
    ),
    parameter(
        "customer", {"type": "string", "maxLength": NUMBER_MAX_LENGTH}, gettext_lazy("A customer number.")
    ),
    parameter(CURSOR, {"type": "string", "maxLength": 500}, gettext_lazy("From a page's `next` link.")),
    PAGE_SIZE_PARAMETER,
]

# The API's names of the fields of the pages' forms.
CREATE_NAMES = {"customer_number": "customer", "received_on": "received"}


class RequestListView(ApiView):
    query_parameters = {"get": frozenset({*RequestFilterForm.base_fields, *RequestListParams().fields})}

    @extend_schema(
        operation_id="requests_list",
        tags=["requests"],
        summary=gettext_lazy("List data-subject requests"),
        description=gettext_lazy(
            "The request register's list (B-7): open requests by deadline unless `show` says otherwise, a "
            "page at a time. Follow `next` until it is null. Needs the right to handle requests."
        ),
        parameters=REQUEST_LIST_PARAMETERS,
        responses=request_responses({200: DataRequestPageSerializer}, 400, 403),
    )
    def get(self, request):
        user = request.user
        _may_handle_requests(user)
        params = _valid(RequestListParams, request.query_params)
        form = RequestFilterForm(request.query_params)
        if not form.is_valid():
            raise invalid(problems.form_errors(form.errors))
        show, kind = form.selection()
        rows = request_selectors.filtered(
            request_selectors.requests_for(user).select_related(*REQUEST_RELATED),
            show=show,
            kind=kind,
            customer_number=params.get("customer", ""),
        )
        order = request_selectors.order_of(show)
        if params.get("cursor"):
            rows = rows.filter(after_request_cursor(order, params["cursor"]))
        size = params["page_size"]
        page = list(rows[: size + 1])
        next_url = None
        if len(page) > size:
            page = page[:size]
            query = request.query_params.copy()
            query[CURSOR] = request_cursor_after(order, page[-1])
            next_url = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        results = DataRequestSerializer(_flagged(page), many=True).data
        return Response({"next": next_url, "results": results})

    @extend_schema(
        operation_id="requests_create",
        tags=["requests"],
        summary=gettext_lazy("Register a data-subject request"),
        description=gettext_lazy(
            "As received: its deadline is one calendar month after `received`. A customer may have one open "
            "request of each kind."
        ),
        request=DataRequestCreateSerializer,
        responses=request_responses({201: DataRequestDetailSerializer}, 403, 409, body=True),
    )
    def post(self, request):
        user = request.user
        _may_handle_requests(user)
        data = _valid(DataRequestCreateSerializer, request.data)
        form = RequestForm(
            {
                "kind": data["kind"],
                "channel": data.get("channel") or DataRequest.Channel.EMAIL,
                "customer_number": data.get("customer", ""),
                "contact": data.get("contact", ""),
                "received_on": data["received"],
                "responsible": data.get("responsible") or user.pk,
            },
            actor=user,
        )
        if not form.is_valid():
            raise invalid(_renamed(problems.form_errors(form.errors), CREATE_NAMES))
        try:
            created = form.register()
        except request_services.RequestRefused as refused:
            raise _not_possible(str(refused)) from None
        return Response(
            represent_request(user, created.pk),
            status=201,
            headers={"Location": request_location(created.pk)},
        )


REQUEST_ID = parameter(
    "id",
    {"type": "integer", "minimum": 1, "maximum": MAX_ID},
    gettext_lazy("The request's id."),
    location=OpenApiParameter.PATH,
)


@dataclass
class _Step:
    """One step of a change, checked by its page's form before any step is taken."""

    form: forms.Form
    names: dict[str, str]  # the form's field names -> the API's
    take: Callable[[forms.Form], object]


def _steps(user, data_request: DataRequest, data: dict) -> list[_Step]:
    """The steps the body asks for, in the order they are taken; a 400 with every error if any form
    refuses its input, before anything is written."""
    steps: list[_Step] = []
    errors: dict[str, list[str]] = {}
    if "identity_method" in data:
        steps.append(
            _Step(
                IdentityForm({"method": data["identity_method"]}),
                {"method": "identity_method"},
                lambda form: request_services.request_check_identity(
                    request=data_request, actor=user, method=form.cleaned_data["method"]
                ),
            )
        )
    if "extension_months" in data or "extension_reason" in data:
        steps.append(
            _Step(
                ExtendForm(
                    {"months": data.get("extension_months", ""), "reason": data.get("extension_reason", "")},
                    request=data_request,
                ),
                {"months": "extension_months", "reason": "extension_reason"},
                lambda form: request_services.request_extend(
                    request=data_request,
                    actor=user,
                    months=form.cleaned_data["months"],
                    reason=form.cleaned_data["reason"],
                ),
            )
        )
    outcome = data.get("outcome")
    is_erasure = data_request.kind == DataRequest.Kind.ERASURE
    # Each outcome's own field, and nothing of another outcome's.
    wanted = {
        DataRequest.State.DONE: "receipt" if is_erasure else "export",
        DataRequest.State.REFUSED: "refusal_reason",
    }.get(outcome)
    for name in ("receipt", "export", "refusal_reason"):
        if name in data and name != wanted:
            errors[name] = [_not_for(name, is_erasure)]
    if outcome == DataRequest.State.REFUSED:
        steps.append(
            _Step(
                RefuseForm({"reason": data.get("refusal_reason", "")}),
                {"reason": "refusal_reason"},
                lambda form: request_services.request_refuse(
                    request=data_request, actor=user, reason=form.cleaned_data["reason"]
                ),
            )
        )
    elif outcome == DataRequest.State.DONE and is_erasure:
        steps.append(
            _Step(
                ReceiptForm({"receipt": data.get("receipt", "")}, request=data_request),
                {},
                lambda form: request_services.request_complete_erasure(
                    request=data_request, actor=user, receipt=form.cleaned_data["receipt"]
                ),
            )
        )
    elif outcome == DataRequest.State.DONE:
        steps.append(
            _Step(
                ExportForm({"export": data.get("export", "")}, request=data_request),
                {},
                lambda form: request_services.request_complete_access(
                    request=data_request, actor=user, export_record=form.cleaned_data["export"]
                ),
            )
        )
    for step in steps:
        if not step.form.is_valid():
            errors.update(_renamed(problems.form_errors(step.form.errors), step.names))
    if not steps and not errors:
        errors[problems.NON_FIELD] = [_("Say what to do: identity_method, extension_months or outcome.")]
    if errors:
        raise invalid(errors)
    return steps


def _not_for(name: str, is_erasure: bool) -> str:
    if name == "refusal_reason":
        return _("Only with the outcome refused.")
    if name == "receipt" and not is_erasure:
        return _("An access request is answered by an access export: give export.")
    if name == "export" and is_erasure:
        return _("An erasure request is answered by an erasure: give its receipt.")
    return _("Only with the outcome done.")


class RequestDetailView(ApiView):
    @extend_schema(
        operation_id="requests_retrieve",
        tags=["requests"],
        summary=gettext_lazy("One data-subject request"),
        parameters=[REQUEST_ID],
        responses=request_responses({200: DataRequestDetailSerializer}, 403, 404),
    )
    def get(self, request, pk: int):
        return Response(represent_request(request.user, pk))

    @extend_schema(
        operation_id="requests_partial_update",
        tags=["requests"],
        summary=gettext_lazy("Take the next steps of a data-subject request"),
        description=gettext_lazy(
            "Record the identity check (`identity_method`), extend the deadline (`extension_months` in all, "
            "at most 2, with `extension_reason`), and close it: `outcome` done with the `receipt` of the "
            "customer's erasure (an erasure request) or the id of its access `export` (an access request), "
            "or refused with `refusal_reason`. The steps are taken in this order, all or none. A request is "
            "done only after its identity is checked; a closed one cannot be changed (409)."
        ),
        parameters=[REQUEST_ID],
        request=DataRequestUpdateSerializer,
        responses=request_responses({200: DataRequestDetailSerializer}, 403, 404, 409, body=True),
    )
    def patch(self, request, pk: int):
        user = request.user
        data_request = request_for(user, pk)
        data = _valid(DataRequestUpdateSerializer, request.data)
        if data_request.is_closed:
            raise _not_possible(_("Request %(ref)s is closed.") % {"ref": data_request.ref})
        steps = _steps(user, data_request, data)
        try:
            with transaction.atomic():
                for step in steps:
                    step.take(step.form)
        except request_services.RequestRefused as refused:
            raise _not_possible(str(refused)) from None
        return Response(represent_request(user, pk))


# --- anything else under /api/ ------------------------------------------------------------------------------


class NotFoundView(ApiView):
    """Any other path under /api/: a problem like every other answer, not the web's HTML page."""

    authentication_classes: list = []
    permission_classes: list = []
    throttle_classes: list = []
    schema = None

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise NotFound(_("There is no such resource, or you may not see it."))
