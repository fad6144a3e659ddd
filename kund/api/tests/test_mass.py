"""Mass erasure through the API (SPEC B-9, M-1..M-6): planning gives the verification counts of
`kund mass_erase --json --dry-run`, starting asks twice and runs in the background, the run is followed to
its end."""

import io
import json
from datetime import date

import pytest
from django.core.management import call_command

from kund.api.tests.conftest import problem_of
from kund.core.tests.test_permission_matrix import make_persona
from kund.customers.models import Customer
from kund.privacy.forms_mass import MassErasureForm
from kund.privacy.models import ErasureJob
from kund.privacy.tests.massdata import enable_crm, order, private

pytestmark = pytest.mark.django_db

RUNS = "/api/mass-erasures/"
THROUGH = "2019-12-31"


@pytest.fixture
def register(db):
    """Private customers of 2015: two never bought, two bought and are settled, one has an undelivered
    order; and one who bought recently."""
    enable_crm()
    never = [
        private("Astrid", "Berg", created=date(2015, 1, 1)),
        private("Elsa", "Ek", created=date(2015, 1, 2)),
    ]
    buyers = [
        private("Gunnar", "Holm", created=date(2015, 2, 1)),
        private("Nils", "Ström", created=date(2015, 2, 2)),
    ]
    for buyer in buyers:
        order(buyer, date(2016, 2, 1))
    blocked = private("Sofia", "Lund", created=date(2015, 3, 1))
    order(blocked, date(2016, 3, 1), delivered=False)
    recent = private("Maja", "Wallin", created=date(2015, 4, 1))
    order(recent, date(2024, 5, 1))
    return {"never": never, "buyers": buyers, "blocked": blocked, "recent": recent}


@pytest.fixture
def eraser():
    return make_persona("mass")


def _dry_run(eraser, *extra) -> dict:
    out = io.StringIO()
    call_command(
        "mass_erase",
        *("--criteria", "both", "--through", THROUGH, "--dry-run", "--json", "--as", eraser.username, *extra),
        stdout=out,
        stderr=io.StringIO(),
    )
    return json.loads(out.getvalue())


def test_b9_a_mass_run_planned_started_and_followed_to_its_end(
    api_as, eraser, register, django_capture_on_commit_callbacks
):
    # given the verification the command line gives
    expected = _dry_run(eraser)
    api = api_as(eraser)

    # when a run is planned through the API
    planned = api.post(RUNS, {"criteria": "both", "through": THROUGH})

    # then nothing is erased yet, and its counts are the command line's
    assert planned.status_code == 201, planned.content
    run = planned.json()
    assert {key: run[key] for key in ("selected", "ignored", "delete", "anonymize")} == {
        key: expected[key] for key in ("selected", "ignored", "delete", "anonymize")
    }
    assert (run["selected"], run["delete"], run["anonymize"], run["ignored"]) == (5, 2, 2, 1)
    assert run["state"] == "planned" and run["recent"] is False
    assert planned["Location"] == f"{RUNS}{run['id']}/"
    assert Customer.objects.filter(anonymized_at__isnull=False).count() == 0

    # when it is started, asking twice (the worker runs it once the request has committed)
    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(f"{RUNS}{run['id']}/start/", {"confirm": True, "confirm_again": True})

    # then it was accepted, and followed to its end it did what the verification said
    assert started.status_code == 202
    followed = api.get(f"{RUNS}{run['id']}/").json()
    assert followed["state"] == "done" and followed["progress"] == 100
    assert (followed["deleted"], followed["anonymized"], followed["ignored"], followed["failed"]) == (
        2,
        2,
        1,
        0,
    )
    assert followed["processed"] == followed["selected"]
    assert not Customer.objects.filter(pk__in=[c.pk for c in register["never"]]).exists()
    assert (
        Customer.objects.filter(
            pk__in=[c.pk for c in register["buyers"]], anonymized_at__isnull=False
        ).count()
        == 2
    )


def test_m4_the_limit_is_the_command_lines_limit(api_as, eraser, register):
    expected = _dry_run(eraser, "--limit", "3")
    run = api_as(eraser).post(RUNS, {"criteria": "both", "through": THROUGH, "limit": 3}).json()
    assert (run["selected"], run["limit"]) == (expected["selected"], 3)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"criteria": "everyone", "through": THROUGH}, "criteria"),
        ({"criteria": "both", "through": "31/12/2019"}, "through"),
        ({"criteria": "both", "through": "9999-12-31"}, "through"),
        ({"criteria": "both"}, "through"),
        ({"criteria": "both", "through": THROUGH, "limit": 0}, "limit"),
        ({"criteria": "both", "through": THROUGH, "limit": 501}, "limit"),  # M-2: at most 500 a run
        ({"criteria": "both", "through": THROUGH, "limit": "3"}, "limit"),
        ({"criteria": "both", "through": THROUGH, "years": 5}, "years"),
        ({"criteria": "both", "years": 0}, "years"),
        ({"criteria": "both", "years": 101}, "years"),
        ({"criteria": "both", "years": "5"}, "years"),
    ],
)
def test_m1_bad_criteria_are_a_400(api_as, eraser, register, body, field):
    response = api_as(eraser).post(RUNS, body)
    assert response.status_code == 400
    assert field in problem_of(response)["errors"]
    assert not ErasureJob.objects.exists()


