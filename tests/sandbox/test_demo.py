"""`modelpromote demo`: the whole story runs, every step happens in order, and a fault stops it.

The demo is run the way a user runs it: the console script, as a subprocess.  Its --json record
says which steps ran, with which commands and exit codes; the tests check those against what the
issue asks for, and check the sandbox is gone afterwards (or kept with --keep).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelpromote.sandbox import prometheus as prom
from modelpromote.sandbox.demo import STEPS
from modelpromote.sandbox.demo_run import PAUSE_ENV
from modelpromote.sandbox.traffic import Traffic, json_metrics, openmetrics, totals_at
from modelpromote.sandbox.webhook_receiver import WebhookReceiver
from modelpromote.webhook import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign

EXE = str(Path(sys.executable).parent / "modelpromote")
# The issue's list, in its order (other steps may come in between).
ISSUE_ORDER = ["validate", "release-rc", "eval", "plan", "pr", "gate-blocks", "approve", "gate-passes", "merge", "deploy",
               "health-1", "health-2", "regression", "rollback", "status", "log"]  # fmt: skip
HAVE_PROMETHEUS = prom.find_binaries() is not None


def demo(tmp_path: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return subprocess.run([EXE, "demo", "--dir", str(tmp_path), *args], capture_output=True, text=True, timeout=timeout, env=env)


def leftovers(tmp_path: Path) -> list[Path]:
    return sorted(tmp_path.glob("modelpromote-demo-*"))


def prometheus_under(path: Path) -> list[str]:
    """Command lines of live prometheus processes whose data lives under ``path``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        cmd = b" ".join(argv).decode(errors="replace")
        if Path(argv[0].decode(errors="replace")).name == "prometheus" and str(path) in cmd:
            found.append(cmd)
    return found


def step(record: dict[str, Any], id: str) -> dict[str, Any]:
    (s,) = [s for s in record["steps"] if s["id"] == id]
    return s


@pytest.fixture(scope="module")
def full_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], Path]:
    if not HAVE_PROMETHEUS and os.environ.get("MODELPROMOTE_REQUIRE_PROMETHEUS") == "1":
        pytest.fail(f"{prom.missing_reason()}; MODELPROMOTE_REQUIRE_PROMETHEUS=1 makes this a failure")
    where = tmp_path_factory.mktemp("demo")
    r = demo(where, "--json")
    return r, json.loads(r.stdout), where


def test_the_whole_story_runs_and_every_step_happens_in_the_issues_order(full_run: Any) -> None:
    r, record, where = full_run
    assert r.returncode == 0, r.stderr + r.stdout[-3000:]
    assert record["ok"] is True and record["failure"] is None
    ids = [s["id"] for s in record["steps"]]
    assert ids == list(STEPS)
    assert [i for i in ids if i in ISSUE_ORDER] == ISSUE_ORDER
    assert all(s["ok"] and s["result"] and s["commands"] for s in record["steps"])
    assert leftovers(where) == [] and not record["kept"]
    assert prometheus_under(where) == []


def test_metrics_come_from_prometheus_when_it_is_installed(full_run: Any) -> None:
    _, record, _ = full_run
    expected = "prometheus" if HAVE_PROMETHEUS else "json"
    assert record["metrics"]["source"] == expected
    assert "Prometheus" in record["metrics"]["label"]
    regression = step(record, "regression")["commands"][0]["command"]
    assert ("promtool tsdb create-blocks-from openmetrics" in regression) == HAVE_PROMETHEUS


def test_each_step_shows_the_real_command_and_its_exit_code(full_run: Any) -> None:
    _, record, _ = full_run
    codes = {s["id"]: [(c["command"].split()[:3], c["exit_code"]) for c in s["commands"]] for s in record["steps"]}
    assert codes["validate"] == [(["modelpromote", "validate", "models/manifest.yaml"], 0)]
    assert codes["gate-blocks"][0][1] == 1  # the gate says no without approvals ...
    assert codes["gate-passes"][0][1] == 0  # ... and yes after two owners approved
    assert step(record, "rollback")["commands"][0]["exit_code"] == 1  # health decided a rollback
    assert all("--now" in step(record, i)["commands"][0]["command"] for i in ("release-rc", "plan", "pr", "gate-blocks"))
    # manifest paths are relative to the sandbox's checkout, so the lines can be pasted there
    assert all(str(Path("/tmp")) not in c["command"] for s in record["steps"] for c in s["commands"] if "modelpromote" in c["command"])


