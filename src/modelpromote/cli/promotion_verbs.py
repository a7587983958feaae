"""Promotion verbs: plan, promote, release, rollback, fail, retire, hold.

Thin by rule: validate names, read the manifest (refusing one that does not validate), ask the
pure policy in :mod:`modelpromote.policy`, turn the decision into byte-minimal edits
(:mod:`modelpromote.manifest.edit`), prove the new text validates, write it atomically.  The
clock is read here and only here (``--now`` overrides it for what-if planning).
"""

from __future__ import annotations

import dataclasses
import getpass
import os
import re
import subprocess
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import click

from ..errors import EXIT_FINDINGS, CheckFailed, Finding, InputError, ModelpromoteError
from .common import annotate, echo_json, handle_errors, json_option, main, manifest_option, parse_time

F = TypeVar("F", bound=Callable[..., Any])

_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")  # == schema.NAME_PATTERN; not imported so --help stays light


# -- shared options and helpers -----------------------------------------------------------------


def _check_name(kind: str, value: str | None) -> None:
    """Names reach branch names and shell: check them before anything else touches them."""
    if value is not None and not _NAME_RE.match(value):
        raise InputError(Finding("MP416", f"invalid {kind} name {value!r}"))



def default_actor() -> str | None:
    """Who is making the change: $GITHUB_ACTOR (as @login), else git's user.name, else the OS user."""
    actor = os.environ.get("GITHUB_ACTOR")
    if actor:
        return f"@{actor}"
    try:
        r = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True, timeout=5, check=False)
        if r.returncode == 0 and r.stdout.strip():
            return r.stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None


def now_option(fn: F) -> F:
    return click.option("--now", "now_text", metavar="ISO", help="Decide as of this time, not now (e.g. 2026-06-01T12:00:00Z).")(fn)


def writer_options(fn: F) -> F:
    """Options every writing verb shares."""
    fn = click.option("--dry-run", is_flag=True, help="Print the diff; write nothing.")(fn)
    fn = click.option(
        "--expect-sha",
        metavar="SHA",
        help="Refuse unless the manifest's git blob sha is this (the file the decision was made on; `git hash-object FILE`).",
    )(fn)
    fn = click.option("--by", "by", metavar="WHO", help="Who is recorded (default: $GITHUB_ACTOR, git user.name, or the OS user).")(fn)
    return fn


class Doc:
    """The manifest as read for an edit: raw bytes (for the sha), text, validated load."""

    def __init__(self, path: str, raw: bytes, loaded: Any) -> None:
        self.path = path
        self.raw = raw
        self.loaded = loaded
        self.sha = _blob_sha(raw)

    @property
    def manifest(self) -> Any:
        return self.loaded.manifest

    @property
    def src(self) -> Any:
        return self.loaded.source


def _blob_sha(raw: bytes) -> str:
    from ..manifest.edit import blob_sha

    return blob_sha(raw)


def read_doc(path: str, expect_sha: str | None = None, *, for_write: bool = True) -> Doc:
    """Read, check --expect-sha, refuse a manifest that does not validate (MP418, exit 1)."""
    from ..manifest.load import load_from_source
    from ..manifest.source import parse, read_text

    text = read_text(path)  # missing / directory / too large / not UTF-8: located InputErrors
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        raise InputError(Finding("MP010", f"{path}: {exc.strerror}", path)) from None
    # Mode bits too: root may write anywhere, but a file without write bits is read-only on purpose.
    if for_write and (not os.access(path, os.W_OK) or not os.stat(path).st_mode & 0o222):
        raise InputError(Finding("MP011", f"{path} is read-only", path, hint="make it writable (chmod u+w), or pass --dry-run"))
    doc = Doc(path, raw, None)
    _check_sha(doc, expect_sha)
    loaded = load_from_source(parse(text, path))
    if not loaded.ok:
        raise CheckFailed([*loaded.findings, Finding("MP418", f"{path} does not validate; refusing to edit it", path)])
    doc.loaded = loaded
    return doc


def _check_sha(doc: Doc, expect_sha: str | None) -> None:
    if expect_sha is None:
        return
    want = expect_sha.strip().lower()
    if len(want) < 7 or not re.fullmatch(r"[0-9a-f]+", want):
        raise InputError(Finding("MP302", f"--expect-sha {expect_sha!r} is not a git sha (7-40 hex digits)"))
    if not doc.sha.startswith(want):
        raise CheckFailed(
            Finding("MP411", f"{doc.path} changed since the decision was made: its blob sha is {doc.sha}, not {want}", doc.path)
        )


