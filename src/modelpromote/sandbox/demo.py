"""``modelpromote demo``: the whole promotion story, on one machine, offline, with no account.

The sandbox is a temporary directory holding a bare git repository (``remote.git``, served as
``acme/models`` by the GitHub emulator), a checkout of it (``registry/``, where every command
runs, as in a user's clone), a local webhook receiver standing in for the application, and the
metrics the application exports: a real Prometheus when it is installed, else the JSON metrics
document.  Every step runs the real ``modelpromote`` console script as a user would, then checks
what changed (exit code, the manifest, the pull request, commit statuses, the deployment, the
webhook's signature); a step that misbehaves stops the demo with exit 1 (MP951).

The story happens on a simulated clock (``--now``/``--at`` on every verb), so the 1 h soak in
staging, the 24 h soak before production and the 30 min canary intervals take no time.
"""

from __future__ import annotations

import json
import shutil
import signal
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, TextIO

from ..errors import CheckFailed, Finding, InputError, ServiceError
from ..manifest.load import load_manifest, load_text
from ..manifest.schema import Manifest, Model
from . import prometheus as prom
from .demo_metrics import DemoMetrics, JsonMetrics, PrometheusMetrics
from .demo_run import Recorder, Runner, StepContext, StepFailed, command_env, modelpromote_exe
from .emulator import GitHubEmulator
from .gitrepo import init_bare
from .state import Pull
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


def _t(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp())


# The simulated clock: day 1 the release climbs dev and staging, day 2 it goes to production.
CLOCK = {
    "release-rc": "2026-06-01T09:00:00Z",
    "rc-in-dev": "2026-06-01T09:05:00Z",
    "finalize": "2026-06-01T10:30:00Z",
    "dev": "2026-06-01T10:35:00Z",
    "staging": "2026-06-01T11:40:00Z",  # after dev's... nothing: dev has no soak; staging needs promote_from dev
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
METRICS_START, METRICS_END = _t("2026-06-02T10:30:00Z"), _t("2026-06-02T15:00:00Z")


@dataclass(frozen=True)
class DemoOptions:
    keep: bool = False
    metrics: str = "auto"  # auto | prometheus | json
    verbose: bool = False
    break_step: str | None = None
    workdir: Path | None = None  # parent of the sandbox directory (default: the system temp dir)


@dataclass
class DemoReport:
    ok: bool
    seconds: float
    sandbox: str
    kept: bool
    metrics_source: str
    metrics_label: str
    steps: list[dict[str, Any]] = field(default_factory=list)
    failure: str | None = None
    explore: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "seconds": round(self.seconds, 3),
            "sandbox": self.sandbox,
            "kept": self.kept,
            "metrics": {"source": self.metrics_source, "label": self.metrics_label},
            "failure": self.failure,
            "steps": self.steps,
            "explore": self.explore,
        }


# -- traffic: what the application serves while the canary runs -----------------------------


def traffic(*, regression: bool) -> list[Traffic]:
    """Production traffic, 400 requests a minute, split as the canary moves 5 -> 25 -> 50 %.

    The new version is healthy until the regression at 13:45, when 6 % of its requests start
    failing (the critical ``error_rate`` threshold is 1 %).  The phases assume the canary advances
    on schedule; the health steps check that it does.
    """
    t = {k: _t(v) for k, v in CLOCK.items()}
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
    until = _t(CLOCK["regression"])
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
    (registry / "eval").mkdir()
    (registry / "eval" / "results.json").write_text(json.dumps(eval_results(), indent=1) + "\n", encoding="utf-8")
    metrics = _choose_metrics(opts, root)
    stack.callback(metrics.close)
    metrics = _publish_first(metrics, opts, root)
    stack.callback(metrics.close)  # (the fallback's, when there was one; closing twice is harmless)
    yield Sandbox(root, registry, remote, gh, receiver, metrics, runner, users)


# -- the story ------------------------------------------------------------------------------

