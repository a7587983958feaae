"""What a manifest change needs before it may merge: every difference gets a rule.

Pure: ``classify(base, head, prompt_files) -> list[Part]``.  The approval gate judges promotion and
health pull requests by recomputing them exactly (:mod:`.plan`, :mod:`.health_change`); everything
else a pull request can do to the manifest is classified here, part by part, and each part needs
its own approvals from the owners of the models it touches (judged against the *base*, so a pull
request cannot name its own owners):

=====================  =====================================================  ===================
part                   what changed                                           approvals
=====================  =====================================================  ===================
``safety``             a hold set, a failure recorded, a version marked        none: anyone who
                       failed/deprecated/retired (only makes things safer)     may push may stop
``release``            a new version or prompt version (not live anywhere)     1, any writer /
                                                                               the model's owners
``settings``           config, experiments or shadow of a model in ENV         ENV's approvals
``pointer``            what a model runs in ENV, not through a promote/ or     ENV's (at least 1)
                       health branch (a hand-made rollback, say)
``hold-clear``         a hold lifted                                           the model's strictest
``model``              owners, fallbacks, a model added or removed             the model's strictest
``catalogue``          a version or prompt that is live somewhere edited       strictest where live
``policy``             the ladder, policies, external models, the log          the strictest of all
                       rewritten (not appended)
=====================  =====================================================  ===================

"Strictest" is the largest ``approvals`` of the environments concerned, and never less than one.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from ..manifest.schema import Manifest, Model
from ..versions import VersionError, parse_version

SAFE_STATUSES = frozenset({"failed", "deprecated", "retired"})


@dataclass(frozen=True)
class Part:
    kind: str
    what: str
    required: int
    owners_of: tuple[str, ...]  # the models whose owners may approve; () or ownerless: any writer

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "what": self.what, "required": self.required, "owners_of": list(self.owners_of)}


def _approvals(m: Manifest, envs: Iterable[str]) -> int:
    return max((e.approvals for e in m.environments if e.name in set(envs)), default=0)


def _strictest(m: Manifest, envs: Iterable[str] | None = None) -> int:
    names = [e.name for e in m.environments] if envs is None else list(envs)
    return max(1, _approvals(m, names))


def _dump(v: Any) -> Any:
    if hasattr(v, "model_dump"):
        return v.model_dump(mode="json", by_alias=True)
    if isinstance(v, list):
        return [_dump(x) for x in v]
    if isinstance(v, dict):
        return {k: _dump(x) for k, x in v.items()}
    return v


def _ref(ref: str) -> tuple[str, int | None]:
    """(catalogue version, prompt number) of a pointer; an external model is its own name."""
    try:
        v = parse_version(ref)
    except VersionError:
        return ref, None
    return v.model_version, v.prompt


def _live_envs(model: Model) -> set[str]:
    return set(model.environments) | set(model.canary) | set(model.experiments) | set(model.shadow)


def _where_live(m: Manifest, version: str) -> dict[str, set[str]]:
    """model -> environments whose pointer, canary baseline, control, shadow or fallback uses ``version``."""
    out: dict[str, set[str]] = {}
    for model in m.models:
        envs = {e for e, ref in model.environments.items() if _ref(ref)[0] == version}
        envs |= {e for e, c in model.canary.items() if _ref(c.baseline)[0] == version}
        envs |= {e for e, x in model.experiments.items() if _ref(x.control)[0] == version}
        envs |= {e for e, ref in model.shadow.items() if _ref(ref)[0] == version}
        if any(_ref(f)[0] == version for f in model.fallbacks):
            envs |= set(model.environments)
        if envs:
            out[model.name] = envs
    return out


def _prompt_envs(model: Model, n: int) -> set[str]:
    return {e for e, ref in model.environments.items() if _ref(ref)[1] == n}


def _kept(base: Sequence[Any], head: Sequence[Any]) -> bool:
    """Every base entry is still in head, in the same order (writers insert by time, never drop)."""
    rest = iter(_dump(list(head)))
    return all(any(entry == h for h in rest) for entry in _dump(list(base)))


def _model_parts(base: Manifest, b: Model | None, h: Model | None, name: str) -> list[Part]:
    if b is None:
        assert h is not None
        return [Part("model", f"new model {name}", _strictest(base, h.environments), ())]
    strict = _strictest(base, _live_envs(b))
    if h is None:
        return [Part("model", f"removal of {name}", strict, (name,))]
    parts: list[Part] = []
    if b.owners != h.owners:
        parts.append(Part("model", f"the owners of {name}", strict, (name,)))
    if b.fallbacks != h.fallbacks:
        parts.append(Part("model", f"the fallbacks of {name}", strict, (name,)))
    if b.description != h.description:
        parts.append(Part("safety", f"the description of {name}", 0, (name,)))
    for field, label in (("config", "settings"), ("experiments", "experiment"), ("shadow", "shadow")):
        bv, hv = _dump(getattr(b, field)), _dump(getattr(h, field))
        for env in sorted(set(bv) | set(hv)):
            if bv.get(env) != hv.get(env):
                parts.append(Part("settings", f"the {label} of {name} in {env}", _approvals(base, [env]), (name,)))
    bp = {e: (b.environments.get(e), _dump(b.canary.get(e))) for e in set(b.environments) | set(b.canary)}
    hp = {e: (h.environments.get(e), _dump(h.canary.get(e))) for e in set(h.environments) | set(h.canary)}
    for env in sorted(set(bp) | set(hp)):
        if bp.get(env) != hp.get(env):
            parts.append(
                Part("pointer", f"what {name} runs in {env} (by hand, not a promote/ or health branch)", _strictest(base, [env]), (name,))
            )
    if b.hold is not None and h.hold is None:
        envs = [b.hold.env] if b.hold.env else list(_live_envs(b))
        parts.append(Part("hold-clear", f"lifting the hold on {name}", _strictest(base, envs), (name,)))
    elif _dump(b.hold) != _dump(h.hold):
        parts.append(Part("safety", f"a hold on {name}", 0, (name,)))
    return parts


def _catalogue_parts(base: Manifest, head: Manifest) -> list[Part]:
    parts: list[Part] = []
    bc, hc = base.catalogue(), head.catalogue()
    for v in sorted(set(bc) | set(hc)):
        b, h = bc.get(v), hc.get(v)
        if _dump(b) == _dump(h):
            continue
        live = _where_live(base, v)
        owners = tuple(sorted(live))
        if b is None:
            parts.append(Part("release", f"the new version {v}", 1, ()))
        elif h is not None and _dump(b.model_copy(update={"status": h.status})) == _dump(h) and h.status in SAFE_STATUSES:
            parts.append(Part("safety", f"{v} marked {h.status}", 0, owners))
        elif live:
            envs = set().union(*live.values())
            parts.append(Part("catalogue", f"the entry of {v}, live in {', '.join(sorted(envs))}", _strictest(base, envs), owners))
        else:
            parts.append(Part("release", f"the entry of {v} (live nowhere)", 1, ()))
    bp, hp = base.prompts or {}, head.prompts or {}
    for model in sorted(set(bp) | set(hp)):
        bl = {p.version: p for p in bp.get(model, [])}
        hl = {p.version: p for p in hp.get(model, [])}
        m = base.model(model)
        for n in sorted(set(bl) | set(hl)):
            if _dump(bl.get(n)) == _dump(hl.get(n)):
                continue
            envs = _prompt_envs(m, n) if m is not None else set()
            if n not in bl:
                parts.append(Part("release", f"prompt v{n} of {model}", 1, (model,)))
            elif envs:
                parts.append(
                    Part("catalogue", f"prompt v{n} of {model}, live in {', '.join(sorted(envs))}", _strictest(base, envs), (model,))
                )
            else:
                parts.append(Part("release", f"prompt v{n} of {model} (live nowhere)", 1, (model,)))
    return parts


def _prompt_file_parts(base: Manifest, head: Manifest, files: Sequence[str], models_dir: str) -> list[Part]:
    """A prompt file changed while its catalogue entry did not: the text under a digest moved."""
    parts: list[Part] = []
    # Catalogue paths are relative to the manifest's folder.
    entries = {posixpath.normpath(f"{models_dir}/{p.file}"): (model, p) for model, ps in (head.prompts or {}).items() for p in ps}
    prompts_dir = f"{models_dir}/prompts"
    base_entries = {(model, p.version): p for model, ps in (base.prompts or {}).items() for p in ps}
    for path in files:
        hit = entries.get(path)
        if hit is None and not path.startswith(prompts_dir + "/"):
            continue
        if hit is None:
            parts.append(Part("release", f"{path} (no catalogue entry names it)", 1, ()))
            continue
        model, p = hit
        old = base_entries.get((model, p.version))
        if old is not None and old.sha256 == p.sha256:
            m = base.model(model)
            envs = _prompt_envs(m, p.version) if m is not None else set()
            parts.append(
                Part(
                    "catalogue",
                    f"the text of prompt v{p.version} of {model} (its sha256 unchanged)",
                    _strictest(base, envs or None),
                    (model,),
                )
            )
    return parts


def classify(base: Manifest, head: Manifest, files: Sequence[str] = (), models_dir: str = "models") -> list[Part]:
    """Every part of the change from ``base`` to ``head`` with the approvals it needs (empty: nothing changed)."""
    parts: list[Part] = []
    everyone = tuple(m.name for m in base.models)
    for field, label in (
        ("schema_version", "the schema version"),
        ("environments", "the promotion ladder"),
        ("policies", "the policies"),
        ("external_models", "the external models"),
    ):
        if _dump(getattr(base, field)) != _dump(getattr(head, field)):
            parts.append(Part("policy", label, _strictest(base), everyone))
    if not _kept(base.promotions, head.promotions):
        parts.append(Part("policy", "rewriting the promotions log (entries may only be added)", _strictest(base), everyone))
    if not _kept(base.failures, head.failures):
        parts.append(Part("policy", "rewriting the failure records (records may only be added)", _strictest(base), everyone))
    elif len(head.failures) > len(base.failures):
        parts.append(Part("safety", f"{len(head.failures) - len(base.failures)} failure record(s)", 0, ()))
    bm, hm = {m.name: m for m in base.models}, {m.name: m for m in head.models}
    for name in sorted(set(bm) | set(hm)):
        parts += _model_parts(base, bm.get(name), hm.get(name), name)
    parts += _catalogue_parts(base, head)
    parts += _prompt_file_parts(base, head, files, models_dir)
    return parts
