"""Every door asks the same rules (kund.core.rules): a matrix of every URL and every command with `--as`
against the personas of SPEC R-9, generated from the URL configuration and the command list, so a new
door without a row here fails the suite.

A row names who may pass. A persona that may not gets a 403 or a 404 (a customer it may not view does not
exist for it) and changes nothing; a visitor who is not signed in is sent to sign in. Each row is asked
twice: about a customer assigned to nobody, and about one assigned to the persona — where the
"only assigned" personas act as their full-right twins, except at doors about no one customer (`twins`
off: the request register, which is not restricted to assigned customers and so closed to them).
"""

import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.files.base import ContentFile
from django.core.management import call_command, get_commands, load_command_class
from django.core.management.base import CommandError
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from kund.api.tokens import token_create
from kund.audit.log_checks import check_start
from kund.core.rights import ADMINISTRATOR_GROUP, ensure_administrator_group
from kund.customers.models import Customer, CustomField
from kund.demo.testing.factories import add_owned, add_transactions, make_customer
from kund.portal.models import CustomerUser
from kund.privacy import jobs, selections
from kund.privacy.models import ErasureJob
from kund.privacy.tests.massdata import enable_crm
from kund.requests.services import request_register
from kund.service.models import FaultReportFile

pytestmark = pytest.mark.django_db

# --- the personas (R-9) ------------------------------------------------------------------------------

PERSONAS: dict[str, tuple[str, ...]] = {
    "no right": (),
    "view only assigned": ("view_assigned_customer",),
    "view": ("view_customer",),
    "change": ("view_customer", "change_customer"),
    "erase": ("view_customer", "erase_customer"),
    "erase + only assigned": ("view_assigned_customer", "erase_customer"),
    "mass": ("mass_erase_customers",),
    "administrator": (),  # every right, through the Administrator group
}
# On a customer assigned to them, the "only assigned" personas may do what their twins may.
TWIN = {"view only assigned": "view", "erase + only assigned": "erase"}

EVERYONE = frozenset(PERSONAS)
ADMIN = frozenset({"administrator"})
VIEWERS = frozenset({"view", "change", "erase", "administrator"})
REGISTER = VIEWERS | {"view only assigned", "erase + only assigned"}
ERASERS = frozenset({"erase", "administrator"})
MASS = frozenset({"mass", "administrator"})
LOG_READERS = ERASERS | MASS | {"erase + only assigned"}


def make_persona(name: str):
    user = get_user_model().objects.create_user(f"p-{name.replace(' ', '-')}", password="pw-not-used")
    if name == "administrator":
        ensure_administrator_group()
        user.groups.add(Group.objects.get(name=ADMINISTRATOR_GROUP))
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    else:
        codenames = PERSONAS[name]
        user.user_permissions.add(
            *Permission.objects.filter(content_type__app_label="customers", codename__in=codenames)
        )
    return get_user_model().objects.get(pk=user.pk)


def allowed_for(row_allowed: frozenset[str], persona: str, *, own: bool, twins: bool = True) -> bool:
    if persona in row_allowed:
        return True
    return twins and own and TWIN.get(persona) in row_allowed


# --- the world every door is asked about --------------------------------------------------------------


@dataclass
class World:
    customer: Customer  # the customer the doors are asked about
    other_job: ErasureJob  # a mass run
    selection_pk: int
    custom_field_pk: int
    person_pk: int  # a user whose rights an administrator may edit
    order_pk: int
    invoice_pk: int
    extra: dict = field(default_factory=dict)