def commit(doc: Doc, edits: Sequence[Any], *, dry_run: bool, as_json: bool, summary: str, extra: dict[str, Any]) -> None:
    """Prove the edit, then write it atomically (or show it); print the result."""
    from ..manifest.edit import edit_diff, splice, verify_edit
    from ..providers.files import in_github_actions, set_outputs, write_atomic

    new_text = splice(doc.src.text, edits)
    after = verify_edit(doc.loaded, new_text, edits)
    if not after.ok:
        raise CheckFailed([*after.findings, Finding("MP412", f"the edit would leave {doc.path} invalid; nothing was written", doc.path)])
    diff = edit_diff(doc.src.text, edits, doc.path)
    bom = b"\xef\xbb\xbf" if doc.raw.startswith(b"\xef\xbb\xbf") else b""
    new_raw = bom + new_text.encode("utf-8")
    new_sha = _blob_sha(new_raw)
    if not dry_run:
        # Last look: another writer may have replaced the file while we decided.
        try:
            with open(doc.path, "rb") as fh:
                now_raw = fh.read()
        except OSError as exc:
            raise InputError(Finding("MP010", f"{doc.path}: {exc.strerror}", doc.path)) from None
        if now_raw != doc.raw:
            raise CheckFailed(Finding("MP411", f"{doc.path} changed while this command ran; nothing was written", doc.path))
        write_atomic(doc.path, (bom.decode("utf-8") if bom else "") + new_text)
    if in_github_actions():
        set_outputs({"changed": "true", "sha": new_sha, "dry_run": str(dry_run).lower()})
    if as_json:
        echo_json({"ok": True, "changed": True, "dry_run": dry_run, "file": doc.path, "sha_before": doc.sha, "sha_after": new_sha,
                   "message": summary, "diff": diff, **extra})
        return
    if dry_run:
        click.echo(diff, nl=False)
        click.echo(f"(dry run) {summary}", err=True)
    else:
        click.echo(summary)


def nothing_to_do(doc: Doc, message: str, as_json: bool, extra: dict[str, Any] | None = None) -> None:
    if as_json:
        echo_json({"ok": True, "changed": False, "file": doc.path, "sha_before": doc.sha, "sha_after": doc.sha, "message": message,
                   "diff": "", **(extra or {})})
    else:
        click.echo(message)


T = TypeVar("T")


def located(path: str, fn: Callable[[], T]) -> T:
    """Run a policy call; its refusals name no file, so point them at the manifest."""
    try:
        return fn()
    except ModelpromoteError as exc:
        exc.findings = [f if f.file else dataclasses.replace(f, file=path) for f in exc.findings]
        raise


def _edit_guard(fn: Callable[[], list[Any]]) -> list[Any]:
    """Turn an :class:`EditError` (layout the editor cannot handle) into a finding, exit 1."""
    from ..manifest.edit import EditError

    try:
        return fn()
    except EditError as exc:
        raise CheckFailed(exc.finding) from None


# -- plan -----------------------------------------------------------------------------------------

_MARK = {"pass": "ok  ", "fail": "FAIL", "skip": "skip", "overridden": "OVRD"}


def render_plan(plan: Any) -> str:
    r = plan.request
    head = "allowed" if plan.allowed else "REFUSED"
    arrow = f"{plan.current or 'nothing'} -> {r.version}"
    lines = [f"plan: {r.model} in {r.env}: {arrow}: {head}"]
    for rule in plan.rules:
        code = f" [{rule.code}]" if rule.code and rule.verdict in ("fail", "overridden") else ""
        lines.append(f"  {_MARK[rule.verdict]}  {rule.name:<12} {rule.message}{code}")
        if rule.verdict == "fail" and rule.hint:
            lines.append(f"        {'':<12} hint: {rule.hint}")
    if plan.allowed and not plan.noop:
        lines.append(f"  approvals required: {plan.approvals}" + (" (includes one extra for the MAJOR change)" if plan.major else ""))
    lines += [f"  note: {n}" for n in plan.notes]
    return "\n".join(lines)


def _plan_findings(plan: Any, path: str) -> list[Finding]:
    return [Finding(x.code or "MP302", x.message, path, hint=x.hint) for x in plan.failures]


