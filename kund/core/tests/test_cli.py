"""Every Kund management command answers a wrong command line (a missing argument, an unknown option, a
bad choice) with one line on stderr and exit status 2 (SPEC §8), never with argparse's usage text or a
traceback; from call_command the same error is a CommandError with return code 2."""

import argparse
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command, get_commands, load_command_class

from kund.core.cli import KundCommand

KUND_COMMANDS = sorted(name for name, app in get_commands().items() if app.startswith("kund."))


def command(name: str):
    return load_command_class(get_commands()[name], name)


def positionals(name: str, *, required_only: bool = False) -> list[str]:
    parser = command(name).create_parser("kund", name)
    return [
        action.dest
        for action in parser._actions
        if not action.option_strings and not (required_only and action.nargs in ("?", "*"))
    ]


def has_subcommands(name: str) -> bool:
    parser = command(name).create_parser("kund", name)
    return any(isinstance(action, argparse._SubParsersAction) for action in parser._actions)


def example_arguments(name: str) -> list[str]:
    """Positional arguments that get the command line past its positionals: "10001" for each, and a
    command with subcommands gets its first subcommand and that one's positionals."""

    def walk(parser) -> list[str]:
        args = []
        for action in parser._actions:
            if action.option_strings:
                continue
            if isinstance(action, argparse._SubParsersAction):
                sub, subparser = next(iter(action.choices.items()))
                args += [sub, *walk(subparser)]
            elif action.nargs not in ("?", "*"):
                args.append(next(iter(action.choices)) if action.choices else "10001")
        return args

    return walk(command(name).create_parser("kund", name))


def run_from_argv(name: str, *args: str, capsys) -> tuple[int, str, str]:
    """Run the command as `kund NAME ARGS` does, in this process; (exit status, stdout, stderr)."""
    with pytest.raises(SystemExit) as exited:
        command(name).run_from_argv(["kund", name, *args])
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


def assert_one_line_exit_2(status: int, out: str, err: str, expected: str) -> None:
    assert status == 2
    assert out == ""
    assert len(err.strip().splitlines()) == 1, err
    assert expected in err
    assert "usage:" not in err and "Traceback" not in err


def test_the_commands_are_the_ones_of_spec_8_and_more():
    assert {
        "seed_demo",
        "import_customers",
        "erase",
        "erasure_plan",
        "export_customer",
        "mass_erase",
        "resume_erasure_jobs",
        "verify_erasure_log",
    } <= set(KUND_COMMANDS)


@pytest.mark.parametrize("name", KUND_COMMANDS)
def test_every_kund_command_uses_the_kund_base(name):
    assert isinstance(command(name), KundCommand)


@pytest.mark.parametrize("name", KUND_COMMANDS)
def test_an_unknown_option_is_one_line_and_exit_2(name, capsys):
    # given the positional arguments the command needs, so that only the option is wrong
    args = example_arguments(name)

    # when
    status, out, err = run_from_argv(name, *args, "--no-such-option", capsys=capsys)

    # then
    assert_one_line_exit_2(status, out, err, "unrecognized arguments: --no-such-option")


@pytest.mark.parametrize("name", KUND_COMMANDS)
def test_an_option_without_its_value_is_one_line_and_exit_2(name, capsys):
    args = example_arguments(name)

    status, out, err = run_from_argv(name, *args, "--verbosity", capsys=capsys)

    # After a subcommand the option is the subcommand's parser's to read, and it knows no --verbosity.
    expected = (
        "unrecognized arguments: --verbosity"
        if has_subcommands(name)
        else "argument -v/--verbosity: expected one argument"
    )
    assert_one_line_exit_2(status, out, err, expected)


@pytest.mark.parametrize("name", [name for name in KUND_COMMANDS if positionals(name, required_only=True)])
def test_a_missing_argument_is_one_line_and_exit_2(name, capsys):
    status, out, err = run_from_argv(name, capsys=capsys)

    assert_one_line_exit_2(status, out, err, "the following arguments are required")


def test_a_bad_choice_is_one_line_and_exit_2(capsys):
    status, out, err = run_from_argv("export_customer", "10001", "--format", "pdf", capsys=capsys)

    assert_one_line_exit_2(status, out, err, "argument --format: invalid choice: 'pdf'")


def test_help_still_prints_the_usage_and_exits_0(capsys):
    with pytest.raises(SystemExit) as exited:
        command("erase").run_from_argv(["kund", "erase", "--help"])

    assert exited.value.code == 0
    assert "usage:" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("name", "args", "expected"),
    [
        ("erase", [], "the following arguments are required: number"),
        ("erasure_plan", ["10001", "--no-such-option"], "unrecognized arguments"),
        ("export_customer", ["10001", "--format", "pdf"], "invalid choice"),
    ],
)
def test_call_command_raises_a_one_line_command_error_with_return_code_2(name, args, expected):
    with pytest.raises(CommandError) as raised:
        call_command(name, *args)

    assert raised.value.returncode == 2
    assert expected in str(raised.value) and "\n" not in str(raised.value)


def test_the_kund_program_prints_one_line_and_exits_2():
    # when
    done = subprocess.run(
        [sys.executable, "-m", "kund", "mass_erase", "--criteria", "both", "--limit"],
        capture_output=True,
        text=True,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "kund.settings.test"},
        timeout=60,
    )

    # then
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.strip() == "CommandError: argument --limit: expected one argument (see --help)"
