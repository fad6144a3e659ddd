"""Helpers for Kund's management commands: the base class every Kund command uses, the exit statuses of
SPEC §8, the language they speak and finding the acting user.

One language per output: a Kund command speaks the language the environment's locale names (LC_ALL,
else LC_MESSAGES, else LANG, as POSIX orders them) when Kund has it — Swedish for `LANG=sv_SE.UTF-8` —
and English otherwise (`LANG=C`, no locale, a language Kund lacks). Every line it prints is in that
language: its own messages, the reasons it reports, the labels of models and choices, and argparse's
complaints about the command line, which are said through Kund's catalog (ARGPARSE_MESSAGES). Its
`--help` is the exception: argparse's and Django's help texts exist in English only, so help is English
whatever the locale (still one language per line). Django's own commands (`migrate`, `createsuperuser`)
speak English (kund.core.program): their texts have no translations, and a model's label in another
language would make a half-translated line ("That användarnamn is already taken").
"""

import argparse
import errno
import os
import sys
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser, SystemCheckError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, ngettext_lazy

from kund.core.program import ENGLISH

LOCALE_VARIABLES = ("LC_ALL", "LC_MESSAGES", "LANG")


def command_language(environ=None) -> str:
    """The language a command speaks: the one the locale names, if Kund has it; else English."""
    environ = os.environ if environ is None else environ
    for name in LOCALE_VARIABLES:
        value = environ.get(name, "").strip()
        if value:  # the first one set decides, even "C"
            code = value.split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
            return code if code in {language for language, _name in settings.LANGUAGES} else ENGLISH
    return ENGLISH


EXIT_NOT_DONE = 1  # not done for a business reason (blocked, nothing selected)
EXIT_BAD_INPUT = 2  # unknown customer, bad date, bad option


def bad_input(message: str) -> CommandError:
    return CommandError(message, returncode=EXIT_BAD_INPUT)


def not_done(message: str) -> CommandError:
    return CommandError(message, returncode=EXIT_NOT_DONE)


def error_line(exc: CommandError) -> str:
    """The one line a command that stopped prints on stderr."""
    # Translators: the line a command-line command ends with when it stops; keep "CommandError" or say
    # "error" in your language.
    return _("CommandError: %(message)s") % {"message": exc}


class BadArguments(CommandError):
    """The command line itself is wrong: a missing argument, an unknown option, a bad choice."""


# What argparse says of a wrong command line (Python 3.11's argparse), said through Kund's catalog so
# that it speaks the command's language. A message not listed stays argparse's English.
ARGPARSE_MESSAGES = {
    "argument %(argument_name)s: %(message)s": gettext_lazy("argument %(argument_name)s: %(message)s"),
    "unrecognized arguments: %s": gettext_lazy("unrecognized arguments: %s"),
    "the following arguments are required: %s": gettext_lazy("the following arguments are required: %s"),
    "one of the arguments %s is required": gettext_lazy("one of the arguments %s is required"),
    "not allowed with argument %s": gettext_lazy("not allowed with argument %s"),
    "ignored explicit argument %r": gettext_lazy("ignored explicit argument %r"),
    "expected one argument": gettext_lazy("expected one argument"),
    "expected at most one argument": gettext_lazy("expected at most one argument"),
    "expected at least one argument": gettext_lazy("expected at least one argument"),
    "ambiguous option: %(option)s could match %(matches)s": gettext_lazy(
        "ambiguous option: %(option)s could match %(matches)s"
    ),
    "unexpected option string: %s": gettext_lazy("unexpected option string: %s"),
    "invalid %(type)s value: %(value)r": gettext_lazy("invalid %(type)s value: %(value)r"),
    "invalid choice: %(value)r (choose from %(choices)s)": gettext_lazy(
        "invalid choice: %(value)r (choose from %(choices)s)"
    ),
    "unknown parser %(parser_name)r (choices: %(choices)s)": gettext_lazy(
        "unknown parser %(parser_name)r (choices: %(choices)s)"
    ),
}
# argparse's one plural message, marked for the catalog; looked up with its number when argparse asks.
ARGPARSE_PLURALS = {("expected %s argument", "expected %s arguments")}
_MARKED = ngettext_lazy("expected %s argument", "expected %s arguments")


