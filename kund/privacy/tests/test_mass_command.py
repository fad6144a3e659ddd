"""`kund mass_erase` (SPEC §5 and §8) and `kund resume_erasure_jobs`."""

import json
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from kund.customers.models import Customer
from kund.privacy.forms_mass import MassErasureForm
from kund.privacy.models import ErasureJob
from kund.privacy.tests.massdata import enable_crm, mass_eraser, order, private, read_list

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(db):
    enable_crm()
    mass_eraser("malin")
    get_user_model().objects.create_superuser("admin", "admin@kund.test", "pw")  # the default actor
    never = private("Astrid", "Berg", created=date(2015, 1, 1))
    buyer = private("Gunnar", "Holm", created=date(2015, 2, 1))
    order(buyer, date(2016, 2, 1))
    blocked = private("Sofia", "Lund", created=date(2015, 3, 1))
    order(blocked, date(2016, 3, 1), delivered=False)
    return never, buyer, blocked


def run(*args):
    out_lines = []

    class Out:
        def write(self, text):
            out_lines.append(text)

        def flush(self):
            pass

        def isatty(self):
            return False

    call_command("mass_erase", *args, stdout=Out(), stderr=Out())
    return "".join(out_lines)


def test_m4_dry_run_prints_the_counts_and_writes_both_lists(three, tmp_path):
    never, buyer, blocked = three

    # when
    output = run(
        "--criteria",
        "both",
        "--through",
        "2020-12-31",
        "--dry-run",
        "--report-dir",
        str(tmp_path),
        "--json",
        "--as",
        "malin",
    )

    # then the counts, nothing erased, and the two lists
    counts = json.loads(output)
    assert {k: counts[k] for k in ("selected", "ignored", "delete", "anonymize")} == {
        "selected": 3,
        "ignored": 1,
        "delete": 1,
        "anonymize": 1,
    }
    assert Customer.objects.count() == 3 and not ErasureJob.objects.exists()
    to_erase = tmp_path / "mass-erasure-both-2020-12-31-to-erase.csv"
    ignored = tmp_path / "mass-erasure-both-2020-12-31-ignored.csv"
    # written as the customer list's export writes them: UTF-8 with a byte-order mark
    to_erase_rows = read_list(to_erase)
    assert [r["customer_number"] for r in to_erase_rows] == [never.number, buyer.number]
    ignored_rows = read_list(ignored)
    assert [r["customer_number"] for r in ignored_rows] == [blocked.number]


def test_m5_yes_runs_the_job_and_prints_the_result(three):
    never, buyer, blocked = three

    # when
    output = run("--criteria", "both", "--through", "2020-12-31", "--yes", "--json", "--as", "malin")

    # then
    result = json.loads(output)
    assert {k: result[k] for k in ("selected", "delete", "anonymize", "deleted", "anonymized", "failed")} == {
        "selected": 3,
        "delete": 1,
        "anonymize": 1,
        "deleted": 1,
        "anonymized": 1,
        "failed": 0,
    }
    job = ErasureJob.objects.get()
    assert job.state == ErasureJob.State.DONE and job.created_by_username == "malin"
    assert not Customer.objects.filter(pk=never.pk).exists()


def test_m5_plain_output_and_limit(three):
    output = run("--criteria", "never-purchased", "--through", "2020-12-31", "--limit", "1", "--yes")
    assert "selected 1: delete 1, anonymize 0, ignored 0" in output
    assert "deleted 1, anonymized 0, ignored 0, failed 0" in output


def test_without_yes_or_dry_run_nothing_is_done(three):
    with pytest.raises(CommandError) as raised:
        run("--criteria", "both", "--through", "2020-12-31")
    assert raised.value.returncode == 2 and "nothing done" in str(raised.value)
    assert Customer.objects.count() == 3


def test_nothing_selected_exits_1(three):
    with pytest.raises(CommandError) as raised:
        run("--criteria", "both", "--through", "2001-01-01", "--yes")
    assert raised.value.returncode == 1 and "nothing selected" in str(raised.value)


@pytest.mark.parametrize(
    "args",
    [
        ("--criteria", "old", "--through", "2020-12-31", "--dry-run"),
        ("--criteria", "both", "--through", "31/12/2020", "--dry-run"),
        ("--criteria", "both", "--through", "2020-02-30", "--dry-run"),
        ("--criteria", "both", "--through", "2020-12-31", "--limit", "0", "--dry-run"),
        ("--criteria", "both", "--through", "2020-12-31", "--limit", "many", "--dry-run"),
        ("--criteria", "both", "--through", "2020-12-31", "--limit", str(10**29), "--dry-run"),
        ("--criteria", "both", "--through", "2020-12-31", "--limit", "100001", "--dry-run"),
        ("--criteria", "both", "--through", "2020-12-31", "--limit", "9" * 5000, "--dry-run"),
        ("--criteria", "both", "--through", "9999-12-31", "--dry-run"),
        ("--criteria", "both", "--through", "9999-12-31", "--yes"),
        ("--criteria", "both", "--through", "0001-01-01", "--dry-run"),
        ("--criteria", "both", "--through", "1899-12-31", "--dry-run"),
        ("--criteria", "both", "--through", "2020-12-31", "--dry-run", "--as", "nobody"),
        ("--through", "2020-12-31", "--dry-run"),
        ("--criteria", "both", "--yes"),
        ("--criteria", "both", "--years", "0", "--dry-run"),
        ("--criteria", "both", "--years", "101", "--dry-run"),
        ("--criteria", "both", "--years", "five", "--dry-run"),
        ("--criteria", "both", "--years", "5", "--through", "2020-12-31", "--dry-run"),
    ],
)
def test_bad_input_exits_2_with_one_line(three, args):
    with pytest.raises(CommandError) as raised:
        run(*args)
    assert raised.value.returncode == 2
    assert "\n" not in str(raised.value)