# id -> (title, why): the story in one place, in order (docs/demo.md and the tests follow it).
STEPS: dict[str, tuple[str, str]] = {
    "validate": ("Validate the registry", "shape, versions, pointers, the ladder and fallback chains of the example manifest"),
    "release-rc": ("Release a new release candidate", f"{BASE} v1.3.0-rc.2: the next candidate after rc.1, with its artifact digest"),
    "rc-in-dev": (
        "Try the rc in dev",
        "dev ran the claude-opus experiment: another base model is a MAJOR change, acknowledged with --breaking",
    ),
    "finalize": ("Finalize the release", "the rc behaved: 1.3.0 is added with the rc's digest, proving the final is the same bits"),
    "climb": (
        "Climb the ladder: dev, then staging",
        "staging takes only what is live in dev (promote_from); production will need 24h there",
    ),
    "eval": (
        "Eval gate on the suite's results",
        "results as `pytest --eval-report` writes them, judged against policies.eval (95% interval)",
    ),
    "plan": (
        "Plan the promotion to production",
        "every rule is evaluated and shown: ladder, soak, status, failures, freeze, hold, rollout",
    ),
    "pr": (
        "Open the promotion pull request",
        "a branch with the byte-minimal manifest change; body: plan, eval table, changelog, rollback plan",
    ),
    "gate-blocks": (
        "The approval gate blocks it",
        "production needs 2 approvals from owners (@acme/support-ml), not the author, on the head",
    ),
    "approve": ("Reviewers approve", "bob and carol, members of @acme/support-ml, approve the head commit on GitHub"),
    "gate-passes": ("The gate passes", "gate runs again on the review event: two owners approved the current head"),
    "merge": ("Merge the pull request", "main now says production runs 1.3.0 as a canary at 5%; the rest stays on 1.2.3"),
    "deploy": ("Deploy starts the canary", "what the push to main triggers: a GitHub Deployment per changed pointer and a signed webhook"),
    "health-1": (
        "Healthy metrics advance the canary to 25%",
        "health at 13:00: all five metrics pass over 30m; the step is a `canary` PR, merged at once, then deployed",
    ),
    "health-2": ("Healthy metrics advance the canary to 50%", "health at 13:30: still healthy, and 30m passed at the 25% step"),
    "regression": (
        "A regression is injected",
        "from 13:45, 6% of the new version's requests fail (the critical error_rate threshold is 1%)",
    ),
    "rollback": (
        "Health rolls it back",
        "error_rate fails with evidence (its Wilson lower bound is above 1%): health opens a `rollback` pull request",
    ),
    "merge-rollback": (
        "On-call merges the rollback; deploy restores 1.2.3",
        "policies.rollback.auto_merge is off in the example, so a person merges; the merge deploys like any other",
    ),
    "drift": ("No drift", "what main says is live in production matches what the latest deployment says"),
    "status": ("Final status", "what is live where, with the hold the rollback placed"),
    "log": ("The promotions log", "append-only, in the manifest; git log is the audit trail of every decision"),
}
M = ("-m", MANIFEST)


def story(sb: Sandbox, rec: Recorder, opts: DemoOptions) -> None:
    """The steps, in the issue's order; each one runs real commands and checks what they changed."""
    release(sb, rec)
    number = review(sb, rec, opts)
    merge_and_deploy(sb, rec, number)
    canary(sb, rec, opts)
    wrap_up(sb, rec)


