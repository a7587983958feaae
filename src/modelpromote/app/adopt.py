"""``modelpromote init``: adopt modelpromote in a repository that already runs models.

Writes (or takes over) the manifest, logs the current pointers as ``adopt`` entries, sets owners,
writes the workflows pinned to a modelpromote release, and optionally records the current state
as GitHub Deployments so ``drift`` starts green.  Every step compares before it writes, so a re-run
changes nothing; a dry run writes nothing and reports the same plan.
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from ..errors import CheckFailed, Finding, InputError
from .ports import GitHubPort

WORKFLOWS = ("promote-model.yml", "promotion-gate.yml", "promotion-review.yml", "deploy-on-merge.yml", "health.yml")


@dataclass
class FileAction:
    path: str
    action: str  # "create" | "update" | "unchanged"
    diff: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"path": self.path, "action": self.action}


@dataclass
class AdoptResult:
    dry_run: bool
    files: list[FileAction] = field(default_factory=list)
    log_entries: list[dict[str, Any]] = field(default_factory=list)
    owners_set: list[str] = field(default_factory=list)
    deployments: list[dict[str, Any]] = field(default_factory=list)
    pinned: str = ""

    @property
    def changed(self) -> bool:
        return any(f.action != "unchanged" for f in self.files) or any(d.get("created") for d in self.deployments)

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": True,
            "changed": self.changed,
            "dry_run": self.dry_run,
            "files": [f.to_json() for f in self.files],
            "log_entries": self.log_entries,
            "owners_set": self.owners_set,
            "deployments": self.deployments,
            "actions_ref": self.pinned,
        }


@dataclass(frozen=True)
class AdoptRequest:
    root: str  # the repository's working tree
    manifest_path: str  # relative to root
    from_path: str | None
    models: Mapping[str, Mapping[str, str]]  # --model/--live: name -> {env: version}
    ladder: Sequence[str]
    owners: Sequence[str]
    at: datetime
    by: str | None
    actions_ref: str
    actions_sha: str | None
    workflows: bool
    force: bool
    dry_run: bool


def workflow_sources() -> Path:
    """This modelpromote's workflows: the source checkout's .github/workflows, else the packaged copy."""
    here = Path(__file__).resolve()
    for base in here.parents:
        cand = base / ".github" / "workflows"
        if (base / "pyproject.toml").is_file() and all((cand / w).is_file() for w in WORKFLOWS):
            return cand
    return here.parent.parent / "data" / "workflows"


def adopt(req: AdoptRequest, gh: GitHubPort | None = None) -> AdoptResult:
    from ..manifest.changes import Adopt, SetOwners, apply
    from ..manifest.load import load_text
    from ..policy.adopt import adopt_changes, check_version_ids, manifest_from_flags, pin_workflow, promotable
    from ..providers.files import write_atomic

    res = AdoptResult(req.dry_run, pinned=f"{req.actions_sha} # {req.actions_ref}" if req.actions_sha else req.actions_ref)
    target = os.path.join(req.root, req.manifest_path)
    planned: list[tuple[str, str, str | None]] = []  # (path, new text, old text)

    # -- the manifest --------------------------------------------------------------------------------
    old = _read(target)
    if req.from_path is not None:
        base_text = _read(req.from_path)
        if base_text is None:
            raise InputError(Finding("MP001", f"--from {req.from_path}: no such file", req.from_path))
        if old is not None and old != base_text and _already_adopted(old) and not req.force:
            base_text = old  # a re-run: the manifest was adopted from --from before
        elif old is not None and old != base_text and not req.force:
            raise InputError(
                Finding(
                    "MP311",
                    f"{req.manifest_path} exists and differs from --from {req.from_path}",
                    target,
                    hint="drop --from to adopt the existing manifest, or pass --force to replace it",
                )
            )
    elif old is not None:
        if req.models:
            raise InputError(
                Finding(
                    "MP311",
                    f"{req.manifest_path} exists; --model describes a new one",
                    target,
                    hint="drop --model/--live to adopt the existing manifest",
                )
            )
        base_text = old
    else:
        if not req.models:
            raise InputError(Finding("MP312", f"no {req.manifest_path} to adopt and no models given"))
        bad = check_version_ids(req.models)
        if bad:
            raise InputError([Finding("MP201", f"--live {env}={v} (model {name}): not a version id") for name, env, v in bad])
        unknown = sorted({e for p in req.models.values() for e in p} - set(req.ladder))
        if unknown:
            raise InputError(
                Finding(
                    "MP204",
                    f"--live names {', '.join(unknown)}, not on the ladder {', '.join(req.ladder)}",
                    hint="pass --ladder dev,staging,production with every environment you use",
                )
            )
        base_text = manifest_from_flags(req.models, req.ladder, req.owners)
    loaded = load_text(base_text, target)
    if not loaded.ok or loaded.manifest is None:
        what = req.from_path or target
        raise CheckFailed([*loaded.findings, Finding("MP418", f"{what} does not validate; fix it (or `migrate` it) first")])
    todo = adopt_changes(loaded.manifest, at=req.at, by=req.by, owners=req.owners)
    new_text = apply(base_text, target, todo) if todo else base_text
    after = load_text(new_text, target)
    if not after.ok or after.manifest is None:
        raise CheckFailed([*after.findings, Finding("MP412", "adopting would leave the manifest invalid; nothing was written", target)])
    res.log_entries = [{"model": c.model, "env": c.env, "version": c.version} for c in todo if isinstance(c, Adopt)]
    res.owners_set = [c.model for c in todo if isinstance(c, SetOwners)]
    planned.append((target, new_text, old))

    # -- the workflows -------------------------------------------------------------------------------
    if req.workflows:
        src = workflow_sources()
        for name in WORKFLOWS:
            text = pin_workflow(
                (src / name).read_text(encoding="utf-8"), ref=req.actions_ref, sha=req.actions_sha, environments=promotable(after.manifest)
            )
            path = os.path.join(req.root, ".github", "workflows", name)
            cur = _read(path)
            if cur is not None and cur != text and not req.force and "modelpromote/modelpromote/actions/" not in cur:
                raise InputError(
                    Finding(
                        "MP311",
                        f"{path} exists and was not written by `modelpromote init`",
                        path,
                        hint="move it aside, or pass --force to replace it",
                    )
                )
            planned.append((path, text, cur))

    for path, text, cur in planned:
        rel = os.path.relpath(path, req.root)
        if cur == text:
            res.files.append(FileAction(rel, "unchanged"))
            continue
        diff = "".join(difflib.unified_diff((cur or "").splitlines(True), text.splitlines(True), f"a/{rel}", f"b/{rel}"))
        res.files.append(FileAction(rel, "create" if cur is None else "update", diff))
        if not req.dry_run:
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            write_atomic(path, text)

    # -- GitHub deployments ----------------------------------------------------------------------------
    if gh is not None:
        res.deployments = record_deployments(gh, req.manifest_path, after.manifest, dry_run=req.dry_run)
    return res


def record_deployments(gh: GitHubPort, manifest_path: str, m: Any, *, dry_run: bool) -> list[dict[str, Any]]:
    """What is live, recorded as delivered GitHub Deployments (``deploy --record-only``; no webhook).

    Adopting changes no pointer, so the default branch's manifest (what runs) is what gets recorded;
    what is recorded already is found and not created again.  A dry run lists what the manifest
    would need, touching nothing.
    """
    from ..policy.deploy import deployment_requests
    from .deploy import deploy

    if dry_run:
        return [{**r.to_json(), "deployment_id": None, "created": False} for r in deployment_requests(None, m)]
    result = deploy(gh, manifest_path, None, webhook_url=None, secret=None, webhook_timeout=10.0, record_only=True)
    return [dict(d) for d in result.deployments]


def _read(path: str) -> str | None:
    try:
        with open(path, encoding="utf-8", newline="") as fh:
            return fh.read()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(Finding("MP010", f"{path}: {exc.strerror}", path)) from None


def _already_adopted(text: str) -> bool:
    """An earlier ``init`` wrote this manifest (it logs ``adopt`` entries): a re-run adopts it, not ``--from`` again."""
    from ..manifest.load import load_text

    m = load_text(text, "manifest").manifest
    return m is not None and any(p.kind == "adopt" for p in m.promotions)
