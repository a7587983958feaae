"""Load a manifest: parse, validate the shape, run the semantic checks, keep positions.

``load_manifest`` raises :class:`~modelpromote.errors.InputError` only when there is no YAML
document to look at (missing file, not UTF-8, syntax error, ...).  Everything wrong *inside* a
readable document comes back as located findings, so ``validate`` can report all of them at once.
"""

from __future__ import annotations

import difflib
import os
import types
import typing
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ValidationError

from ..errors import Finding
from . import legacy
from .schema import Manifest
from .source import PathKey, Source, load_source, no_gc, parse


@dataclass
class Loaded:
    source: Source
    manifest: Manifest | None
    findings: list[Finding] = field(default_factory=list)
    legacy: bool = False
    #: (model, prompt version) -> text of each catalogued prompt file that could be read.  Filled
    #: only by :func:`load_manifest` (a file on disk); text from elsewhere has no directory to read.
    prompts: dict[tuple[str, int], str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.manifest is not None and not any(f.severity == "error" for f in self.findings)


def load_manifest(path: str, *, check: bool = True) -> Loaded:
    """Load the file at ``path``; with ``check``, also read and check its prompt files (beside it)."""
    return load_from_source(load_source(path), check=check, prompt_root=os.path.dirname(os.path.abspath(path)))


def load_text(text: str, path: str = "<input>", *, check: bool = True) -> Loaded:
    return load_from_source(parse(text, path), check=check)


def load_from_source(src: Source, *, check: bool = True, prompt_root: str | None = None) -> Loaded:
    data = src.data
    if data is None:
        return Loaded(src, None, [src.finding("MP008", "the manifest is empty")])
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        return Loaded(src, None, [src.finding("MP009", f"the manifest is {kind}, not a mapping")])

    findings: list[Finding] = []
    is_legacy = legacy.is_legacy(data)
    if is_legacy:
        data, legacy_findings = legacy.normalize(src)
        findings.extend(legacy_findings)

    try:
        with no_gc():
            manifest = Manifest.model_validate(data)
    except ValidationError as exc:
        findings.extend(pydantic_findings(exc, src, data))
        return Loaded(src, None, findings, is_legacy)

    texts: dict[tuple[str, int], str] = {}
    if check:
        from .checks import check_manifest

        findings.extend(check_manifest(manifest, src))
        if prompt_root is not None and manifest.prompts:
            from .prompt_checks import check_prompt_texts
            from .prompts import read_prompts

            texts, unreadable = read_prompts(manifest, src, prompt_root)
            findings.extend(unreadable)
            findings.extend(check_prompt_texts(manifest, src, texts))
    return Loaded(src, manifest, findings, is_legacy, texts)


# -- pydantic errors -> located findings -----------------------------------------------------


def format_path(loc: PathKey) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "<top>"


def _unwrap(tp: Any) -> list[Any]:
    """The types a value at this annotation may hold (through Optional, list, dict, Annotated)."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [t for a in typing.get_args(tp) for t in _unwrap(a)]
    return [tp]


def _model_at(loc: PathKey) -> type[BaseModel] | None:
    """The pydantic model class that validates the mapping at ``loc`` (for "did you mean")."""
    current: Any = Manifest
    for part in loc:
        candidates = _unwrap(current)
        nxt = None
        for c in candidates:
            origin = typing.get_origin(c)
            if isinstance(c, type) and issubclass(c, BaseModel) and isinstance(part, str):
                f = c.model_fields.get(part) or next((fi for fi in c.model_fields.values() if fi.alias == part), None)
                if f is not None:
                    nxt = f.annotation
            elif origin is list and isinstance(part, int):
                nxt = typing.get_args(c)[0]
            elif origin is dict:
                nxt = typing.get_args(c)[1]
            if nxt is not None:
                break
        if nxt is None:
            return None
        current = nxt
    for c in _unwrap(current):
        if isinstance(c, type) and issubclass(c, BaseModel):
            return c
    return None


def _field_names(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


_DATE_TYPES = ("date", "datetime", "timezone_aware", "date_from_datetime")


_MISSING = object()


def _child(node: Any, part: int | str) -> Any:
    if isinstance(node, dict):
        return node.get(part, _MISSING)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _MISSING


def _data_path(loc: tuple[int | str, ...], data: Any) -> PathKey:
    """The part of a pydantic error location that names data (drops tags such as 'function-after[...]').

    Decided by walking the document, not by the look of the names: a user's key may contain '['.
    """
    out: list[str | int] = []
    node = data
    for part in loc:
        child = _child(node, part)
        if child is not _MISSING:
            node = child
            out.append(part)
        elif isinstance(node, dict) and isinstance(part, str) and not part.endswith("]"):
            out.append(part)  # a missing key is still part of the path; nothing lies below it
            node = None
    return tuple(out)


def pydantic_findings(exc: ValidationError, src: Source, data: Any = None) -> list[Finding]:
    data = src.data if data is None else data
    out: list[Finding] = []
    seen: set[tuple[PathKey, str]] = set()
    for err in exc.errors(include_url=False):
        loc = _data_path(err["loc"], data)
        etype = err["type"]
        where = format_path(loc)
        if (loc, etype) in seen:
            continue
        seen.add((loc, etype))
        if etype == "extra_forbidden":
            key = str(loc[-1])
            model = _model_at(loc[:-1])
            allowed = _field_names(model) if model else []
            close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else (f"allowed keys here: {', '.join(allowed)}" if allowed else None)
            out.append(src.finding("MP101", f"unknown key {key!r} in {format_path(loc[:-1])}", loc, key=True, hint=hint))
        elif etype == "missing":
            out.append(src.finding("MP102", f"missing key {str(loc[-1])!r} in {format_path(loc[:-1])}", loc[:-1]))
        elif loc and loc[-1] == "status" and etype == "literal_error":
            out.append(src.finding("MP213", f"{where}: unknown status {err.get('input')!r}", loc))
        elif loc == ("schema_version",) and etype == "literal_error":
            out.append(src.finding("MP104", f"schema_version {err.get('input')!r} is not supported", loc))
        elif any(etype.startswith(t) for t in _DATE_TYPES):
            out.append(src.finding("MP208", f"{where}: {err['msg']} (got {err.get('input')!r})", loc))
        else:
            got = err.get("input")
            shown = "" if isinstance(got, dict | list) else f" (got {got!r})"
            out.append(src.finding("MP103", f"{where}: {err['msg']}{shown}", loc))
    return out
