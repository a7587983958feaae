"""Proving an edit: the new text still validates, and the manifest's git identity.

Every writer goes through :func:`verify_edit` before anything is written; nothing half-valid
ever reaches a file or a branch.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .load import Loaded
from .source import Source, parse
from .yaml_splice import Edit, section_bounds, splice


def verify_edit(old: Loaded, new_text: str, edits: Sequence[Edit]) -> Loaded:
    """Re-read and re-validate ``new_text``: the gate every write goes through.

    A full re-load of a 20,000-version manifest costs as much as the first load, which would
    break the 3-second budget of ``promote``.  The edits say which top-level sections they touch,
    so when they fall inside those sections we re-parse just those sections' new text, swap them
    into the old data, validate the changed sections with pydantic and run the semantic checks on
    the whole result.  Anything unusual (a section that does not parse on its own, an alias, any
    finding) falls back to a full :func:`load_text`, which also gives exact positions.  The
    returned ``source`` of the fast path has the new text and data but no positions.
    """
    from .load import load_text

    full = old.source.path
    if old.manifest is not None and edits:
        try:
            fast = _verify_sections(old, new_text, edits)
        except Exception:  # any surprise means "do it the slow, exact way"
            fast = None
        if fast is not None and not fast.findings:
            return fast
    return load_text(new_text, full)


def _verify_sections(old: Loaded, new_text: str, edits: Sequence[Edit]) -> Loaded | None:
    from pydantic import TypeAdapter

    from .checks import check_manifest
    from .schema import Manifest

    src = old.source
    assert old.manifest is not None
    sections = sorted({e.section for e in edits})
    if not all(s in src.data and s in Manifest.model_fields and (s,) in src.key_marks for s in sections):
        return None
    bounds = {s: section_bounds(src, s) for s in sections}
    for e in edits:
        a, b = bounds[e.section]
        if not (a <= e.start <= e.end <= b):
            return None
    # The new text of each section: the old one with its edits applied, located by the length
    # change of everything spliced before it.
    shift = 0
    new_sections: dict[str, str] = {}
    for s in sorted(sections, key=lambda k: bounds[k][0]):
        a, b = bounds[s]
        mine = [e for e in edits if e.section == s]
        delta = sum(len(e.new) - (e.end - e.start) for e in mine)
        new_sections[s] = new_text[a + shift : b + shift + delta]
        shift += delta
    if splice(src.text, edits) != new_text:
        return None
    data = dict(src.data)
    updates: dict[str, Any] = {}
    for s, chunk in new_sections.items():
        parsed = parse(chunk, src.path).data
        if not isinstance(parsed, dict) or list(parsed) != [s]:
            return None
        data[s] = parsed[s]
        field = Manifest.model_fields[s]
        updates[s] = TypeAdapter(field.annotation).validate_python(parsed[s])  # type: ignore[arg-type]
    manifest = old.manifest.model_copy(update=updates)
    new_src = Source(src.path, new_text, data)
    findings = [f for f in check_manifest(_checked_part(old, manifest, set(sections)), new_src) if f.severity == "error"]
    return Loaded(new_src, manifest, findings, old.legacy)


# Sections whose change can only create findings inside the changed models themselves.
_LOCAL_SECTIONS = {"models", "promotions", "failures"}


def _checked_part(old: Loaded, new: Any, sections: set[str]) -> Any:
    """What the semantic checks must look at after an edit of ``sections``.

    The old manifest passed every check.  When only models, promotions and failures changed, a
    new finding can only be about a changed model, so checking those models against the catalogue
    entries they name is exact, and skips re-parsing 20,000 version ids (half a second).  Edits of
    the catalogue, the ladder or the policies get the full check.
    """
    from ..versions import VersionError, parse_version

    if not sections <= _LOCAL_SECTIONS or old.manifest is None:
        return new
    before = {m.name: m for m in old.manifest.models}
    changed = [m for m in new.models if before.get(m.name) != m]
    if len(new.models) != len(old.manifest.models) or len(before) != len(old.manifest.models):
        return new
    catalogue = new.catalogue()
    wanted: set[str] = set()
    for m in changed:
        refs = [*m.environments.values(), *m.fallbacks, *m.shadow.values(), *(c.baseline for c in m.canary.values()),
                *(x.control for x in m.experiments.values())]
        for ref in refs:
            try:
                mv = parse_version(ref).model_version
            except VersionError:
                continue
            while mv in catalogue and mv not in wanted:  # follow version-level fallback links
                wanted.add(mv)
                mv = catalogue[mv].fallback or ""
    history = [v for v in new.version_history if v.version in wanted]
    return new.model_copy(update={"models": changed, "version_history": history})


def blob_sha(data: bytes) -> str:
    """The git blob sha of ``data`` (what ``git hash-object`` prints), without running git."""
    import hashlib

    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()