def release(sb: Sandbox, rec: Recorder) -> None:
    with rec.step("validate", *STEPS["validate"]) as s:
        s.run(["validate", MANIFEST])
        man = sb.manifest()
        live = _model(man).environments["production"]
        s.result(f"valid: {len(man.models)} models, {len(man.version_history)} versions; {MODEL} runs {live} in production")

    with rec.step("release-rc", *STEPS["release-rc"]) as s:
        changelog = "Refund answers cite the policy; fewer refusals"
        s.run(["release", BASE, "--bump", "rc", "--digest", DIGEST, "--changelog", changelog, "--now", CLOCK["release-rc"], *M])
        entry = sb.manifest().catalogue().get(RC2)
        s.check(entry is not None and entry.status == "release_candidate", f"{RC2} in version_history as a release_candidate")
        s.result(f"{RC2} added to version_history (status release_candidate)")

    with rec.step("rc-in-dev", *STEPS["rc-in-dev"]) as s:
        s.run(["promote", MODEL, RC2 + PROMPT, "--to", "dev", "--breaking", "--now", CLOCK["rc-in-dev"], *M])
        _commit_and_push(s, f"{MODEL}: {RC2}{PROMPT} in dev")
        s.check(_model(sb.manifest()).environments["dev"] == RC2 + PROMPT, f"dev pointer {RC2}{PROMPT}")
        s.result(f"dev now serves {RC2}{PROMPT}; pushed to main")

    with rec.step("finalize", *STEPS["finalize"]) as s:
        s.run(["release", BASE, "--finalize", RC2, "--now", CLOCK["finalize"], *M])
        catalogue = sb.manifest().catalogue()
        final, rc = catalogue.get(FINAL), catalogue.get(RC2)
        digest = final.artifact.digest if final and final.artifact else None
        s.check(rc is not None and rc.artifact is not None and digest == rc.artifact.digest, f"{FINAL} with the digest of {RC2}")
        s.result(f"{FINAL} added (status {final.status if final else '?'}, digest {str(digest)[:19]}..., the rc's)")

    with rec.step("climb", *STEPS["climb"]) as s:
        s.run(["promote", MODEL, NEW, "--to", "dev", "--now", CLOCK["dev"], *M])
        s.run(["promote", MODEL, NEW, "--to", "staging", "--reason", "rc.2 was fine in dev", "--now", CLOCK["staging"], *M])
        _commit_and_push(s, f"{MODEL}: {NEW} in dev and staging")
        envs = _model(sb.manifest()).environments
        s.check(envs["dev"] == NEW and envs["staging"] == NEW, f"dev and staging on {NEW}")
        s.result(f"dev and staging serve {NEW} (staging since {CLOCK['staging']}); pushed to main")


def review(sb: Sandbox, rec: Recorder, opts: DemoOptions) -> int:
    """eval -> plan -> pr -> gate (blocked) -> approvals -> gate (passes); returns the PR number."""
    with rec.step("eval", *STEPS["eval"]) as s:
        results = ["--results", "eval/results.json", "--model", MODEL, "--version", NEW, "--env", "production"]
        s.run(["eval", *results, "--report", "eval/gate.json", "--markdown", "eval/gate.md", *M])
        report = json.loads((sb.registry / "eval" / "gate.json").read_text(encoding="utf-8"))
        s.check(report.get("status") == "PASS", f"eval status PASS (got {report.get('status')})")
        s.result("PASS: " + "; ".join(_eval_line(d) for d in report.get("decisions", [])))

    with rec.step("plan", *STEPS["plan"]) as s:
        out = s.run(["plan", MODEL, NEW, "--to", "production", "--now", CLOCK["plan"], *M]).output
        s.check(": allowed" in out.splitlines()[0], "the plan to say allowed")
        verdict = out.splitlines()[0].rsplit(": ", 1)[-1]
        soak = next((line.split(None, 2)[2] for line in out.splitlines() if line.split()[1:2] == ["soak"]), "?")
        s.result(f"{verdict}: {soak}; {_line_with(out, 'approvals required')}; {_line_with(out, 'note: ').removeprefix('note: ')}")

    with rec.step("pr", *STEPS["pr"]) as s:
        why = ["--eval-report", "eval/gate.md", "--reason", "refund answers +7%"]
        s.run(["pr", MODEL, NEW, "--to", "production", *why, "--now", CLOCK["plan"], *M])
        with sb.gh.lock:
            pulls = [p for p in sb.gh.state.pulls.values() if p.state == "open"]
        branch = f"promote/{MODEL}/production/{NEW}"
        s.check(len(pulls) == 1 and pulls[0].head_ref == branch, f"one open pull request from {branch}")
        pull = pulls[0]
        asked = ", ".join([f"@{REPO.split('/')[0]}/{t}" for t in pull.requested_teams] + [f"@{u}" for u in pull.requested_users])
        s.result(
            f'PR #{pull.number} "{pull.title}" by @{pull.author}; labels {", ".join(pull.labels)}; review asked of {asked or "nobody"}'
        )
    number, head = pull.number, pull.head_sha

    with rec.step("gate-blocks", *STEPS["gate-blocks"]) as s:
        said = s.run(["gate", "--pr", str(number), "--now", CLOCK["gate-1"], *M], expect=1).output
        state = _status_of(sb, head)
        s.check(state == "failure", f"commit status modelpromote/approval = failure on {head[:7]} (got {state})")
        s.result(f"{said.splitlines()[0]} -> exit 1; commit status modelpromote/approval = {state} on {head[:7]}")

    with rec.step("approve", *STEPS["approve"]) as s:
        approvers = REVIEWERS[:1] if opts.break_step == "approve" else REVIEWERS
        body = "Eval and plan look right."
        for login in approvers:
            t0 = time.monotonic()
            sb.api("POST", f"/repos/{REPO}/pulls/{number}/reviews", login, {"event": "APPROVE", "body": body})
            s.note(f"GH_TOKEN={sb.tokens[login]} gh pr review {number} --approve --body '{body}'", seconds=time.monotonic() - t0)
        with sb.gh.lock:
            approved = sorted({r.user for r in sb.gh.state.reviews if r.number == number and r.state == "APPROVED" and r.commit_id == head})
        s.check(len(approved) == len(approvers), f"{len(approvers)} approvals on {head[:7]}")
        s.result(f"approved by {', '.join('@' + a for a in approved)} on {head[:7]}")

    with rec.step("gate-passes", *STEPS["gate-passes"]) as s:
        said = s.run(["gate", "--pr", str(number), "--now", CLOCK["gate-2"], *M]).output
        state = _status_of(sb, head)
        s.check(state == "success", f"commit status modelpromote/approval = success (got {state})")
        s.result(f"{said.splitlines()[0]} -> exit 0; commit status modelpromote/approval = {state}: the PR may merge")
    return number