def _request(model: str, version: str, env: str, force: bool, reason: str | None, breaking: bool) -> Any:
    from ..policy.plan import PromotionRequest

    _check_name("model", model)
    _check_name("environment", env)
    if force and not reason:
        raise InputError(Finding("MP417", "--force needs --reason: say why a failed version may go again"))
    return PromotionRequest(model, version, env, force=force, reason=reason, breaking=breaking)


def _promotion_options(fn: F) -> F:
    fn = click.option("--breaking", is_flag=True, help="Acknowledge a MAJOR change (new semver major or another base model).")(fn)
    fn = click.option("--force", is_flag=True, help="Promote a version recorded as failed here (needs --reason).")(fn)
    fn = click.option("--reason", metavar="TEXT", help="Why; recorded in the promotions log.")(fn)
    fn = click.option("--to", "env", required=True, metavar="ENV", help="Target environment.")(fn)
    fn = click.argument("version")(fn)
    fn = click.argument("model")(fn)
    return fn


@main.command()
@_promotion_options
@now_option
@manifest_option
@json_option
@handle_errors
def plan(model: str, version: str, env: str, reason: str | None, force: bool, breaking: bool, now_text: str | None,
         manifest_path: str, as_json: bool) -> None:
    """Would promoting MODEL to VERSION in ENV be allowed, and why (not)?

    Every rule is checked and shown with its verdict: the version exists; ENV is on the
    ladder; VERSION is live in ENV's promote_from environment and has been for its soak
    (from the promotions log); its status allows it; it has not failed in ENV; it is not a
    downgrade (that is `rollback`); a MAJOR change is acknowledged with --breaking; no
    freeze window; no hold on the model; no canary in progress in ENV.

    Exit 0 when allowed, 1 when refused, 2 when a name does not exist.

    \b
    Examples:
      modelpromote plan customer-support claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4 --to production
      modelpromote plan code-generator claude-opus-v4.0.0 --to staging --breaking --json
      modelpromote plan code-generator claude-opus-v4.0.0 --to staging --now 2026-07-01T00:00:00Z
    """
    from ..manifest.load import load_manifest
    from ..policy.plan import plan_promotion

    req = _request(model, version, env, force, reason, breaking)
    loaded = load_manifest(manifest_path)
    if not loaded.ok:
        raise CheckFailed([*loaded.findings, Finding("MP418", f"{manifest_path} does not validate; fix it first", manifest_path)])
    assert loaded.manifest is not None
    p = plan_promotion(loaded.manifest, req, parse_time(now_text))
    code = 0 if p.allowed else (2 if p.bad_input else EXIT_FINDINGS)
    if as_json:
        echo_json({"ok": p.allowed, "exit_code": code, "plan": p.to_json()})
    else:
        click.echo(render_plan(p))
    if not p.allowed:
        annotate(_plan_findings(p, manifest_path))
    sys.exit(code)


# -- promote --------------------------------------------------------------------------------------


@main.command()
@_promotion_options
@click.option("--pr", "pr_number", type=click.IntRange(min=1), help="The pull request that carries this change (logged).")
@writer_options
@now_option
@manifest_option
@json_option
@handle_errors
def promote(model: str, version: str, env: str, reason: str | None, force: bool, breaking: bool, pr_number: int | None,
            dry_run: bool, expect_sha: str | None, by: str | None, now_text: str | None, manifest_path: str, as_json: bool) -> None:
    """Apply an allowed plan: set MODEL's ENV pointer to VERSION and log it.

    Refuses (exit 1, nothing written) unless `modelpromote plan` with the same arguments
    allows it.  Writes exactly: the pointer line, one `promotions` entry (model, env, from, to,
    at, by, reason), and, when ENV has a canary policy and a version was live, the model's
    `canary:` state at the first step.  The same promote twice is a no-op.

    \b
    Examples:
      modelpromote promote code-generator claude-opus-v4.0.0 --to staging --breaking --reason "new base model"
      modelpromote promote customer-support claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4 --to staging --dry-run
      modelpromote promote MODEL VERSION --to production --expect-sha "$(git hash-object models/manifest.yaml)"
    """
    from ..manifest.edit import promotion_edits
    from ..policy.plan import plan_promotion

    req = _request(model, version, env, force, reason, breaking)
    doc = read_doc(manifest_path, expect_sha, for_write=not dry_run)
    p = plan_promotion(doc.manifest, req, parse_time(now_text))
    if p.noop and p.allowed:
        nothing_to_do(doc, f"{version} is already live for {model} in {env}; nothing to do", as_json, {"plan": p.to_json()})
        return
    if not p.allowed:
        if not as_json:
            click.echo(render_plan(p), err=True)
        err = InputError if p.bad_input else CheckFailed
        raise err(_plan_findings(p, manifest_path))
    now = parse_time(now_text)
    who = by or default_actor()
    edits = _edit_guard(lambda: promotion_edits(doc.src, model, env, version, current=p.current,
                                                canary_weight=p.canary.weight if p.canary else None,
                                                now=now, by=who, reason=reason, pr=pr_number))
    how = f" as a canary at {p.canary.weight}% (rest on {p.canary.baseline})" if p.canary else ""
    commit(doc, edits, dry_run=dry_run, as_json=as_json,
           summary=f"promoted {model} in {env}: {p.current or 'nothing'} -> {version}{how}", extra={"plan": p.to_json()})


