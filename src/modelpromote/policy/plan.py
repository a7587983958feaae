"""The promotion plan: may MODEL go to VERSION in ENV now, and why (not).

Pure: ``plan_promotion(manifest, request, now) -> Plan``.  Every rule is evaluated and reported,
even after one has failed, so a refused plan lists everything there is to fix at once.  The CLI
prints the plan; ``promote`` applies it only when it is allowed; the ``pr`` verb puts it in the
pull request body.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from ..errors import Finding
from ..manifest.schema import Manifest, parse_duration
from ..versions import ChangeKind, VersionError, VersionId, change_kind, parse_version
from . import history

Verdict = Literal["pass", "fail", "overridden", "skip"]

# Rule failures that mean "you named something that does not exist" (exit 2, not 1).
INPUT_CODES = frozenset({"MP301", "MP201", "MP203", "MP204"})


@dataclass(frozen=True)
class Rule:
    name: str
    verdict: Verdict
    message: str
    code: str | None = None  # set when the verdict is fail (or overridden)
    hint: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"rule": self.name, "verdict": self.verdict, "message": self.message, "code": self.code, "hint": self.hint}


@dataclass(frozen=True)
class PromotionRequest:
    model: str
    version: str
    env: str
    force: bool = False  # override a recorded failure (needs reason)
    reason: str | None = None
    breaking: bool = False  # acknowledge a MAJOR change


@dataclass(frozen=True)
class CanaryStart:
    baseline: str
    weight: int


@dataclass(frozen=True)
class ExperimentArm:
    """The promoted version becomes the treatment of an A/B experiment: ``weight`` % of users, the
    rest on ``control``."""

    control: str
    weight: int

    def describe(self) -> str:
        return f"A/B {self.weight}% vs control {self.control}"


@dataclass(frozen=True)
class Plan:
    request: PromotionRequest
    rules: tuple[Rule, ...]
    current: str | None = None  # live in the target env now
    noop: bool = False  # the version is already fully live there
    change: ChangeKind | None = None
    major: bool = False
    approvals: int = 0  # distinct approvals the PR needs (one extra for a MAJOR change)
    canary: CanaryStart | None = None  # set when the change starts as a canary
    notes: tuple[str, ...] = field(default_factory=tuple)
    experiment: ExperimentArm | None = None  # set when the target environment runs an A/B experiment

    @property
    def allowed(self) -> bool:
        return all(r.verdict != "fail" for r in self.rules)

    @property
    def bad_input(self) -> bool:
        return any(r.verdict == "fail" and r.code in INPUT_CODES for r in self.rules)

    @property
    def failures(self) -> list[Rule]:
        return [r for r in self.rules if r.verdict == "fail"]

    def findings(self, where: str) -> list[Finding]:
        """The failed rules as findings located at the manifest ``where``."""
        return [Finding(x.code or "MP302", x.message, where, hint=x.hint) for x in self.failures]

    def to_json(self) -> dict[str, Any]:
        r = self.request
        return {
            "model": r.model,
            "version": r.version,
            "env": r.env,
            "allowed": self.allowed,
            "noop": self.noop,
            "from": self.current,
            "change": self.change,
            "major": self.major,
            "approvals_required": self.approvals,
            "canary": None if self.canary is None else {"baseline": self.canary.baseline, "weight": self.canary.weight},
            "experiment": None if self.experiment is None else {"control": self.experiment.control, "weight": self.experiment.weight},
            "rules": [x.to_json() for x in self.rules],
            "notes": list(self.notes),
        }


def _fmt_td(td: timedelta) -> str:
    secs = max(0, int(td.total_seconds()))
    d, rem = divmod(secs, 86400)
    h, rem = divmod(rem, 3600)
    m = rem // 60
    parts = [f"{d}d" if d else "", f"{h}h" if h else "", f"{m}m" if m or not (d or h) else ""]
    return "".join(parts)


def active_freeze(m: Manifest, env: str, now: datetime) -> str | None:
    for w in m.policies.freeze:
        if w.start <= now < w.end and (not w.environments or env in w.environments):
            return f"{w.reason} (until {w.end.isoformat()})"
    return None


def plan_promotion(m: Manifest, req: PromotionRequest, now: datetime) -> Plan:
    rules: list[Rule] = []
    add = rules.append
    model = m.model(req.model)
    env = m.env(req.env)
    if model is None:
        add(Rule("model", "fail", f"no model {req.model!r}", "MP301", f"models: {', '.join(x.name for x in m.models)}"))
    else:
        add(Rule("model", "pass", f"model {req.model} exists"))

    # -- the version exists ---------------------------------------------------------------------
    vid: VersionId | None = None
    try:
        vid = parse_version(req.version)
    except VersionError as exc:
        add(Rule("version", "fail", str(exc), "MP201"))
    if vid is not None:
        if vid.model_version in m.catalogue():
            add(Rule("version", "pass", f"{vid.model_version} is in version_history"))
        else:
            add(Rule("version", "fail", f"{vid.model_version} is not in version_history", "MP203",
                     f"add it with `modelpromote release {vid.base} ...`, or check the spelling"))
            vid = None

    # -- the environment is on the ladder -------------------------------------------------------
    if env is None:
        add(Rule("ladder", "fail", f"no environment {req.env!r} on the ladder", "MP204",
                 f"environments: {', '.join(e.name for e in m.environments)}"))
    else:
        add(Rule("ladder", "pass", f"{env.name} is on the ladder"))

    if model is None or env is None or vid is None:
        # Still say what is live there: the header of a refused plan must not claim "nothing".
        live = model.environments.get(req.env) if model is not None else None
        return Plan(req, tuple(rules), live)

    current = model.environments.get(env.name)
    in_canary = model.canary.get(env.name)
    noop = current == req.version and in_canary is None

    # -- live below, for long enough ------------------------------------------------------------
    if env.promote_from is None:
        add(Rule("promote_from", "skip", f"{env.name} is the bottom of the ladder; nothing to be live in first"))
        add(Rule("soak", "skip", "no soak below the bottom rung"))
    else:
        below = env.promote_from
        live_below = model.environments.get(below)
        if live_below != req.version:
            add(Rule("promote_from", "fail", f"{req.version} is not live in {below} (live there: {live_below or 'nothing'})", "MP401",
                     f"promote it to {below} first: modelpromote promote {req.model} {req.version} --to {below}"))
            add(Rule("soak", "skip", f"not live in {below}"))
        elif model.canary.get(below) is not None:
            add(Rule("promote_from", "fail", f"{req.version} is still rolling out as a canary in {below}", "MP401",
                     f"wait until its canary in {below} completes"))
            add(Rule("soak", "skip", f"still a canary in {below}"))
        else:
            add(Rule("promote_from", "pass", f"{req.version} is live in {below}"))
            since = history.fully_live_since(m, req.model, below, req.version)
            need = parse_duration(env.soak) if env.soak else timedelta(0)
            if since is None:
                if need:
                    add(Rule("soak", "fail", f"the promotions log does not say when {req.version} went live in {below}, "
                             f"so its {env.soak} soak cannot be verified", "MP402",
                             f"promotions made with `modelpromote promote` are logged; add the missing {below} entry by PR"))
                else:
                    add(Rule("soak", "pass", f"{env.name} needs no soak"))
            elif now - since < need:
                add(Rule("soak", "fail", f"live in {below} for {_fmt_td(now - since)}, needs {env.soak} "
                         f"(ready at {(since + need).isoformat()})", "MP402", "wait, or promote another version"))
            else:
                add(Rule("soak", "pass", f"live in {below} for {_fmt_td(now - since)} (needs {env.soak or '0'})"))

    # -- status ---------------------------------------------------------------------------------
    entry = m.catalogue()[vid.model_version]
    if entry.status in ("failed", "retired", "deprecated"):
        add(Rule("status", "fail", f"{vid.model_version} is {entry.status}", "MP403",
                 "promote a newer version; failed/retired/deprecated versions go nowhere"))
    elif vid.is_prerelease and not env.allow_prerelease:
        add(Rule("status", "fail", f"{req.version} is a prerelease and {env.name} sets allow_prerelease: false", "MP404",
                 f"finalize it: modelpromote release {vid.base} --finalize {vid.model_version}"))
    else:
        add(Rule("status", "pass", f"status {entry.status}"))

    # -- recorded failures ----------------------------------------------------------------------
    if history.failed_in(m, req.model, env.name, req.version):
        if req.force and req.reason:
            add(Rule("failures", "overridden", f"{req.version} failed in {env.name} before; overridden: {req.reason}", "MP405"))
        else:
            add(Rule("failures", "fail", f"{req.version} is recorded as failed for {req.model}/{env.name}", "MP405",
                     "fix and release a new version, or pass --force --reason WHY"))
    else:
        add(Rule("failures", "pass", f"no failure recorded for {env.name}"))

    # -- downgrade, MAJOR change ----------------------------------------------------------------
    change: ChangeKind | None = None
    major = False
    cur_vid: VersionId | None = None
    if current is not None:
        try:
            cur_vid = parse_version(current)
        except VersionError:
            cur_vid = None
    if cur_vid is None:
        add(Rule("downgrade", "skip", f"nothing live in {env.name} yet"))
        add(Rule("major", "skip", "first version in this environment"))
    else:
        change = change_kind(cur_vid, vid)
        downgrade = cur_vid.base == vid.base and vid < cur_vid
        if downgrade:
            add(Rule("downgrade", "fail", f"{req.version} is lower than the live {current}", "MP406",
                     f"going back is a rollback: modelpromote rollback {req.model} --env {env.name} --to {req.version} --reason WHY"))
        else:
            add(Rule("downgrade", "pass", f"{current} -> {req.version} ({change})"))
        major = change == "major" and not downgrade
        if downgrade:
            add(Rule("major", "skip", "a downgrade; see above"))
        elif not major:
            add(Rule("major", "pass", f"{change} change"))
        elif req.breaking:
            add(Rule("major", "pass", f"MAJOR change {current} -> {req.version} acknowledged (--breaking): one extra approval"))
        else:
            add(Rule("major", "fail", f"MAJOR change {current} -> {req.version}: consuming code may need changes", "MP407",
                     "confirm with --breaking (the PR gets the breaking-change label and needs one extra approval)"))

    # -- freeze, hold, rollout in progress ------------------------------------------------------
    freeze = active_freeze(m, env.name, now)
    add(Rule("freeze", "fail", f"{env.name} is frozen: {freeze}", "MP408", "only rollbacks run during a freeze; wait for it to end")
        if freeze else Rule("freeze", "pass", "no freeze window now"))
    hold = model.hold_in(env.name)
    if hold is not None:
        add(Rule("hold", "fail", f"{req.model} is on hold since {hold.at.isoformat()}: {hold.reason}", "MP409",
                 f"after review: modelpromote hold {req.model} --clear"))
    else:
        add(Rule("hold", "pass", "no hold"))
    if in_canary is not None:
        add(Rule("rollout", "fail", f"a canary of {current} is in progress in {env.name} ({in_canary.weight}%)", "MP410",
                 "wait for health to complete it, or roll it back"))
    else:
        add(Rule("rollout", "pass", "no rollout in progress"))

    canary = None
    notes: list[str] = []
    exp = model.experiments.get(env.name)
    experiment = ExperimentArm(exp.control, exp.weight) if exp is not None and not noop else None
    if experiment is not None:
        # The experiment's split is the rollout: a canary on top would be two splits at once,
        # which the runtime refuses (MP606).
        notes.append(f"{env.name} runs an A/B experiment: {req.version} becomes its treatment ({experiment.describe()}), no canary")
        if experiment.control == req.version:
            notes.append(f"{req.version} is also the experiment's control: both arms would serve the same version")
    elif env.canary is not None and current is not None and not noop and env.canary.steps[0] < 100:
        canary = CanaryStart(current, env.canary.steps[0])
        notes.append(f"starts as a canary at {canary.weight}% (the rest stays on {current}); health advances it")
    if noop:
        notes.append(f"{req.version} is already live in {env.name}: nothing to do")
    approvals = env.approvals + (1 if major else 0)
    return Plan(req, tuple(rules), current, noop, change, major, approvals, canary, tuple(notes), experiment)
