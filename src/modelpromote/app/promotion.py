"""The promotion engine's use cases on a manifest store: plan, promote, release, rollback, fail, retire, hold.

Each writer: open a store session, read (refusing a manifest that does not validate), ask the pure
policy, describe the decision as typed changes, and hand them to :func:`~modelpromote.app.store.commit_changes`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from ..errors import CheckFailed, Finding, InputError
from ..manifest import changes as ch
from ..naming import check_name, require_model_env
from ..policy.plan import Plan, PromotionRequest
from .store import Document, LocalStore, ManifestStore, WriteResult, commit_changes, located, unchanged

if TYPE_CHECKING:
    from ..policy.prompt_diff import PromptDiff


class Refused(CheckFailed):
    """A plan said no: its failed rules as findings, and the plan itself (the CLI shows every verdict)."""

    def __init__(self, plan: Plan, where: str) -> None:
        super().__init__(plan.findings(where))
        self.plan = plan
        if plan.bad_input:
            self.exit_code = InputError.exit_code


def request(
    model: str, version: str, env: str, *, force: bool = False, reason: str | None = None, breaking: bool = False
) -> PromotionRequest:
    """A checked promotion request: names that can reach branch names and shell, and --force's reason."""
    check_name("model", model)
    check_name("environment", env)
    if force and not reason:
        raise InputError(Finding("MP417", "--force needs --reason: say why a failed version may go again"))
    return PromotionRequest(model, version, env, force=force, reason=reason, breaking=breaking)


def plan(doc: Document, req: PromotionRequest, now: datetime) -> Plan:
    from ..policy.plan import plan_promotion

    return plan_promotion(doc.manifest, req, now)


def prompt_change(doc: Document, p: Plan, read: Callable[[str], str | None]) -> PromptDiff | None:
    """The prompt diff between what is live and the candidate (None: neither names a prompt, or no
    such model); ``read`` gives a catalogued file's text (relative to the manifest's directory)."""
    from ..policy.prompt_diff import prompt_diff

    if doc.manifest.model(p.request.model) is None:
        return None
    return prompt_diff(doc.manifest, p.request.model, p.current, p.request.version, read)


def plan_local(store: LocalStore, req: PromotionRequest, now: datetime) -> tuple[Plan, PromptDiff | None]:
    """``plan`` on a local manifest: the plan, and the prompt diff with texts from beside the manifest."""
    import os

    from ..manifest.prompts import read_prompt_text

    doc = store.read()
    p = plan(doc, req, now)
    root = os.path.dirname(os.path.abspath(store.path))
    return p, prompt_change(doc, p, lambda f: read_prompt_text(root, f))


def promote(
    store: ManifestStore, req: PromotionRequest, *, now: datetime, by: str | None, pr: int | None = None, dry_run: bool = False
) -> WriteResult:
    """Apply an allowed plan: the pointer, one log entry, and a canary's first step where the environment has one."""
    with store.session():
        doc = store.read()
        p = plan(doc, req, now)
        if p.noop and p.allowed:
            return unchanged(doc, f"{req.version} is already live for {req.model} in {req.env}; nothing to do", {"plan": p.to_json()})
        if not p.allowed:
            raise Refused(p, doc.where)
        change = ch.Promote(req.model, req.env, req.version, p.current, now, by, req.reason,
                            canary_weight=p.canary.weight if p.canary else None, pr=pr)
        how = f" as a canary at {p.canary.weight}% (rest on {p.canary.baseline})" if p.canary else ""
        summary = f"promoted {req.model} in {req.env}: {p.current or 'nothing'} -> {req.version}{how}"
        return commit_changes(store, doc, [change], dry_run=dry_run, summary=summary, extra={"plan": p.to_json()})


Bump = Literal["major", "minor", "patch", "rc"]