@pytest.fixture
def world(db) -> Callable[..., World]:
    enable_crm()
    ensure_administrator_group()

    def build(*, assigned_to=None) -> World:
        customer = make_customer()
        rows = add_transactions(customer)
        owned = add_owned(customer)
        if assigned_to is not None:
            Customer.objects.filter(pk=customer.pk).update(responsible=assigned_to)
            customer.refresh_from_db()
        boss = get_user_model().objects.create_superuser("boss", password="pw-not-used")
        other = make_customer(number="990001")
        job = jobs.plan_mass_job(actor=boss, criteria="both", through=date.today())
        selection = selections.selection_save(actor=boss, name="Alla", query=f"q={other.number}")
        custom_field = CustomField.objects.create(name="Portkod matrix")
        data_request = request_register(actor=boss, kind="access", received_on=date.today(), customer=other)
        boss_token = token_create(user=boss, name="matrix").token
        log_check = check_start(actor=boss)
        # a portal user of the customer, and a photo on its fault report
        portal_user = CustomerUser.objects.create(customer=customer, email="karin.matrix@example.se")
        photo = FaultReportFile(fault_report=rows["fault_report"], content_type="image/png")
        photo.file.save("upload", ContentFile(b"\x89PNG\r\n\x1a\n matrix"), save=True)
        extra = {
            "owned": owned,
            "rows": rows,
            "request_pk": data_request.pk,
            "boss_token": boss_token.pk,
            "log_check": log_check.pk,
            "portal_user": portal_user,
            "photo": photo,
            **_events_and_retention(boss),
        }
        return World(
            customer=customer,
            other_job=job,
            selection_pk=selection.pk,
            custom_field_pk=custom_field.pk,
            person_pk=boss.pk,
            order_pk=rows["order"].pk,
            invoice_pk=rows["invoice"].pk,
            extra=extra,
        )

    return build


def _events_and_retention(boss) -> dict:
    """A connected system (at an address where nothing listens: a test event fails at once) and a retention
    rule with a report awaiting approval."""
    from kund.retention import services as retention
    from kund.webhooks import services as webhooks

    subscription, _secret = webhooks.subscription_create(actor=boss, url="http://127.0.0.1:9/kund")
    rule = retention.rule_save(
        actor=boss,
        data={"name": "Matrix", "criteria": "both", "years": 3, "kind": "private", "mode": "approve"},
    )
    run = retention.report_now(actor=boss, rule=rule)
    return {"subscription": subscription.pk, "rule": rule.pk, "run": run.pk}


# --- the URL rows ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Door:
    name: str  # the URL's name, with its namespace
    allowed: frozenset[str]
    args: Callable[[World], list] = lambda w: []
    methods: tuple[str, ...] = ("get",)
    data: Callable[[World], dict] = lambda w: {}
    # Allowed personas get one of these; the rest 403 or 404.
    ok: tuple[int, ...] = (200, 204, 302)
    twins: bool = True  # whether the "only assigned" personas act as their twins on their own customer


def _customer(w: World) -> list:
    return [w.customer.pk]


def _card(w: World) -> list:
    """The customer's pages are found by its customer number."""
    return [w.customer.number]


def _request(w: World) -> list:
    return [w.extra["request_pk"]]


def _portal_user(w: World) -> list:
    return [w.customer.number, w.extra["portal_user"].pk]


