"""What running a workflow through the composite actions costs, against the bare CLI call.

Rows, all measured in the same run: ``modelpromote validate`` as a process; a one-step job calling
actions/validate (the workflow below, written into the sandbox) run by act (host mode, offline) with
the ``cli`` input (nothing installed: act and the action's own overhead); the same job building the
environment cold, as on a fresh runner with no actions/cache hit: empty tool cache *and* empty
download caches (act's HOME is the sandbox's; its ``.cache`` holds uv's and pip's downloads and is
removed before each cold run); the same cold build with uv's download cache left from the run
before (a self-hosted runner building for a new modelpromote version); the cold build through the
pip fallback (``MODELPROMOTE_INSTALLER=pip``); and the job again on that runner (warm: the
environment is in the tool cache, as after another job of the run built it or actions/cache
restored it).  The actions/cache download itself is not in act (its stand-in is skipped).
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from pathlib import Path

from tests.support.act import Sandbox, make_sandbox

from ._util import Row, median_process, tool

EVENT = {"pull_request": {"number": 1, "head": {"ref": "bench"}}}
# One job, one action: what a job that calls a modelpromote action pays on top of the verb.
WORKFLOW = """\
name: bench
on: pull_request
permissions: {}
jobs:
  validate:
    runs-on: ubuntu-latest
    env:
      MODELPROMOTE_INSTALLER: ${{ vars.MODELPROMOTE_INSTALLER }}
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
        with:
          persist-credentials: false
      - name: Validate the manifest
        uses: ./actions/validate
        with:
          setup-python: ${{ vars.MODELPROMOTE_SETUP_PYTHON || 'true' }}
          cache: ${{ vars.MODELPROMOTE_PIP_CACHE || 'true' }}
          cli: ${{ vars.MODELPROMOTE_CLI }}
"""
INSTALL = {"MODELPROMOTE_SETUP_PYTHON": "false", "MODELPROMOTE_PIP_CACHE": "false"}


def _run(sb: Sandbox, variables: dict[str, str]) -> float:
    t = time.perf_counter()
    run = sb.act("bench-validate.yml", "pull_request", EVENT, job="validate", variables=variables, timeout=600)
    took = time.perf_counter() - t
    if run.returncode != 0:
        raise RuntimeError(run.output[-2000:])
    return took


def _act_medians(repeat_warm: int, repeat_cold: int) -> dict[str, float]:
    """Medians of the validate job: cli input, cold (empty caches), cold with a warm download cache, cold via pip, warm."""
    with tempfile.TemporaryDirectory() as tmp:
        wf = Path(tmp) / "bench-validate.yml"
        wf.write_text(WORKFLOW)
        (Path(tmp) / "sb").mkdir()
        sb = make_sandbox(Path(tmp) / "sb", files={".github/workflows/bench-validate.yml": wf})
        tool_cache = sb.home / "act-cache" / "tool_cache" / "modelpromote"  # act's RUNNER_TOOL_CACHE in host mode
        downloads = sb.home / ".cache"  # uv's and pip's download caches under act's HOME

        def cold(variables: dict[str, str], *, keep_downloads: bool = False) -> float:
            shutil.rmtree(tool_cache, ignore_errors=True)
            if not keep_downloads:
                shutil.rmtree(downloads, ignore_errors=True)
            return _run(sb, variables)

        try:
            out = {"cli": statistics.median(_run(sb, {"MODELPROMOTE_CLI": tool("modelpromote")}) for _ in range(repeat_warm))}
            out["cold"] = statistics.median(cold(INSTALL) for _ in range(repeat_cold))
            out["cold, downloads cached"] = statistics.median(cold(INSTALL, keep_downloads=True) for _ in range(repeat_cold))
            out["warm"] = statistics.median(_run(sb, INSTALL) for _ in range(repeat_warm))
            out["cold, pip"] = statistics.median(cold({**INSTALL, "MODELPROMOTE_INSTALLER": "pip"}) for _ in range(repeat_cold))
        finally:
            sb.emu.stop()
    return out


def run() -> list[Row]:
    bare = median_process([tool("modelpromote"), "validate"], repeat=5)
    t = _act_medians(repeat_warm=5, repeat_cold=3)
    base = "modelpromote validate (process)"
    return [
        Row(base, bare),
        Row(
            "act: validate job, cli input", t["cli"], baseline=base, ratio=t["cli"] / bare, note="act + action overhead, nothing installed"
        ),
        Row(
            "act: validate job, warm environment",
            t["warm"],
            target="<= bare + 3 s",
            ok=t["warm"] - bare <= 3.0,
            baseline=base,
            ratio=t["warm"] / bare,
            note=f"+{t['warm'] - bare:.2f} s over the bare verb; environment reused from the tool cache",
        ),
        Row(
            "act: validate job, cold build",
            t["cold"],
            target="<= 20 s",
            ok=t["cold"] <= 20.0,
            baseline=base,
            ratio=t["cold"] / bare,
            note="empty tool cache and download caches: pinned uv fetched, venv, uv pip install of .[github,eval]",
        ),
        Row(
            "act: validate job, cold, downloads cached",
            t["cold, downloads cached"],
            baseline=base,
            ratio=t["cold, downloads cached"] / bare,
            note="empty tool cache, uv's download cache kept (a self-hosted runner, new modelpromote version)",
        ),
        Row(
            "act: validate job, cold build with pip",
            t["cold, pip"],
            baseline=base,
            ratio=t["cold, pip"] / bare,
            note="MODELPROMOTE_INSTALLER=pip (the fallback): empty caches, pip install of .[github,eval]",
        ),
    ]
