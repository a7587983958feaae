"""The manifest's own edits: typed changes (a promotion, a rollback, a hold, ...) turned into splices.

A use case decides *what* changes (with :mod:`modelpromote.policy`), describes it as one of the
:data:`Change` values below, and this module works out *where* in the text it goes, in the style
of the surrounding lines (:mod:`modelpromote.manifest.yaml_splice`).  Nothing here checks whether a
change is allowed or writes files; :func:`modelpromote.manifest.verify.verify_edit` proves the
result afterwards.

Two entry points: :func:`edits` takes an already parsed :class:`Source` (parsing a 20,000-version
manifest costs about a second, so a local writer parses once), :func:`apply` takes text and
returns text (for the GitHub flows, which hold text).
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..errors import Finding
from .source import Source, parse
from .yaml_splice import NULL, Edit, EditError, content_end, flow_mapping, insert_item, newline, remove_key, set_value, splice, yaml_scalar

# -- the changes ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Promote:
    """Point ``model``/``env`` at ``version`` and log it; with ``canary_weight`` (and a version live) start a canary."""

    model: str
    env: str
    version: str
    current: str | None
    at: datetime
    by: str | None
    reason: str | None
    canary_weight: int | None = None
    pr: int | None = None


@dataclass(frozen=True)
class Rollback:
    """Point ``model``/``env`` back at ``target``, clear its canary, log ``kind: rollback``, and (by default) hold the model."""

    model: str
    env: str
    current: str
    target: str
    at: datetime
    by: str | None
    reason: str
    hold: bool = True


@dataclass(frozen=True)
class RecordFailure:
    model: str
    version: str
    env: str
    gate: str
    at: datetime
    report: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class SetHold:
    model: str
    reason: str
    at: datetime
    by: str | None
    env: str | None = None


@dataclass(frozen=True)
class ClearHold:
    model: str


@dataclass(frozen=True)
class SetStatus:
    version: str
    status: str


@dataclass(frozen=True)
class AddVersion:
    """A catalogue entry, in the manifest's key order; it goes among its base model's versions."""

    entry: Mapping[str, Any] = field(hash=False)

    @property
    def version(self) -> str:
        return str(self.entry["version"])


@dataclass(frozen=True)
class AddPrompt:
    """A prompt catalogue entry for ``model``; it goes among the model's prompts, in the list's own order."""

    model: str
    entry: Mapping[str, Any] = field(hash=False)


@dataclass(frozen=True)
class CanaryStep:
    """Move a running canary to ``weight`` (step index ``step``), keeping its baseline and start."""

    model: str
    env: str
    weight: int
    step: int
    at: datetime


@dataclass(frozen=True)
class CompleteCanary:
    """The canary reached 100 %: clear its state and log ``kind: complete`` (the soak clock starts)."""

    model: str
    env: str
    at: datetime
    by: str | None
    reason: str | None = None


Change = Promote | Rollback | RecordFailure | SetHold | ClearHold | SetStatus | AddVersion | AddPrompt | CanaryStep | CompleteCanary


def edits(src: Source, changes: Sequence[Change]) -> list[Edit]:
    """The splices of ``changes``, all computed on one parse of the text (they must not overlap)."""
    out: list[Edit] = []
    for c in changes:
        out += edits_for(src, c)
    return out


def apply(text: str, path: str, changes: Sequence[Change]) -> str:
    """Text in, text out: each change on the text the previous one left."""
    for c in changes:
        text = splice(text, edits_for(parse(text, path), c))
    return text


def edits_for(src: Source, c: Change) -> list[Edit]:
    if isinstance(c, Promote):
        out = pointer_edits(src, c.model, c.env, c.version)
        kind = "promote"
        if c.canary_weight is not None and c.current is not None:
            out += canary_edits(src, c.model, c.env, baseline=c.current, weight=c.canary_weight, step=0, started_at=c.at)
            kind = "canary"
        entry = promotion_entry(c.model, c.env, c.current, c.version, c.at, c.by, c.reason, kind=kind, pr=c.pr)
        return out + append_log(src, "promotions", entry)
    if isinstance(c, Rollback):
        out = pointer_edits(src, c.model, c.env, c.target)
        out += clear_canary_edits(src, c.model, c.env)
        out += append_log(src, "promotions", promotion_entry(c.model, c.env, c.current, c.target, c.at, c.by, c.reason, kind="rollback"))
        if c.hold:
            out += hold_edits(src, c.model, reason=f"rolled back {c.env} from {c.current}: {c.reason}", at=c.at, by=c.by, env=c.env)
        return out
    if isinstance(c, RecordFailure):
        entry = {"model": c.model, "version": c.version, "env": c.env, "at": c.at, "gate": c.gate, "report": c.report, "reason": c.reason}
        return append_log(src, "failures", entry)
    if isinstance(c, SetHold):
        return hold_edits(src, c.model, reason=c.reason, at=c.at, by=c.by, env=c.env)
    if isinstance(c, ClearHold):
        return clear_hold_edits(src, c.model)
    if isinstance(c, SetStatus):
        return status_edits(src, c.version, c.status)
    if isinstance(c, AddVersion):
        return add_version_edits(src, c.entry, catalogue_index(src, c.version))
    if isinstance(c, AddPrompt):
        return add_prompt_edits(src, c.model, c.entry)
    if isinstance(c, CanaryStep):
        state = _canary_state(src, c.model, c.env)
        return canary_edits(src, c.model, c.env, baseline=state["baseline"], weight=c.weight, step=c.step,
                            started_at=_as_time(state["started_at"]), updated_at=c.at)
    i = model_index(src, c.model)
    version = src.data["models"][i]["environments"][c.env]
    state = src.data["models"][i].get("canary", {}).get(c.env) or {}
    entry = promotion_entry(c.model, c.env, state.get("baseline"), version, c.at, c.by, c.reason, kind="complete")
    return [*clear_canary_edits(src, c.model, c.env), *append_log(src, "promotions", entry)]


def _canary_state(src: Source, model: str, env: str) -> dict[str, Any]:
    state = src.data["models"][model_index(src, model)].get("canary", {}).get(env)
    if not isinstance(state, dict):
        raise EditError(Finding("MP413", f"no canary in progress for {model} in {env}", src.path))
    return state


# -- where things go ------------------------------------------------------------------------------

def model_index(src: Source, model: str) -> int:
    for i, m in enumerate(src.data.get("models") or []):
        if isinstance(m, dict) and m.get("name") == model:
            return i
    raise EditError(Finding("MP301", f"no model {model!r} in {src.path}", src.path))


def version_index(src: Source, version: str) -> int:
    for i, v in enumerate(src.data.get("version_history") or []):
        if isinstance(v, dict) and v.get("version") == version:
            return i
    raise EditError(Finding("MP203", f"no version {version!r} in version_history", src.path))


def log_position(entries: Sequence[Any], model: str) -> int:
    """Where a new log entry for ``model`` goes: right after that model's last entry.

    Why not at the end: two branches that each append at the end of one list change the same
    place, and git reports a conflict.  Grouping by model makes promotions of different models
    touch different places in the list (at least one unchanged line apart), so they merge
    cleanly; within a model the log stays chronological.  A model without entries goes after
    the last entry of the closest model name before it (or first), which keeps first
    promotions of different new models apart too, unless their names are neighbours.
    """
    last = {}
    for i, e in enumerate(entries):
        if isinstance(e, dict) and isinstance(e.get("model"), str):
            last[e["model"]] = i
    if model in last:
        return last[model] + 1
    before = [name for name in last if name < model]
    if before:
        return last[max(before)] + 1
    return 0 if last else len(entries)


def append_log(src: Source, section: str, entry: Mapping[str, Any]) -> list[Edit]:
    """Add an entry to ``promotions`` or ``failures``, grouped by model (see :func:`log_position`)."""
    if section not in src.data:
        nl = newline(src.text)
        sep = "" if src.text.endswith(("\n", "\r")) or not src.text else nl
        return [Edit(len(src.text), len(src.text), f"{sep}{section}:{nl}  - {flow_mapping(entry)}{nl}", section)]
    entries = src.data.get(section)
    if not isinstance(entries, list):
        raise EditError(src.finding("MP413", f"{section} is not a list", (section,)))
    pos = log_position(entries, str(entry.get("model")))
    return insert_item(src, (section,), entry, pos)


def promotion_entry(
    model: str,
    env: str,
    from_: str | None,
    to: str,
    at: datetime,
    by: str | None,
    reason: str | None,
    *,
    kind: str = "promote",
    pr: int | None = None,
) -> dict[str, Any]:
    """One ``promotions`` entry in the manifest's key order (``from: null`` is written out)."""
    entry: dict[str, Any] = {"model": model, "env": env, "from": NULL if from_ is None else from_, "to": to, "at": at}
    entry.update({"by": by, "reason": reason, "pr": pr})
    if kind != "promote":
        entry["kind"] = kind
    return entry