@pytest.mark.parametrize("years", [1, 10, 11])
def test_m1_years_is_the_web_forms_older_than_n_years(three, years):
    # given "older than N years" as the web form reads it
    form = MassErasureForm({"criteria": "both", "years": years})
    assert form.is_valid(), form.errors
    through = form.cleaned_data["through"]

    # when the command is given the years, and the form's date
    by_years = run("--criteria", "both", "--years", str(years), "--dry-run", "--json")
    by_date = run("--criteria", "both", "--through", through.isoformat(), "--dry-run", "--json")

    # then it says the same date, and selects the same customers
    assert f"Older than {years} years: customers through {through.isoformat()}." in by_years
    assert json.loads(by_years.splitlines()[-1]) == json.loads(by_date.splitlines()[-1])


def test_the_largest_limit_and_the_last_sensible_day_are_accepted(three):
    # when
    output = run("--criteria", "both", "--through", "2999-12-31", "--limit", "100000", "--dry-run", "--json")

    # then: after the warning that the date is recent (M-3), the counts
    warning, counts = output.strip().splitlines()
    assert "M-3" in warning and json.loads(counts)["selected"] == 3


def test_m6_without_the_right_or_the_crm_module_exits_1(three):
    from kund.privacy.tests.massdata import user_with

    user_with("kalle", "view_customer")
    with pytest.raises(CommandError) as raised:
        run("--criteria", "both", "--through", "2020-12-31", "--yes", "--as", "kalle")
    assert raised.value.returncode == 1
    enable_crm(False)
    with pytest.raises(CommandError) as raised:
        run("--criteria", "both", "--through", "2020-12-31", "--yes", "--as", "malin")
    assert raised.value.returncode == 1 and "CRM" in str(raised.value)
    assert Customer.objects.count() == 3


def test_m3_warning_for_a_recent_date(three, capsys):
    errors = []

    class Err:
        def write(self, text):
            errors.append(text)

    call_command(
        "mass_erase",
        "--criteria",
        "both",
        "--through",
        date.today().isoformat(),
        "--dry-run",
        stdout=Err(),
        stderr=Err(),
    )
    assert any("within the last year" in e for e in errors)


def test_resume_command_with_nothing_to_resume(db):
    lines = []

    class Out:
        def write(self, text):
            lines.append(text)

    call_command("resume_erasure_jobs", stdout=Out())
    assert "no erasure job to resume" in "".join(lines)


@pytest.mark.parametrize("seconds", ["inf", "nan", "1e308", "-1", "604801", "soon"])
def test_resume_command_refuses_a_stale_after_out_of_range_with_one_line(db, seconds):
    # when
    with pytest.raises(CommandError) as raised:
        call_command("resume_erasure_jobs", "--stale-after", seconds)

    # then
    assert raised.value.returncode == 2 and "\n" not in str(raised.value)
    assert "bad --stale-after" in str(raised.value)


@pytest.mark.parametrize("tty", [True, False])
def test_m5_a_progress_bar_only_on_a_terminal(three, tty):
    lines = []

    class Out:
        def write(self, text):
            lines.append(text)

        def flush(self):
            pass

        def isatty(self):
            return tty

    call_command(
        "mass_erase", "--criteria", "both", "--through", "2020-12-31", "--yes", stdout=Out(), stderr=Out()
    )
    output = "".join(lines)
    assert ("\r[" in output and "] 3/3" in output) is tty
    assert "deleted 1, anonymized 1, ignored 1, failed 0" in output


def test_m2_blocked_customers_do_not_use_up_the_limit_so_each_run_gets_further(db):
    # given a register whose five oldest private customers meeting the criteria are blocked (undelivered
    # orders), and twelve later ones that can be erased, half of them buyers
    enable_crm()
    mass_eraser("malin")
    blocked = []
    for i in range(5):
        customer = private("Sofia", f"Lund{i}", created=date(2014, 1, 1 + i))
        order(customer, date(2015, 1, 1), delivered=False)
        blocked.append(customer)
    erasable = []
    for i in range(12):
        customer = private("Nils", f"Ek{i}", created=date(2015, 2, 1 + i))
        if i % 2:
            order(customer, date(2016, 1, 1))
        erasable.append(customer)
    args = (
        "--criteria",
        "both",
        "--through",
        "2020-12-31",
        "--limit",
        "5",
        "--yes",
        "--json",
        "--as",
        "malin",
    )

    # when the run is made twice
    first, second = json.loads(run(*args)), json.loads(run(*args))

    # then each erased five customers that could be erased, the blocked ones were reported as ignored
    # without counting against the limit, and the second run took the next five
    for result in (first, second):
        assert result["delete"] + result["anonymize"] == 5
        assert result["deleted"] + result["anonymized"] == 5 and result["failed"] == 0
        assert result["ignored"] == 5 and result["selected"] == 10
    first_job, second_job = ErasureJob.objects.order_by("pk")
    erased = [
        set(job.items.filter(result__in=["deleted", "anonymized"]).values_list("customer_id", flat=True))
        for job in (first_job, second_job)
    ]
    assert erased[0] == {c.pk for c in erasable[:5]}
    assert erased[1] == {c.pk for c in erasable[5:10]}
    for job in (first_job, second_job):
        ignored = job.items.filter(result="ignored")
        assert set(ignored.values_list("customer_id", flat=True)) == {c.pk for c in blocked}
        assert all("not delivered" in reason for reason in ignored.values_list("reason", flat=True))
    assert Customer.objects.filter(pk__in=[c.pk for c in blocked], anonymized_at__isnull=True).count() == 5