DOORS = [
    Door("home", EVERYONE),
    # the register (R-2..R-9)
    Door("customers:list", REGISTER),
    Door("customers:export", REGISTER, args=lambda w: ["csv"]),
    Door("customers:detail", VIEWERS, args=_card),
    Door("customers:by_id", VIEWERS, args=_customer),  # old links by id: a redirect to the card
    Door("customers:section", VIEWERS, args=lambda w: [w.customer.number, "orders"]),
    Door("customers:history", VIEWERS, args=_card),
    Door(
        "customers:edit",
        frozenset({"change", "administrator"}),
        args=_card,
        methods=("get", "post"),
        data=lambda w: {"kind": "private"},  # incomplete: the form answers with its errors, saves nothing
    ),
    Door(
        "customers:status",
        frozenset({"change", "administrator"}),
        args=_card,
        methods=("post",),
        data=lambda w: {"status": "nonsense"},
    ),
    Door(
        "customers:assign",
        ADMIN,
        args=_card,
        methods=("get", "post"),
        data=lambda w: {"responsible": "not-a-user"},
    ),
    Door("customers:create", ADMIN, methods=("get", "post"), data=lambda w: {"kind": "nonsense"}),
    # a prospect becomes a customer (seed 001): the world's customer is none, so the answer is a message
    Door(
        "customers:convert",
        frozenset({"change", "administrator"}),
        args=_card,
        methods=("post",),
        data=lambda w: {"kind": "private"},
    ),
    # the mailing selection (seed 003): the list's own rows, restricted by the rules
    Door("customers:mailing_export", REGISTER, args=lambda w: ["csv"], data=lambda w: {"channel": "post"}),
    # assigning ticked customers from the list (seed 004): the assign right, asked per customer
    Door(
        "customers:bulk_assign",
        ADMIN,
        methods=("post",),
        data=lambda w: {"customers": [w.customer.pk], "responsible": "not-a-user"},
    ),
    Door("customers:notifications", EVERYONE),
    Door("customers:notification_bell", EVERYONE),
    Door("customers:custom_fields", ADMIN),
    Door("customers:custom_field", ADMIN, args=lambda w: [w.custom_field_pk]),
    # the rights pages of old, now on the users pages
    Door("customers:rights", ADMIN),
    Door("customers:rights_edit", ADMIN, args=lambda w: [w.person_pk]),
    # the register's users and their rights: administrators only. The posts change nothing: a form
    # with errors, a confirmation page not yet confirmed, a reactivation of an active user.
    Door("users:list", ADMIN),
    Door("users:create", ADMIN, methods=("get", "post"), data=lambda w: {"username": ""}),
    Door("users:detail", ADMIN, args=lambda w: [w.person_pk]),
    Door(
        "users:rights",
        ADMIN,
        args=lambda w: [w.person_pk],
        methods=("get", "post"),
        data=lambda w: {"rights": ["superpowers"]},
    ),
    Door("users:deactivate", ADMIN, args=lambda w: [w.person_pk], methods=("get", "post")),
    Door("users:reactivate", ADMIN, args=lambda w: [w.person_pk], methods=("post",)),
    Door("users:password", ADMIN, args=lambda w: [w.person_pk], methods=("get", "post")),
    # the erasure log (B-2): who erases one customer or many, and administrators (may_view_erasure_log)
    Door("erasure_log:list", LOG_READERS),
    Door("erasure_log:receipt", LOG_READERS, data=lambda w: {"q": w.customer.number}),
    Door("erasure_log:check_start", LOG_READERS, methods=("get", "post")),
    Door("erasure_log:check", LOG_READERS, args=lambda w: [w.extra["log_check"]]),
    # the customer's files, through rights-checked downloads only
    Door(
        "customers:document_download",
        VIEWERS,
        args=lambda w: [w.customer.number, w.extra["owned"]["document"].pk],
    ),
    # documents on the card: upload (the upload right; no file: refused with a message, nothing added) and
    # delete after a confirmation (the "delete uploaded files" right)
    Door(
        "customers:document_upload",
        ADMIN,
        args=lambda w: [w.customer.number],
        methods=("post",),
        data=lambda w: {"title": "Avtal"},
    ),
    Door(
        "customers:document_delete",
        ADMIN,
        args=lambda w: [w.customer.number, w.extra["owned"]["document"].pk],
        methods=("get", "post"),
    ),
    Door(
        "customers:credit_file_download",
        VIEWERS,
        args=lambda w: [w.customer.number, w.extra["owned"]["credit_file"].pk],
    ),
    # linked records: the register's read-only page of a record, for whoever may view its customer
    Door("customers:record", VIEWERS, args=lambda w: ["agreements", w.extra["rows"]["agreement"].pk]),
    # linked records
    Door("sales:order_list", REGISTER),
    Door("sales:order_detail", VIEWERS, args=lambda w: [w.order_pk]),
    Door("billing:invoice_list", REGISTER),
    Door("billing:invoice_detail", VIEWERS, args=lambda w: [w.invoice_pk]),
    # the access export (B-1)
    Door("access_export_json", VIEWERS, args=_customer),
    Door("access_export_html", VIEWERS, args=_customer),
    # erasure of one customer (E-4): the right, for a customer the user may view
    Door(
        "privacy:customer_erasure",
        ERASERS,
        args=_customer,
        methods=("get", "post"),
        data=lambda w: {},  # the box not ticked: the page answers with its error, erases nothing
    ),
    # import
    Door("customer_import:upload", ADMIN, methods=("get", "post")),
    # mass erasure (M-6) and selections (S-1, S-2)
    Door("mass_erasure:index", MASS, methods=("get", "post"), data=lambda w: {"criteria": "nonsense"}),
    Door("mass_erasure:job", MASS, args=lambda w: [w.other_job.pk]),
    Door("mass_erasure:start", MASS, args=lambda w: [w.other_job.pk], methods=("post",)),
    Door("mass_erasure:discard", MASS, args=lambda w: [w.other_job.pk], methods=("post",)),
    Door("mass_erasure:progress", MASS, args=lambda w: [w.other_job.pk]),
    Door("mass_erasure:resume", MASS, args=lambda w: [w.other_job.pk], methods=("post",)),
    Door("mass_erasure:list", MASS, args=lambda w: [w.other_job.pk, "ignored"]),
    Door("mass_erasure:list_xlsx", MASS, args=lambda w: [w.other_job.pk, "to-erase"]),
    Door("mass_erasure:selections", MASS),
    Door("mass_erasure:selection", MASS, args=lambda w: [w.selection_pk]),
    # S-2: only an administrator has the erasure of a selection checked (planned); nothing is erased
    Door("mass_erasure:selection_check", ADMIN, args=lambda w: [w.selection_pk], methods=("post",)),
    Door(
        "mass_erasure:selection_save",
        MASS,
        methods=("post",),
        data=lambda w: {"name": "", "query": ""},  # no name: refused with a message, nothing saved
    ),
    # data-subject requests (B-7): the erasure right and the view right (rules.may_handle_requests)
    Door("requests:list", ERASERS, twins=False),
    Door(
        "requests:create",
        ERASERS,
        methods=("get", "post"),
        data=lambda w: {"kind": "nonsense"},  # the form answers with its errors, registers nothing
        twins=False,
    ),
    Door("requests:detail", ERASERS, args=_request, twins=False),
    Door("requests:identity", ERASERS, args=_request, methods=("post",), data=lambda w: {}, twins=False),
    Door(
        "requests:extend",
        ERASERS,
        args=_request,
        methods=("post",),
        data=lambda w: {"months": 7},
        twins=False,
    ),
    Door("requests:complete", ERASERS, args=_request, methods=("post",), data=lambda w: {}, twins=False),
    Door("requests:refuse", ERASERS, args=_request, methods=("post",), data=lambda w: {}, twins=False),
    # API tokens (B-9): one's own, whatever one's rights (a token acts with them); no name: none is made
    Door("api_tokens:list", EVERYONE, methods=("get", "post"), data=lambda w: {"name": ""}),
    # Someone else's token is refused to every persona; revoking one's own: kund/api/tests/test_tokens.py.
    Door("api_tokens:revoke", frozenset(), args=lambda w: [w.extra["boss_token"]], methods=("post",)),
    # customer users: the administrator is the only persona with their three rights
    Door("customer_users:list", VIEWERS, args=_card),
    Door(
        "customer_users:invite",
        ADMIN,
        args=_card,
        methods=("get", "post"),
        data=lambda w: {"email": "not-an-address"},  # refused with its error, nobody invited
    ),
    Door("customer_users:edit", ADMIN, args=_portal_user, methods=("get", "post"), data=lambda w: {}),
    Door("customer_users:invite_again", ADMIN, args=_portal_user, methods=("post",)),
    Door("customer_users:delete", ADMIN, args=_portal_user, methods=("post",)),
    # fault reports with their photos
    Door(
        "service:fault_report",
        VIEWERS,
        args=lambda w: [w.customer.number, w.extra["rows"]["fault_report"].pk],
    ),
    Door(
        "service:fault_report_file",
        VIEWERS,
        args=lambda w: [w.customer.number, w.extra["rows"]["fault_report"].pk, w.extra["photo"].pk],
    ),
    # connected systems (B-8) and retention rules (B-6): administrators only
    Door("webhooks:list", ADMIN, methods=("get", "post"), data=lambda w: {"url": "nonsense"}),
    Door("webhooks:detail", ADMIN, args=lambda w: [w.extra["subscription"]]),
    Door("webhooks:test", ADMIN, args=lambda w: [w.extra["subscription"]], methods=("post",)),
    Door("webhooks:active", ADMIN, args=lambda w: [w.extra["subscription"]], methods=("post",)),
    Door("webhooks:retry", ADMIN, args=lambda w: [w.extra["subscription"]], methods=("post",)),
    Door("retention:list", ADMIN),
    Door("retention:create", ADMIN, methods=("get", "post"), data=lambda w: {"name": ""}),
    Door("retention:rule", ADMIN, args=lambda w: [w.extra["rule"]]),
    Door(
        "retention:edit", ADMIN, args=lambda w: [w.extra["rule"]], methods=("get", "post"), data=lambda w: {}
    ),
    Door("retention:report", ADMIN, args=lambda w: [w.extra["rule"]], methods=("post",)),
    Door("retention:run", ADMIN, args=lambda w: [w.extra["run"]]),
    # the box not ticked: the page answers with its error, erases nothing
    Door("retention:approve", ADMIN, args=lambda w: [w.extra["run"]], methods=("post",)),
    Door("retention:csv", ADMIN, args=lambda w: [w.extra["run"], "to-erase"]),
]

