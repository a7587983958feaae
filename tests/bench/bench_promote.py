"""`promote` on the 1,000-model / 20,000-version manifest: whole process, and the size of its diff.

Baseline: `modelpromote validate` on the same file in the same run (promote must read and
validate the file too, so the ratio shows what deciding + editing + re-validating + writing adds).
Target: <= 3 s whole process, and a diff of the changed lines only.
"""

from __future__ import annotations

import difflib
import shutil
import subprocess
import tempfile
from pathlib import Path

from ._util import Row, median_process, tool
from .gen_manifest import generate

MODEL = "model-0500"
VERSION = "model0500-base-v1.4.2_prompt-v1"  # live in staging; production has v1.4.1 and a canary policy
# The generator logs production only; the soak rule needs to know when the version reached staging.
_PROD = '  - {model: model-0500, env: production, from: null, to: model0500-base-v1.4.1, at: "2026-04-20T09:00:00Z", by: "@alice", reason: generated}\n'
_STAGING = f'  - {{model: {MODEL}, env: staging, from: null, to: {VERSION}, at: "2026-04-21T09:00:00Z", by: "@alice"}}\n'


def _manifest() -> str:
    text = generate(1000, 20000)
    assert _PROD in text
    return text.replace(_PROD, _PROD + _STAGING)


def run() -> list[Row]:
    text = _manifest()
    with tempfile.TemporaryDirectory() as d:
        pristine = Path(d) / "pristine.yaml"
        target = Path(d) / "manifest.yaml"
        pristine.write_text(text)
        shutil.copy(pristine, target)
        cmd = [tool("modelpromote"), "promote", MODEL, VERSION, "--to", "production", "-m", str(target),
               "--reason", "bench", "--by", "@bench", "--now", "2026-06-01T00:00:00Z"]
        # Each timed run must do the real work, not the no-op: restore the file before every run.
        wrapper = ["/bin/sh", "-c", f'cp "{pristine}" "{target}" && exec "$@"', "sh", *cmd]
        copy_only = median_process(["/bin/sh", "-c", f'cp "{pristine}" "{target}"'], repeat=5)
        promote = median_process(wrapper, repeat=5) - copy_only
        validate = median_process([tool("modelpromote"), "validate", str(pristine)], repeat=5)
        shutil.copy(pristine, target)
        subprocess.run(cmd, check=True, capture_output=True)
        after = target.read_text()
    diff = [x for x in difflib.unified_diff(text.splitlines(), after.splitlines(), n=0, lineterm="")
            if x[:1] in "+-" and not x.startswith(("+++", "---"))]
    return [
        Row("promote 1k models/20k versions (process)", promote, "s", "<= 3 s", promote <= 3.0, "validate (same file)",
            promote / validate, f"diff: {len(diff)} lines (pointer -/+, canary key + state, log entry)"),
        Row("validate 1k/20k (baseline)", validate, "s"),
    ]