# -- release --------------------------------------------------------------------------------------


@main.command()
@click.argument("base")
@click.option("--bump", type=click.Choice(["major", "minor", "patch", "rc"]), help="Which part goes up (major/minor/patch start at rc.1).")
@click.option("--final", is_flag=True, help="With --bump major|minor|patch: add the final version directly, no rc.")
@click.option("--finalize", "finalize_version", metavar="VERSION", help="Turn this release candidate into its final version.")
@click.option("--changelog", metavar="TEXT", help="What changed.")
@click.option("--digest", metavar="sha256:HEX", help="The artifact digest (must match the rc's when finalizing).")
@click.option("--provider-model", metavar="NAME", help="The name the provider's API is called with (default: the previous version's).")
@writer_options
@now_option
@manifest_option
@json_option
@handle_errors
def release(base: str, bump: str | None, final: bool, finalize_version: str | None, changelog: str | None, digest: str | None,
            provider_model: str | None, dry_run: bool, expect_sha: str | None, by: str | None, now_text: str | None,
            manifest_path: str, as_json: bool) -> None:
    """Add the next version of base model BASE to the catalogue.

    `--bump minor` from claude-3-5-sonnet-v1.2.3 adds claude-3-5-sonnet-v1.3.0-rc.1;
    `--bump rc` then adds -rc.2; `--finalize claude-3-5-sonnet-v1.3.0-rc.2` adds
    claude-3-5-sonnet-v1.3.0 with the same artifact digest.  Duplicates and versions that do
    not increase are refused.  The entry goes among BASE's versions, in the list's own order.

    \b
    Examples:
      modelpromote release claude-3-5-sonnet --bump minor --changelog "better math" --digest sha256:<64 hex>
      modelpromote release claude-3-5-sonnet --bump rc
      modelpromote release claude-3-5-sonnet --finalize claude-3-5-sonnet-v1.3.0-rc.1
    """
    from ..manifest.edit import add_version_edits, catalogue_index
    from ..policy import release as rel
    from ..versions import VersionError, parse_version

    del by  # the catalogue records when, not who; git records who
    try:
        if parse_version(f"{base}-v1.0.0").base != base:
            raise VersionError(base)
    except VersionError:
        raise InputError(Finding("MP416", f"invalid base model name {base!r}", hint="lowercase letters, digits, '.', '-'")) from None
    if digest is not None and not re.fullmatch(r"sha256:[0-9a-f]{64}", digest):
        raise InputError(Finding("MP302", f"--digest {digest!r} is not sha256:<64 lowercase hex digits>"))
    if (bump is None) == (finalize_version is None):
        raise InputError(Finding("MP302", "give exactly one of --bump or --finalize"))
    if final and bump not in ("major", "minor", "patch"):
        raise InputError(Finding("MP302", "--final goes with --bump major|minor|patch"))
    doc = read_doc(manifest_path, expect_sha, for_write=not dry_run)
    now = parse_time(now_text)
    if finalize_version is not None:
        if not _parses(finalize_version) or parse_version(finalize_version).base != base:
            raise InputError(Finding("MP302", f"{finalize_version!r} is not a version of {base}"))
        fv = finalize_version
        entry = located(manifest_path, lambda: rel.finalize(doc.manifest, fv, digest=digest, changelog=changelog, now=now))
    else:
        assert bump is not None
        b = bump
        version = located(manifest_path, lambda: rel.next_version(doc.manifest, base, b, final=final))  # type: ignore[arg-type]
        status = "release_candidate" if "-rc." in version else "dev"
        entry = rel.new_entry(doc.manifest, version, status=status, changelog=changelog or "", digest=digest, now=now,
                              provider_model=provider_model)
    new = str(entry["version"])
    edits = _edit_guard(lambda: add_version_edits(doc.src, entry, catalogue_index(doc.src, new)))
    commit(doc, edits, dry_run=dry_run, as_json=as_json, summary=f"released {new}", extra={"version": new})