def pointer_edits(src: Source, model: str, env: str, version: str) -> list[Edit]:
    i = model_index(src, model)
    return set_value(src, ("models", i, "environments", env), yaml_scalar(version))


def canary_edits(src: Source, model: str, env: str, *, baseline: str, weight: int, step: int, started_at: datetime,
                 updated_at: datetime | None = None) -> list[Edit]:
    """Write (or overwrite) ``canary: {<env>: {baseline, weight, step, started_at}}`` on the model."""
    i = model_index(src, model)
    state = {"baseline": baseline, "weight": weight, "step": step, "started_at": started_at, "updated_at": updated_at}
    return set_value(src, ("models", i, "canary", env), flow_mapping(state))


def clear_canary_edits(src: Source, model: str, env: str) -> list[Edit]:
    i = model_index(src, model)
    return remove_key(src, ("models", i, "canary", env))


def hold_edits(src: Source, model: str, *, reason: str, at: datetime, by: str | None, env: str | None) -> list[Edit]:
    i = model_index(src, model)
    return set_value(src, ("models", i, "hold"), flow_mapping({"reason": reason, "at": at, "by": by, "env": env}))


def clear_hold_edits(src: Source, model: str) -> list[Edit]:
    i = model_index(src, model)
    return remove_key(src, ("models", i, "hold"), prune=False)