def merge_and_deploy(sb: Sandbox, rec: Recorder, number: int) -> None:
    """Merge through the API, then what the push to main triggers."""
    with rec.step("merge", *STEPS["merge"]) as s:
        before = _head(sb)
        t0 = time.monotonic()
        merged = sb.api("PUT", f"/repos/{REPO}/pulls/{number}/merge", AUTHOR, {"merge_method": "merge"})
        s.note(f"gh pr merge {number} --merge", seconds=time.monotonic() - t0)
        after = _head(sb)
        s.check(bool(merged and merged.get("merged")) and after != before, f"PR #{number} merged into main")
        s.git(["pull", "-q", "--ff-only"])
        model = _model(sb.manifest())
        canary = model.canary.get("production")
        on_main = model.environments["production"] == NEW and canary is not None and canary.weight == 5
        s.check(on_main, f"production pointer {NEW} with a canary at 5% on main")
        s.result(f"merged as {after[:7]}; production -> {NEW}, canary 5% (baseline {canary.baseline if canary else '?'})")

    with rec.step("deploy", *STEPS["deploy"]) as s:
        said = _deploy(s, sb, before, after)
        _check_deployment(s, sb, NEW, weight=5)
        s.result(f"{said.splitlines()[0]}; the receiver verified the signature")