def test_the_outcomes_a_user_would_check(full_run: Any) -> None:
    _, record, _ = full_run

    def said(id: str, i: int = 0) -> str:
        return str(step(record, id)["commands"][i]["output"])

    assert "eval gate: PASS" in said("eval")
    assert said("plan").splitlines()[0].endswith(": allowed") and "approvals required: 2" in said("plan")
    assert said("pr").startswith("opened #1 ") and "labels promotion, env:production" in said("pr")
    assert "BLOCKED (0/2 approvals)" in said("gate-blocks") and "[MP710]" in said("gate-blocks")
    assert "@bob, @carol" in step(record, "approve")["result"]
    assert "PASSED (2/2 approvals)" in said("gate-passes") and "bob, carol" in said("gate-passes")
    assert "(canary at 5%)" in said("deploy") and "webhook 204" in said("deploy")
    for id, weight in (("health-1", 25), ("health-2", 50)):
        assert f"ADVANCE -> {weight}%" in said(id) and "merged" in said(id)
        assert f"(canary at {weight}%)" in said(id, 1) and "webhook 204" in said(id, 1)  # the merge was deployed
    health = said("rollback")
    assert "ROLLBACK -> claude-3-5-sonnet-v1.2.3" in health
    assert [line.split()[:3] for line in health.splitlines() if line.split()[:1] == ["error_rate"]] == [["error_rate", "*", "FAIL"]]
    assert "rollback PR #4 opened" in health and "awaiting review" in health  # auto_merge is off in the example
    assert "-> claude-3-5-sonnet-v1.2.3 (full)" in said("merge-rollback", 1)
    status = said("status")
    assert [line.split()[:3] for line in status.splitlines() if " production " in line and "customer-support" in line] == [
        ["customer-support", "production", "claude-3-5-sonnet-v1.2.3"]
    ]
    assert "HOLD: rolled back production" in status


def test_keep_leaves_an_explorable_sandbox_and_the_json_source_tells_the_same_story(tmp_path: Path) -> None:
    r = demo(tmp_path, "--keep", "--metrics", "json")
    assert r.returncode == 0, r.stderr + r.stdout[-3000:]
    out = r.stdout
    assert " 1. Validate the registry" in out and "$ modelpromote validate models/manifest.yaml" in out
    assert "metrics     the JSON metrics document (asked for with --metrics json)" in out
    assert "demo finished: 21 steps ok" in out and "metrics from the JSON metrics document" in out
    (kept,) = leftovers(tmp_path)
    assert f"cd {kept}/registry && modelpromote status" in out
    status = subprocess.run([EXE, "status", "--json"], cwd=kept / "registry", capture_output=True, text=True, check=True)
    rows = {(row["model"], row["env"]): row for row in json.loads(status.stdout)["rows"]}
    assert rows[("customer-support", "production")]["version"] == "claude-3-5-sonnet-v1.2.3"
    assert rows[("customer-support", "production")]["hold"]
    log = subprocess.run(["git", "log", "--format=%s", "origin/main"], cwd=kept / "registry", capture_output=True, text=True, check=True)
    assert log.stdout.splitlines()[0].startswith("Roll back customer-support in production")  # the on-call's squash merge
    assert (kept / "registry" / "metrics.json").is_file()


def test_a_step_that_misbehaves_stops_the_demo_with_exit_1_and_cleans_up(tmp_path: Path) -> None:
    r = demo(tmp_path, "--json", "--break-step", "approve", "--metrics", "json")  # only one reviewer approves
    assert r.returncode == 1
    record = json.loads(r.stdout)
    assert record["ok"] is False
    last = record["steps"][-1]
    assert last["id"] == "gate-passes" and last["ok"] is False
    assert "exited 1, expected 0" in last["error"]
    assert [s["id"] for s in record["steps"]][-2:] == ["approve", "gate-passes"]  # nothing ran after it
    assert record["failure"].startswith("step 11 (gate-passes)")
    assert leftovers(tmp_path) == []


def test_a_bad_webhook_secret_is_caught_at_deploy(tmp_path: Path) -> None:
    r = demo(tmp_path, "--break-step", "webhook", "--metrics", "json")  # the receiver expects another secret
    assert r.returncode == 1
    assert "13. Deploy starts the canary" in r.stdout and "step 13 misbehaved" in r.stdout
    assert "MP707" in r.stdout  # deploy reports the refused delivery
    assert "error MP951" in r.stderr and "deploy" in r.stderr


