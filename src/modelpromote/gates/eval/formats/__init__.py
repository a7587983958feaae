"""Read eval results of any supported tool into :class:`~modelpromote.gates.eval.model.EvalResults`.

Pure: takes the file's bytes (the CLI or plugin reads the file) and its name for messages.
``parse_results(data, file, fmt="auto")`` detects the format from the content, never from the
file name alone, and a file that is none of them is an error that says what was expected.
"""

from __future__ import annotations

from typing import Any

from ..model import EvalResults
from . import generic, inspect_ai, junit, lm_eval, promptfoo
from .common import EXPECTED, bad, decode, load_json

FORMATS = ("auto", "generic", "junit", "promptfoo", "lm-eval", "inspect")


def detect(obj: Any) -> str | None:
    """Which JSON format ``obj`` is, or None."""
    if generic.looks_like(obj):
        return "generic"
    if inspect_ai.looks_like(obj):
        return "inspect"
    if promptfoo.looks_like(obj):
        return "promptfoo"
    if lm_eval.looks_like(obj):
        return "lm-eval"
    return None


_JSON_PARSERS = {"generic": generic.parse, "promptfoo": promptfoo.parse, "lm-eval": lm_eval.parse, "inspect": inspect_ai.parse}


def parse_results(data: bytes, file: str, fmt: str = "auto") -> EvalResults:
    if fmt not in FORMATS:
        raise bad(file, f"unknown format {fmt!r}", f"use one of: {', '.join(FORMATS)}", code="MP302")
    if not data.strip():
        raise bad(file, "the results file is empty", f"expected {EXPECTED}", code="MP502")
    if data.startswith(inspect_ai.ZIP_MAGIC):
        if fmt not in ("auto", "inspect"):
            raise bad(file, f"this is a zip archive (an inspect_ai .eval log?), not {fmt}", code="MP501")
        return inspect_ai.parse(inspect_ai.read_eval_archive(data, file), file)
    if fmt == "inspect" and data[:2] == b"PK":
        return inspect_ai.parse(inspect_ai.read_eval_archive(data, file), file)
    text = decode(data, file)
    if fmt == "junit" or (fmt == "auto" and junit.looks_like(text)):
        return junit.parse(text, file)
    stripped = text.lstrip()
    if fmt == "auto" and not stripped.startswith(("{", "[")):
        raise bad(file, "not a results file this tool knows", f"expected {EXPECTED}", code="MP501")
    obj = load_json(text, file, "results")
    if fmt == "auto":
        found = detect(obj)
        if found is None:
            keys = ", ".join(list(obj)[:8]) if isinstance(obj, dict) else type(obj).__name__
            raise bad(file, f"JSON, but not a results format this tool knows (top level: {keys})", f"expected {EXPECTED}", code="MP501")
        fmt = found
    return _JSON_PARSERS[fmt](obj, file)
