"""Foundation benchmarks: validate/status start-up, scaling to 20,000 versions, and GTO.

Targets (issue 2): validate and status on models/manifest.yaml <= 0.3 s whole process; (issue 12,
lazy verb loading and the status cache) `modelpromote --help` <= 80 ms and `status` on the
example <= 150 ms when unchanged since the last run (the first run after a change is reported too);
validate on 1,000 models / 20,000 versions <= 3 s, and 10x the data in <= 12x the time; and
the ratio of `modelpromote status` to GTO's `gto show` on an equivalent registry (20 models x
10 versions, stages as git tags), measured in the same run.
"""

from __future__ import annotations

import compileall
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ._util import ROOT, Row, median_process, tool
from .gen_manifest import generate

GTO_VENV = ROOT / ".bench" / "gto-venv"
GTO_VERSION = "1.10.1"


def _gto() -> str | None:
    """GTO lives in its own venv: its dependencies must not leak into ours."""
    exe = GTO_VENV / "bin" / "gto"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(GTO_VENV)], check=True)
        r = subprocess.run([str(GTO_VENV / "bin" / "pip"), "install", "-q", f"gto=={GTO_VERSION}"],
                           capture_output=True, text=True, check=False)
        if r.returncode != 0:
            print(f"gto install failed: {r.stderr[-500:]}", file=sys.stderr)
            return None
    return str(exe)


def _gto_registry(path: Path, models: int, versions: int) -> None:
    """Register versions as annotated tags and assign two stages each, as GTO does."""
    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=path, check=True, capture_output=True)

    git("init", "-q")
    git("config", "user.email", "bench@example.com")
    git("config", "user.name", "bench")
    git("config", "advice.nestedTag", "false")
    for v in range(versions):
        git("commit", "-q", "--allow-empty", "-m", f"version {v}")
        for m in range(models):
            git("tag", "-a", f"model-{m:04d}@v1.{v}.0", "-m", "Registering version")
    for m in range(models):
        git("tag", "-a", f"model-{m:04d}#production#1", "-m", "Assigning stage", f"model-{m:04d}@v1.{versions - 2}.0^{{}}")
        git("tag", "-a", f"model-{m:04d}#staging#1", "-m", "Assigning stage", f"model-{m:04d}@v1.{versions - 1}.0^{{}}")


def run() -> list[Row]:
    # An installed package has its bytecode compiled (pip does it); a checkout under
    # PYTHONDONTWRITEBYTECODE=1 would recompile every edited module on every start-up timed here.
    compileall.compile_dir(ROOT / "src" / "modelpromote", quiet=1)
    rows: list[Row] = []
    mp = tool("modelpromote")
    example = str(ROOT / "models" / "manifest.yaml")
    bare = median_process([sys.executable, "-c", "pass"], repeat=9)
    rows.append(Row("python -c pass (process baseline)", bare, "ms"))
    t = median_process([mp, "--help"], repeat=9)
    rows.append(Row("modelpromote --help (no verb imported)", t, "ms", "<= 80 ms", t <= 0.08, "python -c pass", t / bare))
    t = median_process([mp, "validate", "--manifest", example], repeat=9)
    rows.append(Row("validate models/manifest.yaml", t, "ms", "<= 300 ms", t <= 0.3, "python -c pass", t / bare))
    with tempfile.TemporaryDirectory() as cache:
        # The status cache (app/status.py): median_process's warm-up run fills it, so every timed
        # run is what a user pays for a manifest unchanged since their last `status`.
        env = {"MODELPROMOTE_CACHE_DIR": cache}
        t = median_process([mp, "status", "--manifest", example], repeat=9, env=env)
        rows.append(Row("status models/manifest.yaml (unchanged: cached)", t, "ms", "<= 150 ms", t <= 0.15, "python -c pass", t / bare))
        t = median_process([mp, "status", "--manifest", example], repeat=9, env={**env, "MODELPROMOTE_NO_CACHE": "1"})
        rows.append(Row("status models/manifest.yaml (changed: validates)", t, "ms", "", None, "python -c pass", t / bare,
                        note="every first run after an edit, and every CI job"))

    with tempfile.TemporaryDirectory() as tmp:
        small, big = Path(tmp, "m100.yaml"), Path(tmp, "m1000.yaml")
        small.write_text(generate(100, 2000))
        big.write_text(generate(1000, 20000))
        t_small = median_process([mp, "validate", str(small)], repeat=5)
        t_big = median_process([mp, "validate", str(big)], repeat=5)
        rows.append(Row("validate 100 models / 2,000 versions", t_small, "s"))
        rows.append(Row("validate 1,000 models / 20,000 versions", t_big, "s", "<= 3 s", t_big <= 3.0,
                        "validate 100/2,000 (10x less data)", t_big / t_small,
                        note=f"scaling target <= 12x: {'yes' if t_big / t_small <= 12 else 'NO'}"))
        uncached = {"MODELPROMOTE_NO_CACHE": "1"}  # scaling and the GTO ratio: the whole work, every run
        t_status_big = median_process([mp, "status", "--manifest", str(big)], repeat=5, env=uncached)
        rows.append(Row("status 1,000 models / 20,000 versions", t_status_big, "s"))

        gto = _gto()
        reg = Path(tmp, "gto")
        reg.mkdir()
        m20 = Path(tmp, "m20.yaml")
        m20.write_text(generate(20, 200))
        t_mp = median_process([mp, "status", "--manifest", str(m20)], repeat=9, env=uncached)
        if gto is None:
            rows.append(Row("status 20 models x 10 versions", t_mp, "ms", note="gto could not be installed"))
        else:
            _gto_registry(reg, 20, 10)
            env = {"GTO_EMOJIS": "false", "NO_COLOR": "1", "PATH": os.environ.get("PATH", "")}
            t_gto = median_process([gto, "show"], repeat=9, cwd=reg, env=env)
            rows.append(Row(f"gto {GTO_VERSION} show, 20 models x 10 versions (tags)", t_gto, "ms"))
            rows.append(Row("modelpromote status, same registry as a manifest", t_mp, "ms", "", None,
                            "gto show", t_mp / t_gto))
    return rows