def _parses(v: str) -> bool:
    from ..versions import is_version_id

    return is_version_id(v)


# -- rollback -------------------------------------------------------------------------------------


@main.command()
@click.argument("model")
@click.option("--env", "env", required=True, metavar="ENV", help="The environment to roll back.")
@click.option("--to", "to", metavar="VERSION", help="Go to this version (default: the previous verified one).")
@click.option("--reason", required=True, metavar="TEXT", help="Why; recorded in the log and on the hold.")
@click.option("--no-hold", is_flag=True, help="Do not place a hold on the model (default: hold until a person clears it).")
@writer_options
@now_option
@manifest_option
@json_option
@handle_errors
def rollback(model: str, env: str, to: str | None, reason: str, no_hold: bool, dry_run: bool, expect_sha: str | None, by: str | None,
             now_text: str | None, manifest_path: str, as_json: bool) -> None:
    """Put MODEL in ENV back on an earlier, verified version.

    Default target: a running canary's baseline, else the most recent version that was fully
    live in ENV (promotions log), else the first usable version of the fallback chain.  The
    change is logged with kind: rollback (health never rolls back a rollback), any canary in ENV
    is cleared, and a hold stops automatic promotion until `modelpromote hold MODEL --clear`.
    Allowed during freeze windows.

    \b
    Examples:
      modelpromote rollback customer-support --env staging --reason "error rate 4%"
      modelpromote rollback customer-support --env production --to claude-3-5-sonnet-v1.2.3 --reason "bad answers" --dry-run
    """
    from ..manifest.edit import rollback_edits
    from ..policy.rollback import plan_rollback

    _check_name("model", model)
    _check_name("environment", env)
    if not reason.strip():
        raise InputError(Finding("MP417", "--reason must say why"))
    doc = read_doc(manifest_path, expect_sha, for_write=not dry_run)
    rb = located(manifest_path, lambda: plan_rollback(doc.manifest, model, env, to))
    now = parse_time(now_text)
    edits = _edit_guard(lambda: rollback_edits(doc.src, model, env, current=rb.current, target=rb.target, now=now,
                                               by=by or default_actor(), reason=reason, hold=not no_hold))
    held = "" if no_hold else f"; {model} is on hold until `modelpromote hold {model} --clear`"
    commit(doc, edits, dry_run=dry_run, as_json=as_json,
           summary=f"rolled back {model} in {env}: {rb.current} -> {rb.target} ({rb.source}){held}", extra={"rollback": rb.to_json()})


# -- fail -----------------------------------------------------------------------------------------


@main.command()
@click.argument("model")
@click.argument("version")
@click.option("--env", "env", required=True, metavar="ENV", help="Where the promotion failed.")
@click.option("--gate", required=True, metavar="NAME", help="What said no (e.g. eval, approval, health).")
@click.option("--report", metavar="URL", help="Where the evidence is.")
@click.option("--reason", metavar="TEXT", help="A short why.")
@writer_options
@now_option
@manifest_option
@json_option
@handle_errors
def fail(model: str, version: str, env: str, gate: str, report: str | None, reason: str | None, dry_run: bool, expect_sha: str | None,
         by: str | None, now_text: str | None, manifest_path: str, as_json: bool) -> None:
    """Record that VERSION failed a gate for MODEL in ENV.

    `plan` then refuses that version in ENV until a new version is released, or `--force
    --reason` overrides it.  Recording the same failure twice is a no-op.

    \b
    Example:
      modelpromote fail customer-support claude-3-5-sonnet-v1.3.0-rc.1_prompt-v4 --env production --gate eval --report https://ci/run/1
    """
    from ..manifest.edit import failure_edits
    from ..versions import VersionError, parse_version

    del by
    _check_name("model", model)
    _check_name("environment", env)
    doc = read_doc(manifest_path, expect_sha, for_write=not dry_run)
    m = doc.manifest
    if m.model(model) is None:
        raise InputError(Finding("MP301", f"no model {model!r} in {manifest_path}"))
    if m.env(env) is None:
        raise InputError(Finding("MP204", f"no environment {env!r} on the ladder"))
    try:
        mv = parse_version(version).model_version
    except VersionError as exc:
        raise InputError(Finding("MP201", str(exc))) from None
    if mv not in m.catalogue():
        raise InputError(Finding("MP203", f"{mv} is not in version_history"))
    if any(f.model == model and f.env == env and f.version == version and f.gate == gate for f in m.failures):
        nothing_to_do(doc, f"{version} is already recorded as failed ({gate}) for {model} in {env}", as_json)
        return
    now = parse_time(now_text)
    edits = _edit_guard(lambda: failure_edits(doc.src, model, version, env, gate=gate, now=now, report=report, reason=reason))
    commit(doc, edits, dry_run=dry_run, as_json=as_json, summary=f"recorded: {version} failed {gate} for {model} in {env}", extra={})


