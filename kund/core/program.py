"""The `kund` program (kund/__main__.py): Django's command-line utility, with Django's own commands in
English. Their texts exist in English only, and the register's language (LANGUAGE_CODE, Swedish) would
put translated model labels into them: `createsuperuser` said "That användarnamn is already taken". A
Kund command then speaks its own language (kund.core.cli.command_language).

Imported before Django is set up: it imports no model.
"""

from django.apps import apps
from django.core.management import ManagementUtility
from django.utils import translation

ENGLISH = "en"


class KundUtility(ManagementUtility):
    def fetch_command(self, subcommand):
        command = super().fetch_command(subcommand)
        if apps.ready:  # not when the settings are broken: Django then reports that, in English
            translation.activate(ENGLISH)
        return command


def execute_from_command_line(argv=None) -> None:
    KundUtility(argv).execute()
