"""Shared by the benchmarks: wall times of commands taking turns."""

from __future__ import annotations

import subprocess
import time


def timed(cmds: list[list[str]], runs: int, env: dict[str, str] | None = None) -> list[list[float]]:
    """Wall times (s) of each command over `runs` rounds. The commands take turns round after
    round, so a slower moment of a shared machine falls on all of them alike."""
    for cmd in cmds:
        subprocess.run(cmd, check=True, capture_output=True, env=env)  # warm the file cache
    out: list[list[float]] = [[] for _ in cmds]
    for _ in range(runs):
        for cmd, times in zip(cmds, out):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, capture_output=True, env=env)
            times.append(time.perf_counter() - t)
    return out
