"""One language per output on the command line (kund.core.cli): a Kund command speaks the language the
locale names (LC_ALL, else LC_MESSAGES, else LANG) when Kund has it, English otherwise; argparse's
complaints are said in it too; Django's own commands speak English."""

import pytest
from django.core.management import get_commands, load_command_class
from django.utils import translation

from kund.core.cli import BadArguments, OneLineParser, command_language
from kund.core.program import KundUtility


@pytest.mark.parametrize(
    ("environ", "language"),
    [
        ({"LANG": "sv_SE.UTF-8"}, "sv"),
        ({"LANG": "de_DE.UTF-8"}, "de"),
        ({"LANG": "en_GB.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "C"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),  # a language Kund does not have
        ({}, "en"),
        ({"LANG": "sv_SE.UTF-8", "LC_ALL": "C"}, "en"),  # LC_ALL comes first
        ({"LANG": "C", "LC_ALL": "de_DE.UTF-8"}, "de"),
        ({"LANG": "C", "LC_MESSAGES": "sv_SE.UTF-8"}, "sv"),
        ({"LANG": "de_DE", "LC_ALL": ""}, "de"),  # an empty variable is no choice
        ({"LANG": "sv_FI.UTF-8@euro"}, "sv"),
    ],
)
def test_the_command_line_speaks_the_locales_language_if_kund_has_it(environ, language):
    assert command_language(environ) == language


def run_from_argv(name: str, *args: str, capsys) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exited:
        load_command_class(get_commands()[name], name).run_from_argv(["kund", name, *args])
    captured = capsys.readouterr()
    return exited.value.code, captured.out + captured.err


def test_argparse_complains_in_the_commands_language(monkeypatch, capsys, translations):
    # given a Swedish locale, and Swedish for argparse's complaint and the line around it
    monkeypatch.setenv("LANG", "sv_SE.UTF-8")
    translations(
        "sv",
        {
            "the following arguments are required: %s": "följande argument krävs: %s",
            "%(message)s (see --help)": "%(message)s (se --help)",
            "CommandError: %(message)s": "Fel: %(message)s",
        },
    )

    # when a command misses its argument
    status, output = run_from_argv("erase", capsys=capsys)

    # then the line is Swedish from end to end
    assert status == 2
    assert output.strip() == "Fel: följande argument krävs: number (se --help)"


def test_argparse_complains_in_english_in_the_c_locale(monkeypatch, capsys, translations):
    # given the register's Swedish as the language in force (LANGUAGE_CODE), and the C locale
    monkeypatch.setenv("LANG", "C")
    translations("sv", {"the following arguments are required: %s": "följande argument krävs: %s"})
    translation.activate("sv")
    try:
        status, output = run_from_argv("erase", capsys=capsys)
    finally:
        translation.deactivate()

    assert status == 2
    assert output.strip() == "CommandError: the following arguments are required: number (see --help)"


@pytest.mark.django_db
def test_djangos_own_commands_speak_english_with_english_labels(monkeypatch, capsys, translations):
    # given an existing user, the register's language Swedish, and a Swedish locale
    from django.contrib.auth import get_user_model

    get_user_model().objects.create_user("admin", "admin@kund.test", "pw")
    monkeypatch.setenv("LANG", "sv_SE.UTF-8")
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "Ett-långt-lösenord-1")
    translation.activate("sv")
    try:
        # when `kund createsuperuser` is given the same username
        command = KundUtility(["kund", "createsuperuser"]).fetch_command("createsuperuser")
        with pytest.raises(SystemExit):
            command.run_from_argv(
                ["kund", "createsuperuser", "--noinput", "--username", "admin", "--email", "a@kund.test"]
            )
    finally:
        translation.deactivate()

    # then its English message has the English label (it said "That användarnamn is already taken")
    assert "Error: That username is already taken." in capsys.readouterr().err


def test_argparses_plural_complaint_is_said_with_its_number(translations):
    # given an option of two values, and Swedish for argparse's plural complaint
    parser = OneLineParser(prog="kund example")
    parser.add_argument("--between", nargs=2)
    translations(
        "sv",
        {
            ("expected %s argument", 0): "väntade %s värde",
            ("expected %s argument", 1): "väntade %s värden",
        },
    )

    # when one value is given
    with translation.override("sv"), pytest.raises(BadArguments) as raised:
        parser.parse_args(["--between", "2020"])

    # then the complaint counts in Swedish
    assert "väntade 2 värden" in str(raised.value)