@pytest.mark.parametrize("years", [8, 9, 10])
def test_m1_older_than_n_years_is_the_web_forms_and_the_command_lines(api_as, eraser, register, years):
    # given "older than N years" as the web form reads it
    form = MassErasureForm({"criteria": "both", "years": years})
    assert form.is_valid(), form.errors
    through = form.cleaned_data["through"].isoformat()

    # when a run is planned with the years
    run = api_as(eraser).post(RUNS, {"criteria": "both", "years": years})

    # then it is planned through the form's date, with the counts of `mass_erase --years`
    assert run.status_code == 201, run.content
    expected = _dry_run_years(eraser, years)
    assert run.json()["through"] == through
    assert {key: run.json()[key] for key in expected} == expected


def _dry_run_years(eraser, years: int) -> dict:
    out = io.StringIO()
    call_command(
        "mass_erase",
        *("--criteria", "both", "--years", str(years), "--dry-run", "--json", "--as", eraser.username),
        stdout=out,
        stderr=io.StringIO(),
    )
    counts = json.loads(out.getvalue())
    return {key: counts[key] for key in ("selected", "ignored", "delete", "anonymize")}


def test_m1_nothing_selected_is_a_409(api_as, eraser, register):
    response = api_as(eraser).post(RUNS, {"criteria": "both", "through": "2000-01-01"})
    assert response.status_code == 409
    assert problem_of(response)["type"] == "urn:kund:problem:nothing-selected"


@pytest.mark.parametrize(
    "body", [{}, {"confirm": True}, {"confirm_again": True}, {"confirm": True, "confirm_again": False}]
)
def test_m5_starting_asks_twice(api_as, eraser, register, body):
    # given a planned run
    api = api_as(eraser)
    run = api.post(RUNS, {"criteria": "both", "through": THROUGH}).json()

    # when started without both confirmations
    response = api.post(f"{RUNS}{run['id']}/start/", body)

    # then refused, and the run is still only planned
    assert response.status_code == 400
    assert {"confirm", "confirm_again"} & set(problem_of(response)["errors"])
    assert ErasureJob.objects.get(pk=run["id"]).state == "planned"


def test_m5_a_run_starts_once(api_as, eraser, register, django_capture_on_commit_callbacks):
    api = api_as(eraser)
    run = api.post(RUNS, {"criteria": "both", "through": THROUGH}).json()
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"{RUNS}{run['id']}/start/", {"confirm": True, "confirm_again": True})

    again = api.post(f"{RUNS}{run['id']}/start/", {"confirm": True, "confirm_again": True})

    assert again.status_code == 409
    assert problem_of(again)["type"] == "urn:kund:problem:already-started"


def test_m4_a_planned_run_is_discarded_and_a_started_one_is_not(
    api_as, eraser, register, django_capture_on_commit_callbacks
):
    # given a planned run
    api = api_as(eraser)
    run = api.post(RUNS, {"criteria": "both", "through": THROUGH}).json()

    # when it is discarded: gone, nothing erased, and it is unknown afterwards
    response = api.delete(f"{RUNS}{run['id']}/")
    assert response.status_code == 204
    assert not ErasureJob.objects.exists() and Customer.objects.count() == 6
    assert api.get(f"{RUNS}{run['id']}/").status_code == 404
    assert api.delete(f"{RUNS}{run['id']}/").status_code == 404

    # when a run that was started is asked to be discarded: a 409, and it goes on
    run = api.post(RUNS, {"criteria": "both", "through": THROUGH}).json()
    with django_capture_on_commit_callbacks(execute=True):
        api.post(f"{RUNS}{run['id']}/start/", {"confirm": True, "confirm_again": True})
    refused = api.delete(f"{RUNS}{run['id']}/")
    assert refused.status_code == 409
    assert problem_of(refused)["type"] == "urn:kund:problem:already-started"
    assert ErasureJob.objects.get(pk=run["id"]).state == "done"


def test_m6_without_the_crm_module_mass_erasure_is_a_403(api_as, eraser, register):
    enable_crm(False)
    response = api_as(eraser).post(RUNS, {"criteria": "both", "through": THROUGH})
    assert response.status_code == 403
    assert "CRM" in problem_of(response)["detail"]


@pytest.mark.parametrize("run_id", ["999999", "99999999999999999999999"])
def test_b9_an_unknown_run_is_a_404(api_as, eraser, register, run_id):
    response = api_as(eraser).get(f"{RUNS}{run_id}/")
    assert response.status_code == 404
    problem_of(response)


def test_b9_a_selection_run_is_not_a_mass_run(api_as, eraser, register):
    # given an erasure job of a saved selection
    job = ErasureJob.objects.create(kind=ErasureJob.Kind.SELECTION, created_by_username="admin")

    # then the mass-erasure endpoints do not know it
    assert api_as(eraser).get(f"{RUNS}{job.pk}/").status_code == 404