@pytest.mark.skipif(not HAVE_PROMETHEUS, reason=prom.missing_reason() if not HAVE_PROMETHEUS else "")
def test_ctrl_c_removes_the_sandbox_and_stops_prometheus(tmp_path: Path) -> None:
    # The demo waits after step 3 until a signal comes, so Ctrl-C lands mid-story however loaded the machine.
    env = {**os.environ, PAUSE_ENV: "3"}
    proc = subprocess.Popen([EXE, "demo", "--dir", str(tmp_path)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    assert proc.stdout is not None
    seen = []
    for line in proc.stdout:  # blocks until the demo reports the pause (or exits: then the assert below says so)
        seen.append(line)
        if line.strip().startswith("(paused after step 3"):
            break
    assert seen and seen[-1].strip().startswith("(paused after step 3"), "".join(seen)
    assert prometheus_under(tmp_path), "Prometheus should be running in the sandbox by step 3"
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert leftovers(tmp_path) == []
    assert prometheus_under(tmp_path) == []


def test_unknown_fault_is_bad_usage(tmp_path: Path) -> None:
    r = demo(tmp_path, "--break-step", "nonsense")
    assert r.returncode == 2 and "MP954" in r.stderr
    assert leftovers(tmp_path) == []


def test_break_step_is_hidden_from_help() -> None:
    r = subprocess.run([EXE, "demo", "--help"], capture_output=True, text=True, check=True)
    assert "--keep" in r.stdout and "--metrics" in r.stdout
    assert "--break-step" not in r.stdout


# -- the pieces ---------------------------------------------------------------------------


def test_webhook_receiver_accepts_a_valid_signature_and_refuses_others() -> None:
    import urllib.error
    import urllib.request

    with WebhookReceiver("s3cret") as rx:
        body = json.dumps({"id": "d-1", "version": "v"}).encode()

        stamp = str(int(time.time()))

        def post(signature: str | None, timestamp: str = stamp) -> int:
            req = urllib.request.Request(rx.url, data=body, method="POST")
            req.add_header(TIMESTAMP_HEADER, timestamp)
            if signature:
                req.add_header(SIGNATURE_HEADER, signature)
            try:
                with urllib.request.urlopen(req, timeout=5) as resp:
                    return int(resp.status)
            except urllib.error.HTTPError as exc:
                return exc.code

        old = str(int(time.time()) - 3600)
        assert post(sign(body, "s3cret", stamp)) == 204
        assert post(sign(body, "other", stamp)) == 401
        assert post(None) == 401
        assert post(sign(body, "s3cret")) == 401  # signed without the timestamp
        assert post(sign(body, "s3cret", old), old) == 401  # an hour-old delivery: a replay
        assert post(sign(body, "s3cret", stamp)) == 204  # a re-delivery is acknowledged ...
        assert [d.valid for d in rx.deliveries] == [True, False, False, False, False, True]
        assert len(rx.accepted) == 1  # ... but applied once


phase = st.builds(
    lambda rpm, err, minutes: (rpm, err, minutes),
    st.integers(1, 500),
    st.floats(0, 0.2),
    st.integers(1, 90),
)


def _phases(spec: list[tuple[int, float, int]]) -> tuple[list[Traffic], int, int]:
    start, t, out = 1_780_000_000, 1_780_000_000, []
    for rpm, err, minutes in spec:
        out.append(Traffic("m", "production", "v", requests_per_min=rpm, error_rate=err, start=t, end=t + minutes * 60))
        t += minutes * 60
    return out, start, t


@settings(max_examples=40, deadline=None)
@given(st.lists(phase, min_size=1, max_size=4))
def test_phases_chain_counters_without_resets(spec: list[tuple[int, float, int]]) -> None:
    traffic, start, end = _phases(spec)
    text = openmetrics(traffic, start, end)

    def series(name: str) -> list[int]:
        return [int(line.split()[1]) for line in text.splitlines() if line.startswith(name + "{")]

    for name in ("modelpromote_requests_total", "modelpromote_request_errors_total"):
        values = series(name)
        assert values == sorted(values), name  # a counter that drops reads as a restart in PromQL
    assert series("modelpromote_requests_total")[-1] == sum(rpm * minutes for rpm, _, minutes in spec)


@settings(max_examples=40, deadline=None)
@given(st.lists(phase, min_size=1, max_size=4), st.integers(1, 360))
def test_instalments_add_up_to_the_whole(spec: list[tuple[int, float, int]], cut_minutes: int) -> None:
    traffic, start, end = _phases(spec)
    cut = min(start + cut_minutes * 60, end)
    body = [line for line in openmetrics(traffic, start, end).splitlines() if not line.startswith("#")]
    first = [line for line in openmetrics(traffic, start, end, until=cut).splitlines() if not line.startswith("#")]
    rest = [line for line in openmetrics(traffic, start, end, since=cut).splitlines() if not line.startswith("#")]
    assert sorted(first + rest) == sorted(body)


def test_json_metrics_count_what_the_counters_say_over_the_window() -> None:
    traffic, start, end = _phases([(100, 0.0, 30), (100, 0.1, 30)])
    doc = json_metrics(traffic, start, end, [end], 1800)
    (obs,) = doc["observations"]
    errors = obs["metrics"]["error_rate"]
    later, earlier = totals_at(traffic, end, start, end), totals_at(traffic, end - 1800, start, end)
    assert (errors["events"], errors["samples"]) == (later.errors - earlier.errors, later.requests - earlier.requests) == (300, 3000)
