"""The demo's story: the steps in order, each running real commands and checking what changed.

:data:`STEPS` is the story in one place (id -> title, why); docs/demo.md and tests/sandbox/test_demo.py
follow it.  Every check that fails raises :class:`~.demo_run.StepFailed` through the step's
context, which stops the demo there.
"""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone
from typing import Any

from ..manifest.load import load_text
from ..manifest.schema import Manifest, Model
from .demo_metrics import JsonMetrics, PrometheusMetrics
from .demo_run import Recorder, StepContext, StepFailed
from .demo_sandbox import (
    AUTHOR,
    BASE,
    BOT,
    CLOCK,
    DIGEST,
    FINAL,
    LIVE,
    MANIFEST,
    METRICS_END,
    MODEL,
    NEW,
    ONCALL,
    PROMPT,
    RC2,
    REPO,
    REVIEWERS,
    DemoOptions,
    Sandbox,
    traffic,
    unix,
)
from .state import Pull

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
        rate = _error_rate(sb, unix(CLOCK["health-3"]))
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
    return s.run(["deploy", "--after", after, *M], env=sb.as_user(BOT), prefix="GITHUB_TOKEN=$BOT_TOKEN").output


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
