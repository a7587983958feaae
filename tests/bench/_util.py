"""Helpers for benchmarks: medians of in-process calls and of whole processes.

Benchmarks report figures; they never assert.  Every figure that has a target is quoted with a
baseline measured in the same run, because these machines are noisy.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent


@dataclass
class Row:
    name: str
    median: float  # seconds
    unit: str = "s"  # how to show it: "s", "ms" or "us"
    target: str = ""  # e.g. "<= 0.3 s"
    ok: bool | None = None  # against the target, when there is one
    baseline: str = ""  # what the ratio compares with
    ratio: float | None = None  # median / baseline median
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def median_call(fn: Callable[[], object], *, repeat: int = 7, number: int = 1) -> float:
    """Median seconds per call of ``fn`` over ``repeat`` rounds of ``number`` calls."""
    fn()  # warm up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return statistics.median(times)


def median_process(cmd: Sequence[str], *, repeat: int = 7, env: dict[str, str] | None = None,
                   cwd: str | Path | None = None, ok_codes: Sequence[int] = (0,)) -> float:
    """Median wall seconds of running ``cmd`` as a whole process."""
    full_env = {**os.environ, **(env or {})}
    subprocess.run(cmd, env=full_env, cwd=cwd, capture_output=True, check=False)  # warm the page cache
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = subprocess.run(cmd, env=full_env, cwd=cwd, capture_output=True, check=False)
        times.append(time.perf_counter() - t)
        if r.returncode not in ok_codes:
            raise RuntimeError(f"{' '.join(cmd)} exited {r.returncode}: {r.stderr.decode()[-2000:]}")
    return statistics.median(times)


def tool(name: str) -> str:
    """Path of a console script in the running virtualenv."""
    return str(VENV_BIN / name)
