"""JUnit XML (pytest --junitxml, promptfoo -o results.xml, most CI test runners).

Every ``testcase`` under the root (``testsuites`` or a single ``testsuite``, nested suites
included) counts once: a ``failure`` child is a failure, an ``error`` child an error (counted as
not passing: a crash is not a pass), a ``skipped`` child is left out.  A file with suites but no
testcase elements falls back to the suites' ``tests/failures/errors/skipped`` attributes, summed.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from typing import Any

from ..model import EvalResults
from .common import EXPECTED, MAX_COUNT, bad, rate_metric

_DTD = re.compile(r"<!(?:DOCTYPE|ENTITY)", re.I)


def looks_like(text: str) -> bool:
    return text.lstrip().startswith("<")


def _int_attr(el: ET.Element, name: str, file: str) -> int:
    raw = (el.get(name, "0") or "0").strip()
    try:
        f = float(raw) if len(raw) <= 40 else math.nan
    except ValueError:
        f = math.nan
    if not (math.isfinite(f) and f.is_integer() and 0 <= f <= MAX_COUNT):
        message = f"<{el.tag} {name}={raw[:40]!r}> is not a count (a whole number in 0..{MAX_COUNT:.0e})"
        raise bad(file, message, "fix the tool that wrote the report", code="MP502")
    return int(f)


def parse(text: str, file: str) -> EvalResults:
    if _DTD.search(text):
        # Entities are how XML bombs and external-entity reads work; test reports never need them.
        raise bad(file, "the XML declares a DOCTYPE or ENTITY; JUnit reports do not, and modelpromote refuses them", code="MP502")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        line, col = exc.position
        tail = " (the file looks truncated)" if "no element found" in str(exc) or "unclosed token" in str(exc) else ""
        raise bad(file, f"XML syntax error: {exc}{tail}", "regenerate the report; it is not well-formed XML",
                  code="MP502", line=line, col=col + 1) from None
    if root.tag not in ("testsuites", "testsuite"):
        raise bad(file, f"XML root is <{root.tag}>, not JUnit's <testsuites> or <testsuite>", code="MP501",
                  hint=f"expected {EXPECTED}")
    suites = [root] if root.tag == "testsuite" else list(root.iter("testsuite"))
    cases = list(root.iter("testcase"))
    passed = failed = errors = skipped = 0
    records: list[dict[str, Any]] = []
    if cases:
        for tc in cases:
            kinds = {child.tag for child in tc}
            if "error" in kinds:
                outcome = "error"
                errors += 1
            elif "failure" in kinds:
                outcome = "failed"
                failed += 1
            elif "skipped" in kinds:
                outcome = "skipped"
                skipped += 1
            else:
                outcome = "passed"
                passed += 1
            cid = "::".join(x for x in (tc.get("classname"), tc.get("name")) if x)
            records.append({"id": cid, "outcome": outcome})
        source = f"{len(cases)} testcase elements in {len(suites)} testsuite(s)"
    else:
        leaves = [s for s in suites if s.find("testsuite") is None]
        if not leaves:
            raise bad(file, "the JUnit report has no testsuite or testcase elements", "is the test run empty?")
        tests = sum(_int_attr(s, "tests", file) for s in leaves)
        failed = sum(_int_attr(s, "failures", file) for s in leaves)
        errors = sum(_int_attr(s, "errors", file) for s in leaves)
        skipped = sum(_int_attr(s, "skipped", file) for s in leaves)
        passed = max(tests - failed - errors - skipped, 0)
        source = f"tests/failures/errors/skipped attributes of {len(leaves)} testsuite(s)"
    decided = passed + failed + errors
    if decided == 0:
        raise bad(file, "the JUnit report has no test that passed or failed (all skipped, or none)",
                  "run the suite; skipped tests are not evidence")
    notes: list[str] = []
    if errors:
        notes.append(f"{errors} test error(s) counted as not passing")
    if skipped:
        notes.append(f"{skipped} skipped test(s) left out")
    metrics = {"pass_rate": rate_metric("pass_rate", passed, decided, source)}
    return EvalResults("junit", metrics, True, tuple(notes), cases=tuple(records))
