"""The demo's world: names, the simulated clock, the traffic, and the sandbox it runs in.

The sandbox is a temporary directory holding a bare git repository (``remote.git``, served as
``acme/models`` by the GitHub emulator), a checkout of it (``registry/``, where every command
runs, as in a user's clone), a local webhook receiver standing in for the application, and the
metrics the application exports: a real Prometheus when it is installed, else the JSON metrics
document (:mod:`.demo_metrics`).
"""

from __future__ import annotations

import json
import shutil
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import Finding, InputError, ServiceError
from ..manifest.load import load_manifest
from ..manifest.schema import Manifest
from . import prometheus as prom
from .demo_metrics import DemoMetrics, JsonMetrics, PrometheusMetrics
from .demo_run import Runner, StepFailed, command_env, modelpromote_exe
from .emulator import GitHubEmulator
from .gitrepo import init_bare
from .traffic import Traffic
from .webhook_receiver import WebhookReceiver

MODEL = "customer-support"
BASE = "claude-3-5-sonnet"
LIVE = "claude-3-5-sonnet-v1.2.3"  # production before the story
RC2 = "claude-3-5-sonnet-v1.3.0-rc.2"
FINAL = "claude-3-5-sonnet-v1.3.0"
PROMPT = "_prompt-v4"
NEW = FINAL + PROMPT  # the pointer that climbs the ladder
DIGEST = "sha256:" + "7d41c0a9e2b84f1d" * 4
REPO = "acme/models"
MANIFEST = "models/manifest.yaml"
SECRET = "whsec_demo_0123456789abcdef"  # the sandbox's webhook secret; a real one lives in a secret store
AUTHOR, REVIEWERS, BOT = "alice", ("bob", "carol"), "github-actions[bot]"
ONCALL = "bob"  # merges the rollback
TEAMS = {"acme/support-ml": ["alice", *REVIEWERS], "acme/devtools-ml": ["erin"]}
BREAKS = ("approve", "webhook", "regression")  # --break-step: a real fault that a check must catch (for tests)