@dataclass(frozen=True)
class ReleaseRequest:
    base: str
    bump: Bump | None = None
    final: bool = False
    finalize: str | None = None
    changelog: str | None = None
    digest: str | None = None
    provider_model: str | None = None

    def check(self) -> None:
        import re

        from ..versions import VersionError, is_version_id, parse_version

        try:
            if parse_version(f"{self.base}-v1.0.0").base != self.base:
                raise VersionError(self.base)
        except VersionError:
            hint = "lowercase letters, digits, '.', '-'"
            raise InputError(Finding("MP416", f"invalid base model name {self.base!r}", hint=hint)) from None
        if self.digest is not None and not re.fullmatch(r"sha256:[0-9a-f]{64}", self.digest):
            raise InputError(Finding("MP302", f"--digest {self.digest!r} is not sha256:<64 lowercase hex digits>"))
        if (self.bump is None) == (self.finalize is None):
            raise InputError(Finding("MP302", "give exactly one of --bump or --finalize"))
        if self.final and self.bump not in ("major", "minor", "patch"):
            raise InputError(Finding("MP302", "--final goes with --bump major|minor|patch"))
        if self.finalize is not None and (not is_version_id(self.finalize) or parse_version(self.finalize).base != self.base):
            raise InputError(Finding("MP302", f"{self.finalize!r} is not a version of {self.base}"))


def release(store: ManifestStore, r: ReleaseRequest, *, now: datetime, dry_run: bool = False) -> WriteResult:
    """Add the next version of base model ``r.base`` to the catalogue (an rc, a final, or the final of an rc)."""
    from ..policy import release as rel

    r.check()
    with store.session():
        doc = store.read()
        m = doc.manifest
        if r.finalize is not None:
            fv = r.finalize
            entry = located(doc.where, lambda: rel.finalize(m, fv, digest=r.digest, changelog=r.changelog, now=now))
        else:
            assert r.bump is not None
            bump = r.bump
            version = located(doc.where, lambda: rel.next_version(m, r.base, bump, final=r.final))
            status = "release_candidate" if "-rc." in version else "dev"
            entry = rel.new_entry(m, version, status=status, changelog=r.changelog or "", digest=r.digest, now=now,
                                  provider_model=r.provider_model)
        new = str(entry["version"])
        return commit_changes(store, doc, [ch.AddVersion(entry)], dry_run=dry_run, summary=f"released {new}", extra={"version": new})


def release_prompt(
    store: LocalStore, model: str, source: str, *, changelog: str | None, pair: str | None = None, dry_run: bool = False
) -> WriteResult:
    """Add ``source``'s text as the next prompt version of ``model``: the file under the manifest's
    ``prompts/<model>/``, and its catalogue entry; both or neither (see providers/prompt_files)."""
    import os

    from ..policy.prompt_release import plan_prompt_release
    from ..providers import prompt_files

    check_name("model", model)
    text = prompt_files.read_source(source)
    with store.session():
        doc = store.read()
        rel = located(doc.where, lambda: plan_prompt_release(doc.manifest, model, text, source_name=source, changelog=changelog, pair=pair))
        extra = {"version": rel.pointer, "prompt": rel.to_json()}
        if rel.existing:
            return unchanged(doc, f"{model} prompt-v{rel.version} ({rel.file}) already has these bytes; nothing to do", extra)
        root = os.path.dirname(os.path.abspath(store.path))
        dest = os.path.join(root, *rel.file.split("/"))
        prompt_files.check_inside(root, dest)
        have = prompt_files.existing_bytes(dest)
        if have is not None and have != text.encode("utf-8"):
            raise InputError(Finding("MP425", f"{dest} exists with other bytes and is not catalogued", dest,
                                     hint="remove it (or catalogue it by hand), then release again"))
        pointer = f"; promote it as {rel.pointer}" if rel.pointer else ""
        summary = f"released {model} prompt-v{rel.version} ({rel.file}, sha256 {rel.sha256[:12]}…){pointer}"
        created = [] if dry_run or have is not None else prompt_files.place(dest, text)
        try:
            return commit_changes(store, doc, [ch.AddPrompt(model, rel.entry())], dry_run=dry_run, summary=summary, extra=extra)
        except BaseException:
            prompt_files.undo(created)
            raise