# Doors that are not Kund's own rules: Django's sign-in and language switch, and the admin (tested by
# its own matrix below and in kund/*/tests/test_admin*.py).
NOT_IN_MATRIX = {"login", "logout", "set_language", "javascript-catalog"}
# The API's doors answer with problems and tokens, not pages and sign-in: they have a matrix of their own,
# generated from the API's URLs the same way (kund/api/tests/test_api_matrix.py).

# The customer portal is a second trust boundary whose visitors are customer users, never the
# register's users: its doors are tested by its own isolation test, generated from its URL configuration
# (kund/portal/tests/test_isolation.py).
NOT_IN_MATRIX_PREFIXES = ("password_", "admin:", "api:", "portal:")
# Reached only with state a plain request cannot have (an upload kept in the uploader's session).
NEEDS_SESSION_STATE = {"customer_import:preview"}


def _named_urls(resolver: URLResolver | None = None, namespace: str = "") -> set[str]:
    names = set()
    for entry in (resolver or get_resolver()).url_patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names |= _named_urls(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            names.add(f"{namespace}{entry.name}")
    return names


def _in_matrix(name: str) -> bool:
    if name in NOT_IN_MATRIX or name in NEEDS_SESSION_STATE:
        return False
    return not name.startswith(NOT_IN_MATRIX_PREFIXES)


def test_every_url_has_a_row_in_the_matrix():
    # given every named URL Kund serves
    urls = {name for name in _named_urls() if _in_matrix(name)}

    # then each has exactly one row, and no row names a URL that does not exist
    rows = [door.name for door in DOORS]
    assert len(rows) == len(set(rows))
    assert urls - set(rows) == set(), "a URL without a row in the permission matrix"
    assert set(rows) - urls == set(), "a row for a URL that does not exist"


CASES = [
    pytest.param(door, persona, method, own, id=f"{door.name}-{method}-{persona}{'-own' if own else ''}")
    for door in DOORS
    for persona in PERSONAS
    for method in door.methods
    for own in ((False, True) if persona in TWIN else (False,))
]


@pytest.mark.parametrize(("door", "persona", "method", "own"), CASES)
def test_every_door_asks_the_rules(client, world, door, persona, method, own):
    # given a persona, and the world the door is asked about (its customer assigned to the persona or not)
    user = make_persona(persona)
    w = world(assigned_to=user if own else None)
    client.force_login(user)
    before = Customer.objects.filter(pk=w.customer.pk).values().first()

    # when
    send = client.post if method == "post" else client.get
    response = send(reverse(door.name, args=door.args(w)), door.data(w))

    # then
    if allowed_for(door.allowed, persona, own=own, twins=door.twins):
        assert response.status_code in door.ok, (response.status_code, response.get("Location"))
        if response.status_code == 302:
            assert "/accounts/login/" not in response["Location"]
    else:
        assert response.status_code in (403, 404)
        assert Customer.objects.filter(pk=w.customer.pk).values().first() == before


@pytest.mark.parametrize("door", DOORS, ids=[door.name for door in DOORS])
def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client, world, door):
    w = world()
    for method in door.methods:
        send = client.post if method == "post" else client.get
        response = send(reverse(door.name, args=door.args(w)), door.data(w))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("persona", list(PERSONAS))
