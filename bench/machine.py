"""The machine line printed at the top of every benchmark report."""

import os
import platform
import subprocess


def machine(*, with_load: bool = False) -> str:
    def run(cmd: list[str]) -> str:
        try:
            return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return "?"

    memory = run(["free", "-h"]).splitlines()
    mem = memory[1].split()[1] if len(memory) > 1 else "?"
    line = f"{run(['nproc'])} cores ({platform.processor() or platform.machine()}), {mem} RAM, Python {platform.python_version()}"
    if with_load:
        line += f", load average {os.getloadavg()[0]:.2f} at start"
    return line