def canary(sb: Sandbox, rec: Recorder, opts: DemoOptions) -> None:
    """Scheduled health in GitHub mode: each decision is a pull request; each merge is deployed."""

    def health(at: str, expect: int, s: StepContext) -> None:
        args = ["health", "--github", "--model", MODEL, "--env", "production", *sb.metrics.cli_args(sb.registry), "--at", at, *M]
        s.run(args, expect=expect, env=sb.as_user(BOT), prefix="GITHUB_TOKEN=$BOT_TOKEN")

    for step, weight in (("health-1", 25), ("health-2", 50)):
        with rec.step(step, *STEPS[step]) as s:
            before = _head(sb)
            health(CLOCK[step], 0, s)
            pulls = _pulls(sb, f"canary/{MODEL}/production/")
            s.check(bool(pulls) and pulls[-1].merged and "canary" in pulls[-1].labels, "a canary pull request, labelled canary, merged")
            after = _head(sb)
            _deploy(s, sb, before, after)
            _check_deployment(s, sb, NEW, weight=weight)
            s.git(["pull", "-q", "--ff-only"])
            state = _model(sb.manifest()).canary.get("production")
            s.check(state is not None and state.weight == weight, f"canary weight {weight} on main (got {state.weight if state else None})")
            s.result(f"ADVANCE: PR #{pulls[-1].number} merged at once; deployed: {NEW} serves {weight}% of production")

    with rec.step("regression", *STEPS["regression"]) as s:
        t0 = time.monotonic()
        published = sb.metrics.publish(traffic(regression=opts.break_step != "regression"), METRICS_END)
        s.note(sb.metrics.how(published), seconds=time.monotonic() - t0)
        rate = _error_rate(sb, _t(CLOCK["health-3"]))
        s.check(rate is not None and rate > 0.01, f"the metrics to show the new version's error rate above 1% (got {rate})")
        s.result(f"{sb.metrics.kind}: the new version's error rate over 13:30-14:00 is {rate:.1%}")

    with rec.step("rollback", *STEPS["rollback"]) as s:
        health(CLOCK["health-3"], 1, s)
        pulls = [p for p in _pulls(sb, f"rollback/{MODEL}/production/") if p.state == "open"]
        s.check(len(pulls) == 1 and "rollback" in pulls[0].labels, "one open pull request labelled rollback")
        pull = pulls[0]
        s.git(["fetch", "-q", "origin", pull.head_ref])
        s.git(["diff", "--stat", "HEAD", "FETCH_HEAD"])  # what the on-call reviews: only the manifest changes
        text = sb.gh.git.run("show", f"{pull.head_sha}:{MANIFEST}").decode()
        _check_rolled_back(s, load_text(text, MANIFEST).manifest)
        s.result(f"ROLLBACK proposed in PR #{pull.number} (label rollback): restores {LIVE}, records the failure, holds the model")
    number = pull.number

    with rec.step("merge-rollback", *STEPS["merge-rollback"]) as s:
        before = _head(sb)
        t0 = time.monotonic()
        merged = sb.api("PUT", f"/repos/{REPO}/pulls/{number}/merge", ONCALL, {"merge_method": "squash"})
        s.note(f"GH_TOKEN={sb.tokens[ONCALL]} gh pr merge {number} --squash", seconds=time.monotonic() - t0)
        s.check(bool(merged and merged.get("merged")), f"PR #{number} merged")
        after = _head(sb)
        _deploy(s, sb, before, after)
        _check_deployment(s, sb, LIVE, weight=None)
        s.git(["pull", "-q", "--ff-only"])
        _check_rolled_back(s, sb.manifest())
        s.result(f"merged by @{ONCALL}; deployed: production is back on {LIVE} (full rollout), the receiver verified the signature")

    with rec.step("drift", *STEPS["drift"]) as s:
        s.run(["drift", "--model", MODEL, "--env", "production", *M])
        s.result(f"no drift: main and the latest production deployment both say {LIVE}")


def _deploy(s: StepContext, sb: Sandbox, before: str, after: str) -> str:
    return s.run(["deploy", "--before", before, "--after", after, *M], env=sb.as_user(BOT), prefix="GITHUB_TOKEN=$BOT_TOKEN").output


def _line_with(text: str, needle: str) -> str:
    return next((line.strip() for line in text.splitlines() if needle in line), "")


def _pulls(sb: Sandbox, branch_prefix: str) -> list[Pull]:
    with sb.gh.lock:
        return sorted((p for p in sb.gh.state.pulls.values() if p.head_ref.startswith(branch_prefix)), key=lambda p: p.number)


def _check_rolled_back(s: StepContext, man: Manifest | None) -> None:
    s.check(man is not None, f"{MANIFEST} to validate")
    assert man is not None
    model = _model(man)
    s.check(model.environments["production"] == LIVE and "production" not in model.canary, f"production back on {LIVE}, canary removed")
    failures = [f for f in man.failures if f.model == MODEL and f.version == NEW and f.env == "production"]
    s.check(len(failures) == 1 and failures[0].gate == "health", f"one failure record for {NEW} in production (gate health)")
    s.check(model.hold is not None, f"a hold on {MODEL}")


def wrap_up(sb: Sandbox, rec: Recorder) -> None:
    with rec.step("status", *STEPS["status"]) as s:
        out = s.run(["status", *M]).output
        rows = [line.split() for line in out.splitlines() if line.startswith(MODEL)]
        s.check(any(r[1:3] == ["production", LIVE] for r in rows), f"status to show {MODEL} on {LIVE} in production")
        s.result("the table:")
    rec.say(_indent(out))

    with rec.step("log", *STEPS["log"]) as s:
        log = s.git(["log", "--format=%h %an: %s", "--reverse", "--", MANIFEST]).output
        kinds = [p.kind for p in sb.manifest().promotions if p.model == MODEL]
        s.check(kinds[-2:] == ["canary", "rollback"], f"the log to end with the canary and its rollback (got {kinds[-2:]})")
        s.result(f"{len(kinds)} entries for {MODEL}; {len(log.splitlines())} commits changed the manifest:")
    rec.say(_indent(_log_table(sb.manifest(), log)))


