"""Loading the demo region in tests."""

from __future__ import annotations

import io

from django.core.management import call_command


def load(*args: str) -> str:
    """`manage.py demo_region` with `args`; what it printed."""
    out = io.StringIO()
    call_command("demo_region", *args, stdout=out)
    return out.getvalue()