def status_edits(src: Source, version: str, status: str) -> list[Edit]:
    i = version_index(src, version)
    return set_value(src, ("version_history", i, "status"), yaml_scalar(status))


def catalogue_position(entries: Sequence[Any], new_key: Any, key_of: Any) -> int:
    """Where a new catalogue entry goes: among its base model's versions, in the list's own order.

    The example lists newest first; some teams list oldest first.  We keep whichever order the
    base's entries already follow; a base with no entries goes first (newest-first lists) or last.
    """
    keyed = [(i, key_of(e)) for i, e in enumerate(entries)]
    same: list[tuple[int, Any]] = [(i, k) for i, k in keyed if k is not None and k[0] == new_key[0]]
    newest_first = _newest_first(entries, key_of)
    if not same:
        return 0 if newest_first else len(entries)
    if newest_first:
        for i, k in same:
            if k < new_key:
                return int(i)
        return int(same[-1][0]) + 1
    for i, k in reversed(same):
        if k < new_key:
            return int(i) + 1
    return int(same[0][0])


def _newest_first(entries: Sequence[Any], key_of: Any) -> bool:
    keys = [key_of(e) for e in entries]
    down = up = 0
    for a, b in itertools.pairwise(keys):
        if a is None or b is None or a[0] != b[0]:
            continue
        down += a > b
        up += a < b
    return down >= up


