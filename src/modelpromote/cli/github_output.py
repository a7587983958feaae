"""What every verb leaves behind in GitHub Actions, done once here rather than in each verb or action.

When ``GITHUB_ACTIONS=true``:

* a verb that fails (exit code not 0) and printed no annotation of its own gets one
  ``::error title=MPxxx ...,file=...,line=...::message`` line, its MP code and location taken from
  what the verb reported (the first finding it printed), else the verb's own failure code;
* every verb that did not write a step summary of its own appends one to ``$GITHUB_STEP_SUMMARY``:
  the command, its outcome and exit code, and its output (trimmed).

The verb's output is teed (not replaced) while it runs, so what it prints is unchanged.
"""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Callable
from typing import Any, TextIO

from ..errors import CODES, Finding

# The code a verb's failure means when its output names none (exit 1 = "a check said no").
FAILURE_CODE = {
    "gate": "MP710",
    "drift": "MP821",
    "health": "MP807",
    "eval": "MP501",
    "plan": "MP401",
    "validate": "MP103",
}
DEFAULT_CODE = "MP302"
MAX_CAPTURE = 64_000
# "file:line:col: error MPxxx: message" (report/findings.text) or "... [MPxxx]" (plan rules) or JSON "code": "MPxxx".
_LOCATED = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+)(?::(?P<col>\d+))?: (?:error|warning) (?P<code>MP\d{3}): (?P<msg>.*)$", re.M)

state = {"annotated": False}


def active() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


class _Tee(io.TextIOBase):
    def __init__(self, inner: TextIO, sink: list[str]) -> None:
        self.inner, self.sink = inner, sink

    def write(self, s: str) -> int:
        if not isinstance(s, str):  # click probes streams with write(b""): answer as the real stream does
            return self.inner.write(s)
        if sum(len(x) for x in self.sink) < MAX_CAPTURE:
            self.sink.append(s)
        return self.inner.write(s)

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", "utf-8")


def run_verb(name: str, params: dict[str, Any], invoke: Callable[[], Any]) -> Any:
    """Run a verb; in GitHub Actions, add the missing annotation and step summary afterwards."""
    if not active():
        return invoke()
    from ..providers import files

    state["annotated"] = False
    out: list[str] = []
    err: list[str] = []
    old_out, old_err = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Tee(old_out, out), _Tee(old_err, err)
    summaries_before = files.summaries_written
    code = 0
    try:
        return invoke()
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        raise
    except BaseException:
        code = 70
        raise
    finally:
        sys.stdout, sys.stderr = old_out, old_err
        text = "".join(out) + "".join(err)
        if code not in (0, 130) and not state["annotated"] and "::error" not in text:
            f = failure(name, params, text)
            sys.stdout.write(_annotation(f) + "\n")
            sys.stdout.flush()
        if files.summaries_written == summaries_before:
            files.append_step_summary(summary(name, code, "".join(out), "".join(err)))


def failure(name: str, params: dict[str, Any], text: str) -> Finding:
    """The finding that best says why the verb failed, from what it printed."""
    manifest = params.get("manifest_path") or params.get("path")
    m = _LOCATED.search(text)
    if m:
        return Finding(m["code"], m["msg"], m["file"].split("@", 1)[0], int(m["line"]), int(m["col"]) if m["col"] else None)
    json_code = re.search(r'"code":\s*"(MP\d{3})"(?:.|\n)*?"message":\s*"((?:[^"\\]|\\.)*)"', text)
    if json_code:
        return Finding(json_code[1], json_code[2], manifest if isinstance(manifest, str) else None)
    lines = text.splitlines()
    coded = [ln for ln in lines if re.search(r"\bMP\d{3}\b", ln)]
    # A failed check's line ("FAIL  approvals ... [MP710]") says more than a passing one that quotes a code.
    for line in [ln for ln in coded if re.search(r"\b(FAIL|error|BLOCKED|REFUSED)\b", ln)] + coded:
        c = re.search(r"\b(MP\d{3})\b", line)
        if c:
            msg = re.sub(r"\s*\[?MP\d{3}\]?:?", "", line).strip()
            msg = re.sub(r"^FAIL\s+", "", msg) or CODES.get(c[1], ("", ""))[0]
            return Finding(c[1], msg, manifest if isinstance(manifest, str) else None)
    code = FAILURE_CODE.get(name, DEFAULT_CODE)
    last = next((ln.strip() for ln in reversed(text.splitlines()) if ln.strip()), f"modelpromote {name} failed")
    return Finding(code, last, manifest if isinstance(manifest, str) else None)


def _annotation(f: Finding) -> str:
    from ..report.findings import workflow_commands

    return workflow_commands([f])


def summary(name: str, code: int, out: str, err: str) -> str:
    outcome = "ok" if code == 0 else ("failed" if code == 1 else "error")
    icon = ":white_check_mark:" if code == 0 else ":x:"
    body = (out + err).strip()
    if len(body) > 8000:
        body = body[:8000] + "\n..."
    block = f"\n\n```text\n{body.replace('```', '`‍``')}\n```\n" if body else "\n"
    return f"### modelpromote {name}: {icon} {outcome} (exit {code}){block}"
