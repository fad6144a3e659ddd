"""Helpers for Kund's management commands: the base class every Kund command uses, the exit statuses of
SPEC §8 and finding the acting user."""

import argparse
import os
import sys

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from kund.core import rules

EXIT_NOT_DONE = 1  # not done for a business reason (blocked, nothing selected)
EXIT_BAD_INPUT = 2  # unknown customer, bad date, bad option


def bad_input(message: str) -> CommandError:
    return CommandError(message, returncode=EXIT_BAD_INPUT)


def not_done(message: str) -> CommandError:
    return CommandError(message, returncode=EXIT_NOT_DONE)


class BadArguments(CommandError):
    """The command line itself is wrong: a missing argument, an unknown option, a bad choice."""


class OneLineParser(CommandParser):
    """Django's parser, but a wrong command line is one line and exit status 2 (SPEC §8) rather than
    argparse's usage text: the error goes up as a CommandError, from the command line as from
    call_command."""

    def error(self, message):
        text = " ".join(str(message).split())
        raise BadArguments(f"{text} (see --help)", returncode=EXIT_BAD_INPUT)


class KundCommand(BaseCommand):
    """The base of every Kund management command."""

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
        # Django parses the command line before it starts catching CommandError; a wrong command line
        # would otherwise end in a traceback.
        try:
            super().run_from_argv(argv)
        except BadArguments as exc:
            self.stderr.write(f"CommandError: {exc}")
            sys.exit(exc.returncode)


def acting_user(username: str | None):
    """The user named by --as (or KUND_USER); without either, the first active superuser."""
    User = get_user_model()
    username = username or os.environ.get("KUND_USER")
    if username:
        user = User.objects.filter(**{User.USERNAME_FIELD: username, "is_active": True}).first()
        if user is None:
            raise bad_input(f"unknown or inactive user: {username}")
        return user
    user = User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first()
    if user is None:
        raise bad_input("no user to act as: pass --as USERNAME")
    return user


def customer_by_number(number: str):
    from kund.customers.models import Customer

    customer = Customer.objects.filter(number=number.strip()).first()
    if customer is None:
        raise bad_input(f"unknown customer number: {number}")
    return customer


def customer_and_actor(number: str, username: str | None):
    """The customer with this number and the acting user (--as), if that user may view the customer
    (kund.core.rules): to them any other customer is unknown, as a deleted one is, so numbers cannot be
    probed."""
    customer = customer_by_number(number)
    actor = acting_user(username)
    if not rules.may_view(actor, customer):
        raise bad_input(f"unknown customer number: {number}")
    return customer, actor