def add_version_edits(src: Source, entry: Mapping[str, Any], index: int) -> list[Edit]:
    if not src.data.get("version_history"):
        if "version_history" in src.data and src.data["version_history"] == []:
            return insert_item(src, ("version_history",), entry, 0)
        nl = newline(src.text)
        return [Edit(len(src.text), len(src.text), f"version_history:{nl}  - {flow_mapping(entry)}{nl}", "version_history")]
    return insert_item(src, ("version_history",), entry, index)


def add_prompt_edits(src: Source, model: str, entry: Mapping[str, Any]) -> list[Edit]:
    """Add ``entry`` to ``prompts.<model>``: creating the section (at the end of the file) or the
    model's list (after the last model's) in block style, else among the model's entries: first
    in a newest-first list (the example's order, and the default), last in an oldest-first one."""
    nl = newline(src.text)
    prompts = src.data.get("prompts")
    if prompts is None:
        sep = "" if src.text.endswith(("\n", "\r")) or not src.text else nl
        if "prompts" in src.data:  # `prompts:` with nothing (null) under it
            return set_value(src, ("prompts",), flow_mapping({model: [entry]}))
        return [Edit(len(src.text), len(src.text), f"{sep}prompts:{nl}  {model}:{nl}{_block_item(entry, 4, nl)}", "prompts")]
    if not isinstance(prompts, dict):
        raise EditError(src.finding("MP413", "prompts is not a mapping of model -> list", ("prompts",)))
    entries = prompts.get(model)
    if entries is None:
        first = next(iter(prompts), None)
        if model in prompts or first is None or ("prompts", first) not in src.key_marks or _flow(src, ("prompts",)):
            return set_value(src, ("prompts", model), f"[{flow_mapping(entry)}]")
        col = src.key_marks[("prompts", first)][0].column
        at = content_end(src, ("prompts",))
        at = len(src.text) if src.text.find("\n", at) < 0 else src.text.find("\n", at) + 1
        lead = nl if at == len(src.text) and not src.text.endswith(("\n", "\r")) else ""
        return [Edit(at, at, f"{lead}{' ' * col}{model}:{nl}{_block_item(entry, col + 2, nl)}", "prompts")]
    if not isinstance(entries, list):
        raise EditError(src.finding("MP413", f"prompts.{model} is not a list", ("prompts", model)))
    numbers = [e.get("version") if isinstance(e, dict) else None for e in entries]
    ints = [n for n in numbers if isinstance(n, int)]
    # Like catalogue_position: newest first (the example's order) unless the list says otherwise.
    newest_first = sum(a > b for a, b in itertools.pairwise(ints)) >= sum(a < b for a, b in itertools.pairwise(ints))
    index = 0 if newest_first else len(entries)
    return insert_item(src, ("prompts", model), entry, index)


def _block_item(entry: Mapping[str, Any], dash_col: int, nl: str) -> str:
    """``- key: value`` lines of a block list item (values inline), like the example's prompt entries."""
    lines = [flow_mapping({k: v})[1:-1] for k, v in entry.items() if v is not None]
    pad = " " * dash_col
    return "".join(f"{pad}- {line}{nl}" if i == 0 else f"{pad}  {line}{nl}" for i, line in enumerate(lines))


def _flow(src: Source, path: tuple[str, ...]) -> bool:
    mark = src.marks.get(path)
    return mark is not None and src.text[mark[0].index] in "{["


def catalogue_index(src: Source, version: str) -> int:
    from ..versions import VersionError, parse_version

    def key_of(e: Any) -> Any:
        try:
            vid = parse_version(str(e.get("version"))) if isinstance(e, dict) else None
        except VersionError:
            return None
        return None if vid is None else vid.sort_key()

    return catalogue_position(src.data.get("version_history") or [], parse_version(version).sort_key(), key_of)


def _as_time(v: Any) -> datetime:
    if isinstance(v, datetime):
        return v
    return datetime.fromisoformat(str(v).replace("Z", "+00:00"))

