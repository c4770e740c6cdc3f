"""Serving a benchmark's gunicorn: wait until it answers (or tell why it never will)."""

from __future__ import annotations

import subprocess
import time
import urllib.error
import urllib.request


def wait_until_up(url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    """Return once `url` answers 200; stop the benchmark if `server` exits or `seconds` pass first."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited with {server.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer {url} within {seconds:.0f} s")
