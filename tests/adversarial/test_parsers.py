"""Every parser: strict types and bounded numbers, each bad input a clear error with an MP code.

The standard: exit 2 (bad input; ``validate`` and writers report manifest findings with exit 1),
an MP code, a location where there is one, never exit 70 ("this is a bug") and never a traceback.
Each case runs the real console script.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modelpromote.errors import InputError
from modelpromote.gates.eval import parse_results
from tests.support.health import AT, REGISTRY, metrics
from tests.support.manifests import MANIFEST

EXE = str(Path(sys.executable).parent / "modelpromote")


def run(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    import os

    return subprocess.run([EXE, *args], capture_output=True, text=True, env={**os.environ, **(env or {})}, cwd=cwd, timeout=120)


def clear(r: subprocess.CompletedProcess[str], code: str, exit_code: int = 2) -> None:
    """A clear refusal: the exit code, the MP code, no traceback, no "internal error"."""
    out = r.stdout + r.stderr
    assert r.returncode == exit_code, out
    assert code in out, out
    assert "Traceback" not in out and "internal error" not in out, out


def generic(metrics_json: str) -> str:
    return '{"format": "modelpromote-eval", "version": 1, "metrics": ' + metrics_json + "}"


# -- eval results ---------------------------------------------------------------------------------

RESULTS = {
    "5000-digit integer": (generic('{"pass_rate": {"successes": ' + "9" * 5000 + ', "total": 10}}'), "MP502"),
    "5000-digit total": (generic('{"pass_rate": {"successes": 1, "total": ' + "9" * 5000 + "}}"), "MP502"),
    "1e300 counts": (generic('{"pass_rate": {"successes": 1e300, "total": 1e300}}'), "MP503"),
    "1e400 (inf) score": (generic('{"acc": {"value": 1e400}}'), "MP502"),
    "NaN score": (generic('{"acc": {"value": NaN}}'), "MP502"),
    "Infinity score": (generic('{"acc": {"value": -Infinity}}'), "MP502"),
    "duplicate keys": (
        '{"format": "modelpromote-eval", "version": 1, "metrics": {"pass_rate": {"successes": 1, "total": 10}},'
        ' "metrics": {"pass_rate": {"successes": 10, "total": 10}}}',
        "MP502",
    ),
    "duplicate metric": (generic('{"pass_rate": {"successes": 1, "total": 10}, "pass_rate": {"successes": 9, "total": 10}}'), "MP502"),
    "deep nesting": (generic('{"pass_rate": {"successes": 5, "total": 10}}')[:-1] + ', "x": ' + "[" * 50000 + "]" * 50000 + "}", "MP502"),
    "moderate nesting": (generic('{"pass_rate": {"successes": 5, "total": 10}}')[:-1] + ', "x": ' + "[" * 200 + "]" * 200 + "}", "MP502"),
    "promptfoo 5000 digits": ('{"results": {"stats": {"successes": ' + "9" * 5000 + ', "failures": 0}}}', "MP502"),
    "count as string": (generic('{"pass_rate": {"successes": "45", "total": 50}}'), "MP503"),
    "count as bool": (generic('{"pass_rate": {"successes": true, "total": 1}}'), "MP503"),
    "negative count": (generic('{"pass_rate": {"successes": -1, "total": 50}}'), "MP503"),
}
JUNIT_COUNTS = ["1e400", "inf", "-inf", "nan", "NaN", "-5", "1e300", "9" * 5000, "1.5", "0x10", "", " 12 ", "１２"]


@pytest.mark.parametrize("name", sorted(RESULTS))
def test_eval_results_refused(tmp_path: Path, name: str) -> None:
    text, code = RESULTS[name]
    (tmp_path / "r.json").write_text(text, encoding="utf-8")
    clear(run("eval", "--results", str(tmp_path / "r.json"), "--threshold", "0.5"), code)


@pytest.mark.parametrize("value", JUNIT_COUNTS)
def test_junit_counts_refused(tmp_path: Path, value: str) -> None:
    (tmp_path / "r.xml").write_text(f'<testsuites><testsuite name="s" tests="{value}" failures="0"/></testsuites>', encoding="utf-8")
    r = run("eval", "--results", str(tmp_path / "r.xml"), "--threshold", "0.5")
    if value.strip() in ("12", "１２"):  # a whole number with spaces (or full-width digits) is still a count
        assert r.returncode in (0, 1), r.stderr
    elif value == "":  # an empty attribute is JUnit's default, 0: no test ran, which the gate refuses
        clear(r, "MP503")
    else:
        clear(r, "MP502")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=5),
        lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4),
        max_leaves=20,
    )
)
def test_any_json_in_a_metric_is_a_result_or_a_clear_error(spec: Any) -> None:
    """Whatever a metric holds: results, or an InputError with an MP5xx code (nothing else escapes)."""
    text = json.dumps({"format": "modelpromote-eval", "version": 1, "metrics": {"m": spec}})
    try:
        parse_results(text.encode(), "r.json", "auto")
    except InputError as exc:
        assert exc.findings[0].code.startswith("MP5")


@settings(max_examples=100, deadline=None)
@given(st.integers(min_value=-(10**40), max_value=10**40) | st.floats(), st.integers(min_value=-(10**40), max_value=10**40) | st.floats())
def test_any_counts_are_a_result_or_a_clear_error(successes: Any, total: Any) -> None:
    text = json.dumps({"format": "modelpromote-eval", "version": 1, "metrics": {"pass_rate": {"successes": successes, "total": total}}})
    try:
        parse_results(text.encode(), "r.json", "auto")
    except InputError as exc:
        assert exc.findings[0].code in ("MP502", "MP503")


@pytest.mark.parametrize("value", ["abc", "-1", "0", "1e9", "9" * 5000, " ", "0x10", "1.5"])
def test_bad_max_results_bytes_is_a_clear_error(tmp_path: Path, value: str) -> None:
    (tmp_path / "r.json").write_text(generic('{"pass_rate": {"successes": 45, "total": 50}}'), encoding="utf-8")
    r = run("eval", "--results", str(tmp_path / "r.json"), "--threshold", "0.5", env={"MODELPROMOTE_MAX_RESULTS_BYTES": value})
    if value == " ":  # blank: the default
        assert r.returncode == 0, r.stderr
    else:
        clear(r, "MP302")



@pytest.mark.parametrize(
    ("flags", "code", "suggestion"),
    [
        (["--model", "customer-supprot", "--env", "production"], "MP301", "customer-support"),
        (["--model", "customer-support", "--env", "prodution"], "MP204", "production"),
        (["--model", "nobody", "--env", "production"], "MP301", "models:"),
        (["--model", "customer-support", "--env", "PRODUCTION"], "MP204", "production"),
    ],
)
def test_eval_unknown_model_or_env_fails_closed(tmp_path: Path, example: Path, flags: list[str], code: str, suggestion: str) -> None:
    (tmp_path / "r.json").write_text(generic('{"pass_rate": {"successes": 50, "total": 50}}'), encoding="utf-8")
    r = run("eval", "--results", str(tmp_path / "r.json"), "-m", str(example), *flags)
    clear(r, code)
    assert suggestion in r.stderr


# -- metrics documents (health --metrics-json) ----------------------------------------------------


def _doc_with(mutate: Any) -> str:
    doc = metrics()
    mutate(doc["observations"][0]["metrics"])
    return json.dumps(doc)


METRICS_DOCS = {
    "5000-digit samples": json.dumps(metrics()).replace('"samples": 4000', '"samples": ' + "9" * 5000, 1),
    "1e300 samples": json.dumps(metrics()).replace('"samples": 4000', '"samples": 1e300', 1),
    "NaN value": json.dumps(metrics()).replace('"value": 800', '"value": NaN', 1),
    "1e400 value": json.dumps(metrics()).replace('"value": 800', '"value": 1e400', 1),
    "deep nesting": json.dumps(metrics())[:-1] + ', "x": ' + "[" * 100000 + "]" * 100000 + "}",
    "duplicate observations key": '{"observations": [], ' + json.dumps(metrics())[1:],
    "events > samples": _doc_with(lambda m: m["error_rate"].update(events=5000)),
    "rate value 1e300": _doc_with(lambda m: m["error_rate"].pop("events") and m["error_rate"].update(value=1e300)),
    "samples as string": _doc_with(lambda m: m["latency_p99_ms"].update(samples="4000")),
    "samples as bool": _doc_with(lambda m: m["latency_p99_ms"].update(samples=True)),
    "negative samples": _doc_with(lambda m: m["latency_p99_ms"].update(samples=-1)),
}


@pytest.fixture
def registry(tmp_path: Path) -> Path:
    p = tmp_path / "manifest.yaml"
    p.write_text(REGISTRY, encoding="utf-8")
    return p


@pytest.mark.parametrize("name", sorted(METRICS_DOCS))
def test_metrics_documents_refused(tmp_path: Path, registry: Path, name: str) -> None:
    (tmp_path / "m.json").write_text(METRICS_DOCS[name], encoding="utf-8")
    r = run("health", "-m", str(registry), "--metrics-json", str(tmp_path / "m.json"), "--at", AT, "--dry-run")
    clear(r, "MP804")


def test_a_good_metrics_document_still_works(tmp_path: Path, registry: Path) -> None:
    (tmp_path / "m.json").write_text(json.dumps(metrics()), encoding="utf-8")
    r = run("health", "-m", str(registry), "--metrics-json", str(tmp_path / "m.json"), "--at", AT, "--dry-run")
    assert r.returncode in (0, 1) and "MP804" not in r.stderr, r.stderr


# -- the manifest ---------------------------------------------------------------------------------

MANIFESTS = {
    "soak 99999999999999999999w": (MANIFEST.replace("soak: 1h", "soak: 99999999999999999999w"), 8),
    "soak 5000 digits": (MANIFEST.replace("soak: 1h", "soak: " + "9" * 5000 + "h"), 8),
    "soak 1000000d": (MANIFEST.replace("soak: 1h", "soak: 1000000d"), 8),
    "retention 9999999999999w": (MANIFEST.replace("retention: 30d", "retention: 9999999999999w"), None),
    "approvals: true": (MANIFEST.replace("approvals: 2", "approvals: true"), 12),
    "approvals: '2'": (MANIFEST.replace("approvals: 2", "approvals: '2'"), 12),
    "approvals: 2.0": (MANIFEST.replace("approvals: 2", "approvals: 2.0"), 12),
    "max_tokens: '512'": (MANIFEST.replace("max_tokens: 512", "max_tokens: '512'"), 32),
    "allow_prerelease: 'no'": (MANIFEST.replace("allow_prerelease: false", "allow_prerelease: 'no'"), 13),
    "canary steps ['5', ...]": (MANIFEST.replace("steps: [5, 25", "steps: ['5', 25"), 14),
    "weight: '50'": (
        MANIFEST.replace(
            "    config:\n      production: {max_tokens: 512}\n",
            "    config:\n      production: {max_tokens: 512}\n    experiments:\n"
            "      production: {control: base-b-v2.0.0, weight: '50', salt: s}\n",
        ),
        34,
    ),
    "params 100 deep": (MANIFEST.replace("{max_tokens: 512}", "{max_tokens: 512, params: {x: " + "[" * 100 + "]" * 100 + "}}"), 32),
    "version with trailing newline": (MANIFEST.replace("      dev: base-b-v2.1.0\n", '      dev: "base-b-v2.1.0\\n"\n'), None),
    "NUL byte": (MANIFEST.replace("beta\n", "be\x00ta\n", 1), 25),
    "CR-only line endings": (MANIFEST.replace("\n", "\r"), 1),
}


@pytest.mark.parametrize("name", sorted(MANIFESTS))
def test_manifest_attacks_are_located_findings(tmp_path: Path, name: str) -> None:
    text, line = MANIFESTS[name]
    p = tmp_path / "manifest.yaml"
    p.write_bytes(text.encode("utf-8"))
    r = run("validate", str(p))
    out = r.stdout + r.stderr
    assert r.returncode in (1, 2), out  # findings (1) or unreadable (2); never 0, never 70
    assert "MP" in out and "Traceback" not in out and "internal error" not in out, out
    if line is not None:
        assert f"manifest.yaml:{line}:" in out, out
    r = run("hold", "beta", "--reason", "x", "-m", str(p))  # a writer refuses it just as clearly
    assert r.returncode in (1, 2) and "internal error" not in r.stderr, r.stderr
    assert p.read_bytes() == text.encode("utf-8")  # and writes nothing


EDGE_TIMES = [
    "9999-12-31T23:59:59+00:00",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+23:59",
    "1969-12-31T23:59:59Z",
    "9001-01-01T00:00:00Z",
    "2026-02-30T00:00:00Z",
    "not-a-time",
    "2026-05-10T12:00:00+99:00",
]


@pytest.mark.parametrize("when", EDGE_TIMES)
@pytest.mark.parametrize(
    "verb",
    [
        ["hold", "beta", "--reason", "x"],
        ["rollback", "alpha", "--env", "staging", "--reason", "x"],
        ["promote", "alpha", "base-a-v1.1.0", "--to", "production"],
        ["plan", "alpha", "base-a-v1.1.0", "--to", "production"],
    ],
)
def test_now_at_the_calendars_edge_is_a_clear_error(tmp_path: Path, verb: list[str], when: str) -> None:
    p = tmp_path / "manifest.yaml"
    p.write_text(MANIFEST, encoding="utf-8")
    clear(run(*verb, "--now", when, "-m", str(p), "--dry-run" if verb[0] != "plan" else "--json"), "MP302")


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00Z", "not-a-time"])
def test_health_at_the_calendars_edge_is_a_clear_error(registry: Path, when: str) -> None:
    clear(run("health", "-m", str(registry), "--metrics-json", "/dev/null", "--at", when, "--dry-run"), "MP302")
