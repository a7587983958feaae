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

import signal
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, TextIO

from ..errors import CheckFailed, Finding, InputError
from .demo_metrics import PrometheusMetrics
from .demo_run import Recorder, StepFailed
from .demo_sandbox import AUTHOR, BREAKS, REPO, REVIEWERS, DemoOptions, Sandbox, sandbox
from .demo_story import STEPS, story

__all__ = ["STEPS", "DemoOptions", "DemoReport", "failed", "run_demo"]


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
