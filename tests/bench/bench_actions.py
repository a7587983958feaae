"""What running a workflow through the composite actions costs, against the bare CLI call.

Rows: the validate job of promotion-gate.yml run by act (host mode, offline) with the ``cli``
input (nothing installed) and without it (venv + pip install from the action's checkout, pip's
cache warm, as after actions/cache restored it), each against ``modelpromote validate`` as a
process, measured in the same run.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

from tests.act.harness import make_sandbox

from ._util import Row, median_process, tool

EVENT = {"pull_request": {"number": 1, "head": {"ref": "bench"}}}


def _act_median(cli: bool, repeat: int) -> float:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        sb = make_sandbox(Path(tmp))
        try:
            variables = (
                {"MODELPROMOTE_CLI": tool("modelpromote")}
                if cli
                else {"MODELPROMOTE_SETUP_PYTHON": "false", "MODELPROMOTE_PIP_CACHE": "false"}
            )
            for _ in range(repeat):
                t = time.perf_counter()
                run = sb.act("promotion-gate.yml", "pull_request", EVENT, job="validate", variables=variables, timeout=600)
                times.append(time.perf_counter() - t)
                if run.returncode != 0:
                    raise RuntimeError(run.output[-2000:])
        finally:
            sb.emu.stop()
    return statistics.median(times)


def run() -> list[Row]:
    bare = median_process([tool("modelpromote"), "validate"], repeat=5)
    with_cli = _act_median(cli=True, repeat=5)
    install = _act_median(cli=False, repeat=3)
    base = "modelpromote validate (process)"
    return [
        Row("modelpromote validate (process)", bare),
        Row("act: validate job, cli input", with_cli, baseline=base, ratio=with_cli / bare, note="act + action overhead"),
        Row(
            "act: validate job, pip install",
            install,
            baseline=base,
            ratio=install / bare,
            note="venv + pip from the action checkout, warm pip cache",
        ),
    ]