def _model(man: Manifest) -> Model:
    model = man.model(MODEL)
    if model is None:
        raise StepFailed(f"model {MODEL} is gone from {MANIFEST}")
    return model


def _eval_line(d: dict[str, Any]) -> str:
    low, high = d["conditions"][0]["interval"]
    return f"{d['metric']} {d['value']:.3f} ({d.get('successes')}/{d.get('n')}), 95% interval [{low:.3f}, {high:.3f}] clears {d['rule']}"


def _status_of(sb: Sandbox, sha: str) -> str | None:
    with sb.gh.lock:
        states = [s.state for s in sb.gh.state.statuses if s.sha == sha and s.context == "modelpromote/approval"]
    return states[-1] if states else None


def _commit_and_push(s: StepContext, message: str) -> None:
    s.git(["commit", "-q", "-am", message])
    s.git(["push", "-q", "origin", "main"])


def _head(sb: Sandbox) -> str:
    sha = sb.gh.branch_sha("main")
    if sha is None:
        raise StepFailed("main has no commit in the remote")
    return sha


def _check_deployment(s: StepContext, sb: Sandbox, version: str, *, weight: int | None) -> None:
    with sb.gh.lock:
        deps = [d for d in sb.gh.state.deployments if d.environment == "production"]
    s.check(bool(deps), "a GitHub Deployment to production")
    payload = deps[-1].payload if isinstance(deps[-1].payload, dict) else {}
    s.check(payload.get("version") == version, f"the deployment's payload names {version} (got {payload.get('version')})")
    if weight is not None:
        s.check(payload.get("canary_weight", payload.get("weight")) == weight, f"a canary weight of {weight}% in the payload")
    hits = [d for d in sb.receiver.deliveries if d.event and d.event.get("version") == version]
    s.check(bool(hits) and all(d.valid for d in hits), "the webhook delivered with a valid X-Modelpromote-Signature-256")