def unix(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


# The simulated clock: day 1 the release climbs dev and staging, day 2 it goes to production.
CLOCK = {
    "release-rc": "2026-06-01T09:00:00Z",
    "rc-in-dev": "2026-06-01T09:05:00Z",
    "finalize": "2026-06-01T10:30:00Z",
    "dev": "2026-06-01T10:35:00Z",
    "staging": "2026-06-01T11:40:00Z",  # staging soaks 1h in dev first
    "plan": "2026-06-02T12:00:00Z",  # 24h20m after staging: production's 24h soak is done
    "gate-1": "2026-06-02T12:05:00Z",
    "gate-2": "2026-06-02T12:20:00Z",
    "deploy": "2026-06-02T12:30:00Z",  # the canary's traffic starts here
    "health-1": "2026-06-02T13:00:00Z",
    "health-2": "2026-06-02T13:30:00Z",
    "regression": "2026-06-02T13:45:00Z",
    "health-3": "2026-06-02T14:00:00Z",
}
WINDOW_S = 1800  # policies.health.window's default (30m)
METRICS_START, METRICS_END = unix("2026-06-02T10:30:00Z"), unix("2026-06-02T15:00:00Z")


@dataclass(frozen=True)
class DemoOptions:
    keep: bool = False
    metrics: str = "auto"  # auto | prometheus | json
    verbose: bool = False
    break_step: str | None = None
    workdir: Path | None = None  # parent of the sandbox directory (default: the system temp dir)


# -- traffic: what the application serves while the canary runs -----------------------------


def traffic(*, regression: bool) -> list[Traffic]:
    """Production traffic, 400 requests a minute, split as the canary moves 5 -> 25 -> 50 %.

    The new version is healthy until the regression at 13:45, when 6 % of its requests start
    failing (the critical ``error_rate`` threshold is 1 %).  The phases assume the canary advances
    on schedule; the health steps check that it does.
    """
    t = {k: unix(v) for k, v in CLOCK.items()}
    half_hour = 1800
    base = [
        Traffic(MODEL, "production", LIVE, requests_per_min=400, start=METRICS_START, end=t["deploy"]),
        Traffic(MODEL, "production", LIVE, requests_per_min=380, start=t["deploy"], end=t["deploy"] + half_hour),
        Traffic(MODEL, "production", LIVE, requests_per_min=300, start=t["deploy"] + half_hour, end=t["deploy"] + 2 * half_hour),
        Traffic(MODEL, "production", LIVE, requests_per_min=200, start=t["deploy"] + 2 * half_hour, end=METRICS_END),
    ]
    new = [
        Traffic(MODEL, "production", NEW, requests_per_min=20, start=t["deploy"], end=t["deploy"] + half_hour),
        Traffic(MODEL, "production", NEW, requests_per_min=100, start=t["deploy"] + half_hour, end=t["deploy"] + 2 * half_hour),
        Traffic(MODEL, "production", NEW, requests_per_min=200, start=t["deploy"] + 2 * half_hour, end=t["regression"]),
    ]
    if regression:
        new.append(Traffic(MODEL, "production", NEW, requests_per_min=200, error_rate=0.06, start=t["regression"], end=METRICS_END))
    return base + new


def eval_results() -> dict[str, Any]:
    """The eval suite's results for 1.3.0 with prompt v4, as ``pytest --eval-report`` writes them."""
    cases = []
    for i in range(200):
        outcome = "failed" if i % 16 == 7 else "passed"  # 13 of 200 fail: 93.5 %
        cases.append(
            {"id": f"test_support_answers[{i}]", "outcome": outcome, "scores": {"helpfulness": 0.72 if outcome == "failed" else 0.91}}
        )
    return {"format": "modelpromote-eval", "version": 1, "model": MODEL, "model_version": NEW, "env": "production", "cases": cases}


# -- the sandbox ----------------------------------------------------------------------------


def example_manifest() -> Path:
    """The example registry of this source checkout (the story is written for it)."""
    for base in Path(__file__).resolve().parents:
        cand = base / MANIFEST
        if cand.is_file() and (base / "pyproject.toml").is_file():
            return cand
    raise InputError(
        Finding(
            "MP950",
            "the demo needs the example registry models/manifest.yaml of a modelpromote source checkout",
            hint="run it from a checkout: git clone the modelpromote repository, then scripts/demo",
        )
    )


@dataclass
class Sandbox:
    root: Path
    registry: Path  # the clone: every command runs here
    remote: Path
    gh: GitHubEmulator
    receiver: WebhookReceiver
    metrics: DemoMetrics
    runner: Runner
    tokens: dict[str, str]

    def as_user(self, login: str) -> dict[str, str]:
        return {"GITHUB_TOKEN": self.tokens[login]}

    def manifest(self) -> Manifest:
        loaded = load_manifest(str(self.registry / MANIFEST))
        if loaded.manifest is None or not loaded.ok:
            raise StepFailed(f"{MANIFEST} no longer validates: " + "; ".join(f.message for f in loaded.findings[:3]))
        return loaded.manifest

    def api(self, method: str, path: str, login: str, body: dict[str, Any] | None = None) -> Any:
        """One GitHub REST call as ``login`` (what a reviewer's browser or ``gh`` does)."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.gh.url + path, data=data, method=method)
        req.add_header("Authorization", f"token {self.tokens[login]}")
        req.add_header("Accept", "application/vnd.github+json")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as resp:
            raw = resp.read()
        return json.loads(raw) if raw.strip() else None


def _choose_metrics(opts: DemoOptions, root: Path) -> DemoMetrics:
    json_path = root / "registry" / "metrics.json"
    if opts.metrics == "json":
        return JsonMetrics(json_path, METRICS_START, METRICS_END, WINDOW_S, why="asked for with --metrics json")
    if prom.find_binaries() is None:
        if opts.metrics == "prometheus":
            raise InputError(
                Finding("MP952", f"--metrics prometheus: {prom.missing_reason()}", hint="install prometheus, or use --metrics json")
            )
        return JsonMetrics(json_path, METRICS_START, METRICS_END, WINDOW_S, why="Prometheus is not installed")
    return PrometheusMetrics(root / "prometheus", METRICS_START, METRICS_END, WINDOW_S)


def _publish_first(metrics: DemoMetrics, opts: DemoOptions, root: Path) -> DemoMetrics:
    """The application's history up to the regression; under ``auto`` a broken Prometheus falls back to JSON (and says so)."""
    until = unix(CLOCK["regression"])
    try:
        metrics.publish(traffic(regression=False), until)
        return metrics
    except prom.PrometheusUnavailable as exc:
        metrics.close()
        if opts.metrics == "prometheus":
            raise ServiceError(
                Finding("MP952", f"Prometheus did not start: {exc}", hint="see the log above; or use --metrics json")
            ) from exc
        first_line = str(exc).splitlines()[0] if str(exc) else "failed"
        fallback = JsonMetrics(root / "registry" / "metrics.json", METRICS_START, METRICS_END, WINDOW_S,
                               why=f"Prometheus is installed but did not start: {first_line}")  # fmt: skip
        fallback.publish(traffic(regression=False), until)
        return fallback


@contextmanager
def sandbox(opts: DemoOptions, stack: ExitStack) -> Iterator[Sandbox]:
    if shutil.which("git") is None:
        raise InputError(Finding("MP953", "git is not on PATH; the sandbox is a real git repository", hint="install git"))
    example = example_manifest()
    root = Path(tempfile.mkdtemp(prefix="modelpromote-demo-", dir=str(opts.workdir) if opts.workdir else None))
    if not opts.keep:
        stack.callback(shutil.rmtree, root, True)
    remote, registry = root / "remote.git", root / "registry"
    files: dict[str, str | bytes] = {MANIFEST: example.read_bytes(), "README.md": "The model registry (a modelpromote demo sandbox).\n"}
    schema = example.with_name("manifest.schema.json")
    if schema.is_file():
        files["models/manifest.schema.json"] = schema.read_bytes()
    # The prompt catalogue's texts live beside the manifest (models/prompts/<model>/v<N>.md).
    for prompt in sorted(example.parent.glob("prompts/**/*")):
        if prompt.is_file():
            files[f"models/{prompt.relative_to(example.parent).as_posix()}"] = prompt.read_bytes()
    init_bare(remote, files)
    users = {login: f"ghp_sandbox_{login.replace('[bot]', '_bot')}" for login in (AUTHOR, *REVIEWERS, "erin", BOT)}
    gh = stack.enter_context(GitHubEmulator(remote, users=users, teams=TEAMS, record=False))
    receiver = stack.enter_context(WebhookReceiver("not-the-secret" if opts.break_step == "webhook" else SECRET))
    env = command_env(
        {
            "GITHUB_API_URL": gh.url,
            "GITHUB_REPOSITORY": REPO,
            "GITHUB_TOKEN": users[AUTHOR],
            "GITHUB_ACTOR": AUTHOR,  # who local edits record as `by`
            "MODELPROMOTE_GITHUB_THROTTLE": "0",  # PyGithub's request spacing is for github.com, not a loopback emulator
            "MODELPROMOTE_GITHUB_BACKOFF": "0.05",
            "MODELPROMOTE_WEBHOOK_SECRET": SECRET,
            "MODELPROMOTE_WEBHOOK_URL": receiver.url,
            "GIT_TERMINAL_PROMPT": "0",
        }
    )
    runner = Runner(root, env, modelpromote_exe())
    clone = runner.git(["clone", "-q", str(remote), "registry"])
    if clone.exit_code != 0:
        raise ServiceError(Finding("MP953", f"git clone failed: {clone.output.strip()}", hint="check that git works: git --version"))
    runner.cwd = registry
    for key, value in (("user.name", AUTHOR), ("user.email", f"{AUTHOR}@example.invalid")):
        runner.git(["config", key, value])
    # The team already runs these versions: record them as deployed (what `init` does for an
    # adopter), so the first deploy after a merge deploys only what the merge changed.
    seeded = runner.modelpromote(["deploy", "--record-only", "--json"], env={"GITHUB_TOKEN": users[BOT]})
    if seeded.exit_code != 0:
        raise ServiceError(Finding("MP953", f"recording the current deployments failed: {seeded.output.strip()[:300]}"))
    (registry / "eval").mkdir()
    (registry / "eval" / "results.json").write_text(json.dumps(eval_results(), indent=1) + "\n", encoding="utf-8")
    metrics = _choose_metrics(opts, root)
    stack.callback(metrics.close)
    metrics = _publish_first(metrics, opts, root)
    stack.callback(metrics.close)  # (the fallback's, when there was one; closing twice is harmless)
    yield Sandbox(root, registry, remote, gh, receiver, metrics, runner, users)
