"""Running retention (SPEC B-6): each run writes its report first; a rule reports only, waits for an
administrator's approval, or erases at once as a mass-erasure job; due rules run without a person, by
`kund retention run` and by the worker, which queues itself for the next day."""

import io
import json
from datetime import date, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from kund.audit.models import ErasureLogEntry
from kund.customers.models import Customer
from kund.privacy.models import ErasureJob
from kund.privacy.tests.massdata import order, private
from kund.retention import selectors, services
from kund.retention.models import RetentionRule, RetentionRun
from kund.retention.tests.conftest import TODAY, local
from kund.webhooks.tests.queue import DATABASE_TASKS, run_queue

pytestmark = pytest.mark.django_db


def run(*args) -> str:
    out = io.StringIO()
    call_command("retention", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def make_rule(
    mode: str, *, name: str = "Gamla privatkunder", criteria: str = "both", **fields
) -> RetentionRule:
    data = {"name": name, "criteria": criteria, "years": 3, "kind": "private", "mode": mode, **fields}
    return services.rule_save(actor=None, data=data)


def rules_of(output: str) -> dict[str, dict]:
    return {r["name"]: r for r in json.loads(output)["rules"]}


COUNTS = ("selected", "delete", "anonymize", "ignored")


def test_b6_the_dry_run_and_the_real_run_give_the_same_counts(register, clock):
    # given an automatic rule on an unchanged register
    make_rule("automatic")

    # when it is run dry, then for real
    dry = rules_of(run("run", "--dry-run", "--json"))["Gamla privatkunder"]
    before = Customer.objects.count()
    real = rules_of(run("run", "--json"))["Gamla privatkunder"]

    # then both report the same counts, and the real run did what it reported
    assert {k: dry[k] for k in COUNTS} == {k: real[k] for k in COUNTS}
    assert {k: dry[k] for k in COUNTS} == {"selected": 5, "delete": 2, "anonymize": 2, "ignored": 1}
    assert (real["deleted"], real["anonymized"], real["failed"]) == (2, 2, 0)
    assert Customer.objects.count() == before - 2
    assert Customer.objects.filter(pk=register.blocked.pk, anonymized_at__isnull=True).exists()


def test_b6_the_json_of_a_run_has_the_contracts_keys(register, clock):
    make_rule("report")
    data = json.loads(run("run", "--dry-run", "--json"))
    assert set(data) >= {"rules"}
    for entry in data["rules"]:
        assert {"name", "selected", "delete", "anonymize", "ignored"} <= set(entry)
        assert all(isinstance(entry[k], int) for k in COUNTS)
    assert [r["builtin"] for r in data["rules"]] == [False, True]  # the built-in rule comes last


def test_b6_a_report_only_rule_writes_its_report_and_erases_nothing(register, clock):
    # given
    make_rule("report")
    before = list(Customer.objects.order_by("pk").values_list("pk", "anonymized_at"))

    # when
    result = rules_of(run("run", "--json"))["Gamla privatkunder"]

    # then the report holds the counts and the customers, by number, and nobody is erased
    report = RetentionRun.objects.get(pk=result["report"])
    assert report.state == RetentionRun.State.REPORTED
    assert report.counts() == {k: result[k] for k in COUNTS}
    assert set(report.items.values_list("customer_number", flat=True)) == {
        c.number
        for c in (register.never, register.old_buyer, register.blocked, register.inactive, register.ticket)
    }
    assert list(Customer.objects.order_by("pk").values_list("pk", "anonymized_at")) == before
    assert not ErasureJob.objects.exists()


def test_b6_an_approval_rule_erases_exactly_its_report_once_approved(
    register, clock, admin_user, django_capture_on_commit_callbacks
):
    # given an approval rule's report
    rule = make_rule("approve")
    result = rules_of(run("run", "--json"))["Gamla privatkunder"]
    report = RetentionRun.objects.get(pk=result["report"])
    assert report.state == RetentionRun.State.AWAITING
    assert Customer.objects.filter(pk=register.never.pk).exists()
    # and a customer who meets the rule only after the report was written
    late = private("Nils", "Hedlund", created=date(2016, 1, 1))

    # when an administrator approves it (the job runs on commit with the immediate backend)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.approve_run(actor=admin_user, run=report)

    # then exactly the report's customers were erased, in the administrator's name
    job.refresh_from_db()
    assert (job.deleted, job.anonymized, job.ignored) == (2, 2, 1)
    assert Customer.objects.filter(pk=late.pk, anonymized_at__isnull=True).exists()
    assert set(ErasureLogEntry.objects.values_list("actor_username", flat=True)) == {"admin"}
    report.refresh_from_db()
    assert report.state == RetentionRun.State.STARTED and report.approved_by_username == "admin"
    # and it cannot be approved twice
    with pytest.raises(services.RetentionRefused):
        services.approve_run(actor=admin_user, run=report)
    # and an older report, replaced by a newer one, cannot be approved at all
    services.report_now(actor=admin_user, rule=rule)
    first_of_two = services.report_now(actor=admin_user, rule=rule)
    services.report_now(actor=admin_user, rule=rule)
    first_of_two.refresh_from_db()
    assert first_of_two.state == RetentionRun.State.SUPERSEDED
    with pytest.raises(services.RetentionRefused):
        services.approve_run(actor=admin_user, run=first_of_two)


def test_b6_an_automatic_rule_erases_in_the_systems_name_once_a_day(register, clock):
    # given
    make_rule("automatic")

    # when it runs twice the same day
    first = rules_of(run("run", "--json"))["Gamla privatkunder"]
    second = rules_of(run("run", "--json"))

    # then the erasure log names the system, and the second run of the day finds the rule not due
    assert first["deleted"] == 2
    assert set(ErasureLogEntry.objects.values_list("actor_username", flat=True)) == {"system"}
    assert ErasureJob.objects.get().created_by_username == "system"
    assert "Gamla privatkunder" not in second
    # and --all runs it anyway: now nobody is left but the blocked customer
    again = rules_of(run("run", "--all", "--json"))["Gamla privatkunder"]
    assert {k: again[k] for k in COUNTS} == {"selected": 1, "delete": 0, "anonymize": 0, "ignored": 1}


@override_settings(TASKS=DATABASE_TASKS, KUND_RETENTION_HOUR=2)
def test_b6_an_automatic_rule_runs_on_its_own_each_day(register, clock, django_capture_on_commit_callbacks):
    # given an automatic rule saved on the 25th at noon: the worker's daily run is queued for 02:00
    with django_capture_on_commit_callbacks(execute=True):
        make_rule("automatic", criteria="never-purchased")
    daily = DBTaskResult.objects.get(task_path="kund.retention.tasks.run_retention")
    assert daily.run_after == local(TODAY + timedelta(days=1), hour=2)
    assert run_queue() == 0  # not yet due
    assert Customer.objects.filter(pk=register.never.pk).exists()

    # when the night comes and the worker works its queue
    clock.set(local(TODAY + timedelta(days=1), hour=2) + timedelta(minutes=1))
    run_queue()

    # then the rule ran without a person: its report, its erasure in the system's name
    assert not Customer.objects.filter(pk=register.never.pk).exists()
    report = RetentionRun.objects.get(builtin=False)
    assert report.run_by_username == "system" and report.job.state == ErasureJob.State.DONE
    # and the next night's run is queued, once
    waiting = DBTaskResult.objects.filter(status=TaskResultStatus.READY, task_path=daily.task_path)
    assert [t.run_after for t in waiting] == [local(TODAY + timedelta(days=2), hour=2)]

    # when a customer meets the rule a day later, and the next night comes
    newcomer = private("Elsa", "Forsberg", created=date(2015, 8, 1))
    clock.advance(timedelta(days=1))
    run_queue()

    # then it is erased too, by the second night's run
    assert not Customer.objects.filter(pk=newcomer.pk).exists()
    assert RetentionRun.objects.filter(builtin=False).count() == 2
    assert waiting.get().run_after == local(TODAY + timedelta(days=3), hour=2)


@override_settings(TASKS=DATABASE_TASKS)
def test_b6_the_daily_run_is_queued_once_however_often_it_is_asked_for(db, clock):
    first = services.ensure_scheduled()
    assert services.ensure_scheduled() == first
    run("schedule")
    assert DBTaskResult.objects.filter(task_path="kund.retention.tasks.run_retention").count() == 1


def test_b6_the_report_dir_gets_both_review_lists(register, clock, admin_user, tmp_path):
    make_rule("report")
    output = json.loads(run("run", "--dry-run", "--json", "--report-dir", str(tmp_path)))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [
        "retention-gamla-privatkunder-2025-11-25-ignored.csv",
        "retention-gamla-privatkunder-2025-11-25-to-erase.csv",
    ]
    assert len(output["lists"]) == 2
    to_erase = (tmp_path / names[1]).read_text()
    assert register.never.number in to_erase and "Astrid Berg" in to_erase  # named for the operator
    assert "Sofia" not in to_erase and register.blocked.number in (tmp_path / names[0]).read_text()


@pytest.mark.parametrize(
    "args",
    [
        ["add", "X", "--criteria", "sometimes", "--years", "3"],
        ["add", "X", "--criteria", "both", "--years", "three"],
        ["add", "X", "--criteria", "both", "--years", "0"],
        ["add", "X", "--criteria", "both", "--years", "3", "--limit", "-1"],
    ],
)
def test_bad_input_to_add_exits_2_and_saves_nothing(db, args):
    with pytest.raises(CommandError) as error:
        run(*args)
    assert error.value.returncode == 2
    assert not RetentionRule.objects.exists()


def test_add_and_list(db):
    run(
        "add",
        "Inaktiva",
        "--criteria",
        "no-activity",
        "--years",
        "5",
        "--mode",
        "approve",
        "--kind",
        "private",
    )
    listed = json.loads(run("list", "--json"))["rules"]
    assert [(r["name"], r["criteria"], r["years"], r["mode"]) for r in listed] == [
        ("Inaktiva", "no-activity", 5, "approve")
    ]


def test_retention_preview_is_what_the_dry_run_prints(register, clock):
    # given
    make_rule("report")
    make_rule("approve", name="Företag", kind="company", criteria="never-purchased")

    # when
    preview = selectors.retention_preview()
    printed = json.loads(run("run", "--dry-run", "--json"))["rules"]

    # then
    assert [{k: p[k] for k in ("name", *COUNTS)} for p in preview] == [
        {k: p[k] for k in ("name", *COUNTS)} for p in printed
    ]
    assert preview[0]["name"] == "Företag" and preview[0]["selected"] == 1
    assert all(p["url"].startswith("/retention/") for p in preview)


def test_b6_a_customer_who_bought_since_the_report_is_not_erased(
    register, clock, admin_user, django_capture_on_commit_callbacks
):
    # given an approval rule's report
    make_rule("approve")
    report = RetentionRun.objects.get(pk=rules_of(run("run", "--json"))["Gamla privatkunder"]["report"])

    # when one of its customers places an order that is not yet delivered, and the report is approved
    order(register.old_buyer, TODAY, delivered=False)
    with django_capture_on_commit_callbacks(execute=True):
        job = services.approve_run(actor=admin_user, run=report)

    # then that customer is left, with the reason: the job decides again for each customer
    job.refresh_from_db()
    assert (job.deleted, job.anonymized, job.ignored) == (2, 1, 2)
    assert Customer.objects.get(pk=register.old_buyer.pk).anonymized_at is None
    assert "not delivered" in job.items.get(customer_id=register.old_buyer.pk).reason
