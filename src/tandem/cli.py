"""The ``tandem`` command: Django's management commands with Tandem's settings.

``tandem demo``, ``tandem serve``, ``tandem worker``, ``tandem createadmin`` and
``tandem token create`` are Tandem's own; ``tandem help`` lists every command. ``tandem encryption-key``
prints a new ``ENCRYPTION_KEY`` and needs no settings, since a server cannot start without one.
"""

import os
import sys


def main() -> None:
    if sys.argv[1:] == ["encryption-key"]:
        from cryptography.fernet import Fernet

        print(Fernet.generate_key().decode())
        return
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["tandem", *sys.argv[1:]])


if __name__ == "__main__":
    main()
