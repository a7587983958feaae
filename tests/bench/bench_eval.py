"""Eval gate benchmarks (issue 5).

* Parsing + deciding a 10,000-testcase JUnit report, against ``xml.etree`` parsing the same bytes
  alone (the floor any JUnit reader pays).
* Parsing an lm-eval results file, against ``json.loads`` of it.
* The pytest plugin's cost in a session WITHOUT --model (it is loaded in every pytest run of the
  venv): ``pytest --co -q`` on a one-test file with the plugin, against ``-p no:modelpromote``.
  Target: within noise (ratio <= 1.10).
"""

from __future__ import annotations

import json
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

from modelpromote.gates.eval import decide, parse_expression, parse_results
from modelpromote.gates.eval.model import Rule

from ._util import ROOT, Row, median_call, median_process, tool


def _junit(n: int) -> bytes:
    cases = "".join(
        f'<testcase classname="eval" name="case_{i}" time="0.01">' + ("<failure message=\"no\">x</failure>" if i % 20 == 0 else "")
        + "</testcase>" for i in range(n)
    )
    return f'<?xml version="1.0"?><testsuites><testsuite name="eval" tests="{n}">{cases}</testsuite></testsuites>'.encode()


def run() -> list[Row]:
    rows: list[Row] = []
    data = _junit(10_000)
    rules = [Rule("pass_rate", parse_expression(">= 0.9"), 30, 0.95, ">= 0.9")]
    ours = median_call(lambda: decide(parse_results(data, "r.xml"), rules), repeat=7)
    floor = median_call(lambda: ET.fromstring(data), repeat=7)
    rows.append(Row("eval: parse+decide JUnit, 10k testcases", ours, "ms", baseline="xml.etree.fromstring alone", ratio=ours / floor))

    lm = (ROOT / "tests" / "data" / "eval" / "lm-eval-results_2026-05-20T10-31-07.json").read_bytes()
    ours = median_call(lambda: parse_results(lm, "r.json"), repeat=7, number=200)
    floor = median_call(lambda: json.loads(lm), repeat=7, number=200)
    rows.append(Row("eval: parse lm-eval results", ours, "us", baseline="json.loads alone", ratio=ours / floor))

    with tempfile.TemporaryDirectory() as d:
        Path(d, "test_one.py").write_text("def test_one():\n    pass\n")
        cmd = [tool("pytest"), "--co", "-q", "-p", "no:cacheprovider", "test_one.py"]
        with_plugin = median_process(cmd, cwd=d, repeat=9)
        without = median_process([*cmd, "-p", "no:modelpromote"], cwd=d, repeat=9)
    ratio = with_plugin / without
    rows.append(Row("eval: pytest session without --model (plugin loaded)", with_plugin, "ms", "ratio <= 1.10", ratio <= 1.10,
                    "same with -p no:modelpromote", ratio))
    return rows
