"""`kund seed_demo` (kund/demo/management/commands/seed_demo.py, SPEC §8): its output, and bad input ending
with exit status 2 and one line on stderr."""

import os
import subprocess
import sys
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from kund.customers.models import Customer


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"customers": "-1"}, "--customers must not be negative"),
        ({"customers": "many"}, "--customers must be a whole number"),
        ({"customers": "2.5"}, "--customers must be a whole number"),
        ({"customers": "3", "seed": "-4"}, "--seed must not be negative"),
        ({"customers": "3", "seed": "x"}, "--seed must be a whole number"),
        ({}, "--customers is required"),
        ({"customers": str(10**29)}, "--customers must be at most 10,000,000"),
        ({"customers": "9" * 5000}, "--customers must be a whole number"),
    ],
)
def test_s8_bad_input_is_refused_with_returncode_2(options, message):
    # when
    with pytest.raises(CommandError) as exc:
        call_command("seed_demo", **options)

    # then
    assert exc.value.returncode == 2
    assert message in str(exc.value)


def test_s8_bad_customers_exits_2_with_one_line_and_no_traceback():
    # when
    done = subprocess.run(
        [sys.executable, "-m", "kund", "seed_demo", "--customers=-5"],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "kund.settings.test"},
        timeout=60,
    )

    # then
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "--customers" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.django_db
def test_s8_seeds_and_reports_counts():
    # given
    out, err = StringIO(), StringIO()

    # when
    call_command("seed_demo", customers="30", seed="11", stdout=out, stderr=err)

    # then
    assert Customer.objects.count() == 30
    report = out.getvalue()
    assert report.startswith("seed_demo: added 30 customers (")
    assert "seed 11" in report
    assert " s\n" in report
    assert "30/30 customers (100%)" in err.getvalue()


@pytest.mark.django_db
def test_s8_zero_customers_is_allowed():
    call_command("seed_demo", customers="0", seed="1", stdout=StringIO(), stderr=StringIO())
    assert Customer.objects.count() == 0