def test_the_admin_is_for_administrators_only(client, persona):
    # given every persona as staff: being staff alone opens nothing
    user = make_persona(persona)
    get_user_model().objects.filter(pk=user.pk).update(is_staff=True)
    client.force_login(user)

    # when
    response = client.get(reverse("admin:customers_customer_changelist"))

    # then
    if persona == "administrator":
        assert response.status_code == 200
    else:
        assert response.status_code in (302, 403)
        if response.status_code == 302:
            assert "/admin/login/" in response["Location"]


# --- the command line (`--as`) --------------------------------------------------------------------------


@dataclass(frozen=True)
class CommandDoor:
    name: str
    allowed: frozenset[str]
    args: Callable[[World], list]
    twins: bool = True


TODAY = date.today().isoformat()
USER_NAMES = ("--first-name", "Nils", "--last-name", "Matrix")
COMMANDS = [
    CommandDoor("erasure_plan", VIEWERS, lambda w: [w.customer.number, "--json"]),
    CommandDoor("export_customer", VIEWERS, lambda w: [w.customer.number]),
    CommandDoor("erase", ERASERS, lambda w: [w.customer.number, "--yes"]),
    CommandDoor("mass_erase", MASS, lambda w: ["--criteria", "both", "--through", TODAY, "--dry-run"]),
    CommandDoor("import_customers", ADMIN, lambda w: [w.extra["import_file"]]),
    CommandDoor(
        "requests",
        ERASERS,
        lambda w: ["add", "--customer", w.customer.number, "--kind", "erasure", "--received", TODAY],
        twins=False,
    ),
    CommandDoor("customer_user", ADMIN, lambda w: ["add", w.customer.number, "sven.matrix@example.se"]),
    # B-5: scanning reads the kept text of the customers the user may view (restrict); only-assigned
    # users scan their own
    CommandDoor("residue_scan", REGISTER, lambda w: ["--json"]),
    # users and their rights, for an administrator only
    CommandDoor("users", ADMIN, lambda w: ["add", "nils.matrix", *USER_NAMES, "--rights", "view_customer"]),
]


