"""The `kund` command: the same as `python manage.py`."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kund.settings.local")
    from kund.core.program import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
