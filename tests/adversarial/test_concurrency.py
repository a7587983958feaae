"""Concurrent local writers lose no edit; kill -9 mid-write leaves the old or the new bytes and no litter.

Real processes (``multiprocessing`` with fork, and the console script), a real file system.
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import pytest

from modelpromote.app import promotion
from modelpromote.app.store import LocalStore
from modelpromote.manifest.load import load_manifest
from modelpromote.manifest.verify import blob_sha
from tests.support.manifests import write

ROUNDS = 200
NOW = datetime(2026, 5, 10, 12, 0, tzinfo=timezone.utc)
CLI = [sys.executable, "-m", "modelpromote"]


def _hold_reason(path: str, model: str) -> str | None:
    loaded = load_manifest(path)
    assert loaded.manifest is not None
    [m] = [m for m in loaded.manifest.models if m.name == model]
    return m.hold.reason if m.hold else None


def _writer(path: str, model: str, rounds: int, lost: multiprocessing.Queue[int]) -> None:
    """Set ``model``'s hold reason to 1..rounds; before each write, check the last one is still there.

    The other writer only touches its own model, so a mismatch is its stale copy overwriting ours.
    """
    missing = 0
    for i in range(1, rounds + 1):
        if i > 1 and _hold_reason(path, model) != f"{model}-{i - 1}":
            missing += 1
        promotion.hold(LocalStore(path), model, env=None, reason=f"{model}-{i}", clear=False, now=NOW, by="test")
    lost.put(missing)


def test_two_writers_on_different_models_lose_no_edit(tmp_path: Path) -> None:
    path = str(write(tmp_path))
    ctx = multiprocessing.get_context("fork")
    lost: multiprocessing.Queue[int] = ctx.Queue()
    procs = [ctx.Process(target=_writer, args=(path, m, ROUNDS, lost)) for m in ("alpha", "beta")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0
    assert [lost.get(timeout=5), lost.get(timeout=5)] == [0, 0]
    assert _hold_reason(path, "alpha") == f"alpha-{ROUNDS}" and _hold_reason(path, "beta") == f"beta-{ROUNDS}"
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


@pytest.mark.parametrize("pair", range(10))
def test_same_model_with_expect_sha_exactly_one_wins(tmp_path: Path, pair: int) -> None:
    path = write(tmp_path)
    sha = blob_sha(path.read_bytes())
    procs = [
        subprocess.Popen(
            [*CLI, "hold", "alpha", "--reason", f"writer {n} of pair {pair}", "--expect-sha", sha, "-m", str(path), "--json"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in (1, 2)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    codes = sorted(p.returncode for p in procs)
    # The loser is refused as "the manifest changed" (MP411: exit 1, like every stale decision).
    assert codes == [0, 1], outs
    assert sum("MP411" in out for out, _ in outs) == 1
    reason = _hold_reason(str(path), "alpha")
    assert reason in {f"writer 1 of pair {pair}", f"writer 2 of pair {pair}"}


_LOOP = """
import sys
from datetime import datetime, timezone
from modelpromote.app import promotion
from modelpromote.app.store import LocalStore
path, now, i = sys.argv[1], datetime(2026, 5, 10, tzinfo=timezone.utc), 0
print("ready", flush=True)
while True:
    i += 1
    clear = i % 2 == 0
    promotion.hold(LocalStore(path), "alpha", env=None, reason=None if clear else f"r{i}", clear=clear, now=now, by="t")
"""

KILLS = 40


def test_kill_9_mid_write_leaves_a_valid_file_and_no_temp_files(tmp_path: Path) -> None:
    path = write(tmp_path)
    rng = random.Random(17)
    temps_seen = 0
    for _ in range(KILLS):
        p = subprocess.Popen([sys.executable, "-c", _LOOP, str(path)], stdout=subprocess.PIPE, text=True)
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
        assert load_manifest(str(path)).ok  # always the old or the new bytes, never half
        temps_seen += len([n for n in os.listdir(tmp_path) if n.startswith(".modelpromote-")])
        # The next write sweeps what a killed writer left behind (its pid is gone).
        promotion.hold(LocalStore(str(path)), "beta", env=None, reason="sweep", clear=False, now=NOW, by="t")
        assert [n for n in os.listdir(tmp_path) if n.startswith(".modelpromote-")] == []
    # validate never reads temp files: a leftover cannot make it fail or pass
    r = subprocess.run([*CLI, "validate", str(path)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    print(f"kill -9: {KILLS} kills, {temps_seen} temp file(s) left and swept")
