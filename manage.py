#!/usr/bin/env python
"""Django's command-line utility.

On a development machine with no DATABASE_URL / REDIS_URL, the embedded PostgreSQL and Redis are
started (and left running for the next command; `python -m devstack stop` stops them).
"""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    if not os.environ["DJANGO_SETTINGS_MODULE"].endswith(".production"):
        from devstack.services import ensure_environment

        ensure_environment()
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
