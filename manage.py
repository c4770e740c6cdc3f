#!/usr/bin/env python
"""Django's command-line utility (development settings unless DJANGO_SETTINGS_MODULE says otherwise)."""

import os
import sys

# Settings that may run on the embedded servers (devstack) when DATABASE_URL / REDIS_URL are unset.
DEVELOPMENT_SETTINGS = {"config.settings.dev", "config.settings.test"}


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if os.environ["DJANGO_SETTINGS_MODULE"] in DEVELOPMENT_SETTINGS and not (
        os.environ.get("DATABASE_URL") and os.environ.get("REDIS_URL")
    ):
        # Importing settings starts nothing; the command line does, before Django reads them. The
        # servers are left running for the next command (`python -m devstack stop`).
        from devstack.services import ensure_environment

        ensure_environment()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