def _error_rate(sb: Sandbox, at: int) -> float | None:
    if isinstance(sb.metrics, PrometheusMetrics):
        sel = f'model="{MODEL}",version="{NEW}",env="production"'
        errors = sb.metrics.query(f"sum(increase(modelpromote_request_errors_total{{{sel}}}[30m]))", at)
        total = sb.metrics.query(f"sum(increase(modelpromote_requests_total{{{sel}}}[30m]))", at)
        return errors / total if errors is not None and total else None
    if isinstance(sb.metrics, JsonMetrics):
        doc = json.loads(sb.metrics.path.read_text(encoding="utf-8"))
        stamp = datetime.fromtimestamp(at, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        for o in doc["observations"]:
            if o["version"] == NEW and o["at"] == stamp:
                e = o["metrics"]["error_rate"]
                return float(e["events"]) / float(e["samples"])
    return None


def _indent(text: str, pad: str = "    ") -> str:
    return "\n".join((pad + line) if line.strip() else "" for line in text.rstrip().splitlines()) + "\n"


def _log_table(man: Manifest, git_log: str) -> str:
    from ..report.table import table

    rows = [
        [p.at.strftime("%Y-%m-%d %H:%M"), p.env, p.from_ or "-", p.to, p.kind, p.by or "-", f"#{p.pr}" if p.pr else "-"]
        for p in man.promotions
        if p.model == MODEL
    ]
    fails = [f"{f.at:%Y-%m-%d %H:%M} {f.env}: {f.version} failed gate {f.gate}" for f in man.failures if f.model == MODEL]
    model = man.model(MODEL)
    hold = f"hold: {model.hold.reason} (since {model.hold.at:%Y-%m-%d %H:%M})" if model and model.hold else "hold: none"
    return "\n".join(
        [table(["AT (UTC)", "ENV", "FROM", "TO", "KIND", "BY", "PR"], rows), "", "failures:", *("  " + f for f in fails), hold, "",
         "git log (the audit trail):", *("  " + line for line in git_log.strip().splitlines())]
    )  # fmt: skip


# -- entry point ----------------------------------------------------------------------------


def run_demo(opts: DemoOptions, out: TextIO | None) -> DemoReport:
    """Run the story; return its record.  Raises InputError/ServiceError when the sandbox cannot be built.

    A misbehaving step does not raise: the report has ``ok: false`` and ``failure``; the caller
    turns that into exit 1 (MP951).  The sandbox is removed on every way out unless ``keep``.
    """
    if opts.break_step is not None and opts.break_step not in BREAKS:
        raise InputError(Finding("MP954", f"--break-step {opts.break_step!r} is not one of {', '.join(BREAKS)}"))
    t0 = time.monotonic()
    previous = signal.signal(signal.SIGTERM, _sigterm) if _main_thread() else None
    try:
        with ExitStack() as stack:
            sb = stack.enter_context(sandbox(opts, stack))
            rec = Recorder(sb.runner, out, verbose=opts.verbose)
            rec.say(_header(sb))
            failure = None
            try:
                story(sb, rec, opts)
            except StepFailed as exc:
                failure = f"step {len(rec.steps)} ({rec.steps[-1].id if rec.steps else '?'}): {str(exc).splitlines()[0]}"
            report = DemoReport(
                ok=failure is None,
                seconds=time.monotonic() - t0,
                sandbox=str(sb.root),
                kept=opts.keep,
                metrics_source=sb.metrics.kind,
                metrics_label=sb.metrics.label,
                steps=[st.to_json() for st in rec.steps],
                failure=failure,
                explore=_explore(sb) if opts.keep else [],
            )
            rec.say(_summary(report, sb))
        report.seconds = time.monotonic() - t0
        return report
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _sigterm(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # unwind through the ExitStack: stop Prometheus and the servers, remove the sandbox


def _header(sb: Sandbox) -> str:
    return "\n".join(
        [
            "modelpromote demo: a model version from release candidate to production canary and back, offline",
            f"  sandbox     {sb.root}",
            f"  registry    {sb.registry.name}/ (a git clone; every command below runs there), remote {sb.remote.name}/",
            f"  GitHub      {sb.gh.url} (the emulator, repository {REPO}; users @alice, @bob, @carol of @acme/support-ml)",
            f"  webhook     {sb.receiver.url} (a local receiver that verifies signatures)",
            f"  metrics     {sb.metrics.label}",
            "  clock       simulated: every verb takes --now/--at, so soaks and canary intervals take no time",
            "  env         GITHUB_API_URL, GITHUB_REPOSITORY=acme/models, GITHUB_TOKEN=ghp_sandbox_alice, MODELPROMOTE_WEBHOOK_URL/SECRET",
            "",
        ]
    )


def _explore(sb: Sandbox) -> list[str]:
    users = " ".join(f"--user {u}" for u in (AUTHOR, *REVIEWERS)) + " --team acme/support-ml=alice,bob,carol"
    extra = []
    if isinstance(sb.metrics, PrometheusMetrics):
        w = sb.metrics.workdir
        extra.append(f"prometheus --config.file={w}/prometheus.yml --storage.tsdb.path={w}/data   # the metrics again, on :9090")
    return [
        *extra,
        f"cd {sb.registry} && modelpromote status",
        f"cd {sb.registry} && git log --oneline && git show HEAD",
        f"python -m modelpromote.sandbox.github --repo {sb.remote} {users}   # serve it as a GitHub API again",
        f"rm -rf {sb.root}   # when done",
    ]


def _summary(report: DemoReport, sb: Sandbox) -> str:
    lines = []
    done = sum(1 for s in report.steps if s["ok"])
    if report.ok:
        lines.append(f"demo finished: {done} steps ok in {report.seconds:.1f}s; metrics from {report.metrics_label}")
    else:
        lines.append(f"demo FAILED at {report.failure.splitlines()[0] if report.failure else '?'}")
        lines.append(f"  {done} of {len(report.steps)} steps ok in {report.seconds:.1f}s; metrics from {report.metrics_label}")
    if report.kept:
        lines.append(f"sandbox kept at {sb.root}; explore it:")
        lines += [f"  {line}" for line in report.explore]
    else:
        lines.append("sandbox removed (run with --keep to explore it)")
    return "\n".join(lines)


def failed(report: DemoReport) -> CheckFailed:
    return CheckFailed(Finding("MP951", f"the demo misbehaved at {report.failure or 'an unknown step'}", "modelpromote demo",
                               hint="the step above says what was expected; re-run with --keep -v to inspect the sandbox"))  # fmt: skip