def _kund_commands_with_as() -> set[str]:
    names = set()
    for name, app in get_commands().items():
        if not app.startswith("kund."):
            continue
        parser = load_command_class(app, name).create_parser("kund", name)
        if any("--as" in action.option_strings for action in parser._actions):
            names.add(name)
    return names


def test_every_command_with_as_has_a_row_in_the_matrix():
    assert _kund_commands_with_as() == {command.name for command in COMMANDS}


COMMAND_CASES = [
    pytest.param(command, persona, own, id=f"{command.name}-{persona}{'-own' if own else ''}")
    for command in COMMANDS
    for persona in PERSONAS
    for own in ((False, True) if persona in TWIN else (False,))
]


@pytest.mark.parametrize(("command", "persona", "own"), COMMAND_CASES)
def test_every_command_asks_the_rules(world, tmp_path, command, persona, own):
    # given
    user = make_persona(persona)
    w = world(assigned_to=user if own else None)
    import_file = tmp_path / "kunder.csv"
    import_file.write_text("kind,first_name,last_name\nprivate,Sven,Ek\n", encoding="utf-8")
    w.extra["import_file"] = str(import_file)
    before = Customer.objects.count(), Customer.objects.filter(anonymized_at__isnull=False).count()

    # when
    try:
        call_command(command.name, *command.args(w), "--as", user.username, stdout=io.StringIO())
        status = 0
    except CommandError as error:
        status = error.returncode

    # then: allowed, it ran; refused, one line with exit 1 or 2, and nothing changed
    if allowed_for(command.allowed, persona, own=own, twins=command.twins):
        assert status == 0
    else:
        assert status in (1, 2)
        after = Customer.objects.count(), Customer.objects.filter(anonymized_at__isnull=False).count()
        assert after == before