def _argparse_gettext(message: str) -> str:
    translated = ARGPARSE_MESSAGES.get(message)
    return message if translated is None else str(translated)


def _argparse_ngettext(singular: str, plural: str, n: int) -> str:
    """The form for `n`, in the active language; argparse puts the number in itself."""
    if (singular, plural) in ARGPARSE_PLURALS:
        return ngettext(singular, plural, n)
    return singular if n == 1 else plural


@contextmanager
def _argparse_in_active_language():
    """argparse looks its messages up through its module's `_` and `ngettext` as it raises them: route
    them through Kund's catalog while a Kund command's line is parsed."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _argparse_gettext, _argparse_ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


class OneLineParser(CommandParser):
    """Django's parser, but a wrong command line is one line and exit status 2 (SPEC §8) rather than
    argparse's usage text: the error goes up as a CommandError, from the command line as from
    call_command. argparse's complaint is in the command's language."""

    def parse_known_args(self, args=None, namespace=None):
        with _argparse_in_active_language():
            return super().parse_known_args(args, namespace)

    def error(self, message):
        text = " ".join(str(message).split())
        # Translators: a wrong command line; %(message)s is what is wrong with it.
        raise BadArguments(_("%(message)s (see --help)") % {"message": text}, returncode=EXIT_BAD_INPUT)


class KundCommand(BaseCommand):
    """The base of every Kund management command: it speaks command_language() from start to end."""

    def create_parser(self, prog_name, subcommand, **kwargs):
        parser = super().create_parser(prog_name, subcommand, **kwargs)
        # BaseCommand builds a CommandParser itself; OneLineParser only changes how it reports an error,
        # for the command's own parser and for the parsers of its subcommands alike.
        parsers = [parser]
        while parsers:
            current = parsers.pop()
            current.__class__ = OneLineParser
            for action in current._actions:
                if isinstance(action, argparse._SubParsersAction):
                    parsers.extend(action.choices.values())
        return parser

    def run_from_argv(self, argv):
        with translation.override(command_language()):
            # Django parses the command line before it starts catching CommandError; a wrong command
            # line would otherwise end in a traceback.
            try:
                super().run_from_argv(argv)
            except BadArguments as exc:
                self.stderr.write(error_line(exc))
                sys.exit(exc.returncode)

    def execute(self, *args, **options):
        with translation.override(command_language()):
            if not self._called_from_command_line or options.get("traceback"):
                return super().execute(*args, **options)
            # As Django's run_from_argv would print it, but with its first word in the same language.
            try:
                return super().execute(*args, **options)
            except SystemCheckError:
                raise
            except CommandError as exc:
                self.stderr.write(error_line(exc))
                sys.exit(exc.returncode)


def os_error_text(exc: OSError) -> str:
    """Why a file could not be read or written, in the command's language: the system's own text is
    English whatever the locale."""
    said = {
        errno.ENOENT: _("no such file or directory"),
        errno.EACCES: _("permission denied"),
        errno.EPERM: _("permission denied"),
        errno.EISDIR: _("it is a directory"),
        errno.ENOTDIR: _("a part of the path is not a directory"),
        errno.ENOSPC: _("no space left on the device"),
        errno.EROFS: _("the file system is read-only"),
        errno.EEXIST: _("a file of that name exists"),
    }
    return said.get(exc.errno, _("the file system refused (error %(code)s)") % {"code": exc.errno})


def acting_user(username: str | None):
    """The user named by --as (or KUND_USER); without either, the first active superuser."""
    User = get_user_model()
    username = username or os.environ.get("KUND_USER")
    if username:
        user = User.objects.filter(**{User.USERNAME_FIELD: username, "is_active": True}).first()
        if user is None:
            raise bad_input(_("unknown or inactive user: %(username)s") % {"username": username})
        return user
    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        raise bad_input(_("no user to act as: pass --as USERNAME"))
    return user