def rollback(
    store: ManifestStore, model: str, env: str, *, to: str | None, reason: str, hold: bool, now: datetime, by: str | None,
    dry_run: bool = False,
) -> WriteResult:
    """Put ``model`` in ``env`` back on an earlier, verified version (the engine's choice unless ``to``)."""
    from ..policy.rollback import plan_rollback

    check_name("model", model)
    check_name("environment", env)
    if not reason.strip():
        raise InputError(Finding("MP417", "--reason must say why"))
    with store.session():
        doc = store.read()
        rb = located(doc.where, lambda: plan_rollback(doc.manifest, model, env, to))
        change = ch.Rollback(model, env, rb.current, rb.target, now, by, reason, hold=hold)
        held = f"; {model} is on hold until `modelpromote hold {model} --clear`" if hold else ""
        summary = f"rolled back {model} in {env}: {rb.current} -> {rb.target} ({rb.source}){held}"
        return commit_changes(store, doc, [change], dry_run=dry_run, summary=summary, extra={"rollback": rb.to_json()})


def fail(
    store: ManifestStore, model: str, version: str, env: str, *, gate: str, report: str | None, reason: str | None, now: datetime,
    dry_run: bool = False,
) -> WriteResult:
    """Record that ``version`` failed ``gate`` for ``model`` in ``env`` (plan then refuses it there)."""
    from ..versions import VersionError, parse_version

    check_name("model", model)
    check_name("environment", env)
    with store.session():
        doc = store.read()
        m = doc.manifest
        require_model_env(m, model, env, doc.where)
        try:
            mv = parse_version(version).model_version
        except VersionError as exc:
            raise InputError(Finding("MP201", str(exc))) from None
        if mv not in m.catalogue():
            raise InputError(Finding("MP203", f"{mv} is not in version_history"))
        if any(f.model == model and f.env == env and f.version == version and f.gate == gate for f in m.failures):
            return unchanged(doc, f"{version} is already recorded as failed ({gate}) for {model} in {env}")
        change = ch.RecordFailure(model, version, env, gate, now, report=report, reason=reason)
        return commit_changes(store, doc, [change], dry_run=dry_run, summary=f"recorded: {version} failed {gate} for {model} in {env}")


def retire(store: ManifestStore, *, now: datetime, dry_run: bool = False) -> WriteResult:
    """Mark old, unused catalogue versions retired (never anything live, referenced or young)."""
    from ..policy.retention import retention_plan

    with store.session():
        doc = store.read()
        rp = retention_plan(doc.manifest, now)
        if not rp.retire:
            return unchanged(doc, "nothing to retire", {"retired": []})
        todo: Sequence[ch.Change] = [ch.SetStatus(v, "retired") for v in rp.retire]
        summary = f"retired {len(rp.retire)} version(s): {', '.join(rp.retire)}"
        return commit_changes(store, doc, todo, dry_run=dry_run, summary=summary, extra={"retired": rp.retire})


def hold(
    store: ManifestStore, model: str, *, env: str | None, reason: str | None, clear: bool, now: datetime, by: str | None,
    dry_run: bool = False,
) -> WriteResult:
    """Stop (or with ``clear``, resume) automatic promotion of ``model``."""
    check_name("model", model)
    check_name("environment", env)
    if clear and (reason or env):
        raise InputError(Finding("MP302", "--clear takes no --reason or --env"))
    if not clear and not (reason and reason.strip()):
        raise InputError(Finding("MP417", "a hold needs --reason"))
    with store.session():
        doc = store.read()
        mod, _ = require_model_env(doc.manifest, model, env, doc.where)
        assert mod is not None
        if clear:
            if mod.hold is None:
                return unchanged(doc, f"{model} is not on hold")
            return commit_changes(store, doc, [ch.ClearHold(model)], dry_run=dry_run, summary=f"cleared the hold on {model}")
        assert reason is not None
        change = ch.SetHold(model, reason, now, by, env)
        return commit_changes(store, doc, [change], dry_run=dry_run, summary=f"{model} is on hold" + (f" in {env}" if env else ""))