# -- retire ---------------------------------------------------------------------------------------


@main.command()
@writer_options
@now_option
@manifest_option
@json_option
@handle_errors
def retire(dry_run: bool, expect_sha: str | None, by: str | None, now_text: str | None, manifest_path: str, as_json: bool) -> None:
    """Mark old, unused catalogue versions retired.

    Kept: anything a pointer, canary, A/B control, shadow or fallback names; the current and
    previous version of every model in every environment; anything younger than
    policies.retention (default 30d).  Never retires anything live.  Use --dry-run first.

    \b
    Examples:
      modelpromote retire --dry-run
      modelpromote retire --json
    """
    from ..manifest.edit import status_edits
    from ..policy.retention import retention_plan

    del by
    doc = read_doc(manifest_path, expect_sha, for_write=not dry_run)
    rp = retention_plan(doc.manifest, parse_time(now_text))
    if not rp.retire:
        nothing_to_do(doc, "nothing to retire", as_json, {"retired": []})
        return
    edits = _edit_guard(lambda: [e for v in rp.retire for e in status_edits(doc.src, v, "retired")])
    commit(doc, edits, dry_run=dry_run, as_json=as_json, summary=f"retired {len(rp.retire)} version(s): {', '.join(rp.retire)}",
           extra={"retired": rp.retire})


# -- hold -----------------------------------------------------------------------------------------


@main.command()
@click.argument("model")
@click.option("--env", "env", metavar="ENV", help="Hold only this environment (default: every environment).")
@click.option("--reason", metavar="TEXT", help="Why (required unless --clear).")
@click.option("--clear", is_flag=True, help="Lift the hold.")
@writer_options
@now_option
@manifest_option
@json_option
@handle_errors
def hold(model: str, env: str | None, reason: str | None, clear: bool, dry_run: bool, expect_sha: str | None, by: str | None,
         now_text: str | None, manifest_path: str, as_json: bool) -> None:
    """Stop (or, with --clear, resume) automatic promotion of MODEL.

    A rollback places a hold; `plan` refuses promotions of a held model until a person clears it.

    \b
    Examples:
      modelpromote hold customer-support --env production --reason "investigating latency"
      modelpromote hold customer-support --clear
    """
    from ..manifest.edit import clear_hold_edits, hold_edits

    _check_name("model", model)
    _check_name("environment", env)
    if clear and (reason or env):
        raise InputError(Finding("MP302", "--clear takes no --reason or --env"))
    if not clear and not (reason and reason.strip()):
        raise InputError(Finding("MP417", "a hold needs --reason"))
    doc = read_doc(manifest_path, expect_sha, for_write=not dry_run)
    m = doc.manifest
    mod = m.model(model)
    if mod is None:
        raise InputError(Finding("MP301", f"no model {model!r} in {manifest_path}"))
    if env is not None and m.env(env) is None:
        raise InputError(Finding("MP204", f"no environment {env!r} on the ladder"))
    if clear:
        if mod.hold is None:
            nothing_to_do(doc, f"{model} is not on hold", as_json)
            return
        edits = _edit_guard(lambda: clear_hold_edits(doc.src, model))
        commit(doc, edits, dry_run=dry_run, as_json=as_json, summary=f"cleared the hold on {model}", extra={})
        return
    assert reason is not None
    edits = _edit_guard(lambda: hold_edits(doc.src, model, reason=reason, at=parse_time(now_text), by=by or default_actor(), env=env))
    commit(doc, edits, dry_run=dry_run, as_json=as_json, summary=f"{model} is on hold" + (f" in {env}" if env else ""), extra={})
