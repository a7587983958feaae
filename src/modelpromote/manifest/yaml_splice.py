"""Byte-preserving splices of YAML text: the generic layer under every manifest edit.

Why not load, change and re-dump: a re-dump rewrites quoting, comments, key order and blank lines,
so ``git diff`` would show far more than the decision and two edits of different models would
conflict.  Instead every edit is a *splice* (:class:`Edit`: replace ``text[start:end]``) computed
from the positions the loader recorded (:class:`~modelpromote.manifest.source.Source` marks):

* a scalar is replaced exactly between its start and end marks;
* a new mapping key or list item is inserted as whole lines after its last sibling, with the
  siblings' indentation and style (one-line flow mappings stay one-line flow mappings);
* a removed key takes exactly its own lines with it.

Nothing here knows what a manifest means: :mod:`modelpromote.manifest.changes` turns typed domain
changes into these splices, and :mod:`modelpromote.manifest.verify` proves the result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ..errors import Finding
from .source import PathKey, Source, resolve_plain

# -- scalars ------------------------------------------------------------------------------------

# A plain scalar we are happy to write unquoted: boring characters, single inner spaces.  Anything
# else is double-quoted; the round-trip property test in tests/manifest/test_yaml_splice.py holds us to it.
_PLAIN_RE = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./+@-]*(?: [A-Za-z0-9_./+@-]+)*$")
# Strings that YAML 1.1 tools (PyYAML's safe_load, Ruby, older Go yaml) would read as something else.
_YAML11_SPECIAL = re.compile(r"^(?:y|Y|n|N|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|[-+]?[0-9][0-9_:.eE+-]*|[0-9]{4}-.*|\.[A-Za-z]+)$")


def _printable(ch: str) -> bool:
    o = ord(ch)
    return 0x20 <= o <= 0x7E or (0xA0 <= o <= 0xD7FF) or (0xE000 <= o <= 0xFFFD and o != 0xFEFF) or o >= 0x10000


def _double_quoted(s: str) -> str:
    body = json.dumps(s, ensure_ascii=False)[1:-1]
    # JSON leaves some characters raw that YAML treats as line breaks or does not allow raw.
    out = []
    for ch in body:
        out.append(ch if _printable(ch) else f"\\u{ord(ch):04x}")
    return '"' + "".join(out) + '"'


def yaml_scalar(value: Any) -> str:
    """``value`` written as a YAML scalar that reads back as exactly ``value``, quoted only if needed.

    Safe in block and in flow context (a flow mapping ``{a: b}``).  Strings that other YAML tools
    would turn into booleans, numbers or dates are quoted, so the manifest means the same to them.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return ".nan"
        if value in (float("inf"), float("-inf")):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if isinstance(value, datetime):
        return _double_quoted(format_time(value))
    if not isinstance(value, str):
        raise TypeError(f"cannot write a {type(value).__name__} as a YAML scalar")
    if _PLAIN_RE.fullmatch(value) and not _YAML11_SPECIAL.fullmatch(value) and resolve_plain(value) == value:
        return value
    return _double_quoted(value)


def keep_quoting(old: str, new: str) -> str:
    """``new`` (a scalar from :func:`yaml_scalar`) in the quoting style of the scalar ``old`` it replaces.

    ``dev: "x"`` stays double-quoted and ``'x'`` single-quoted; a plain old value takes ``new`` as
    is.  Only plain ``new`` values are re-quoted (their characters need no escapes in either style);
    a value that needs escapes stays double-quoted whatever ``old`` was.
    """
    quote = old[:1]
    if quote not in ("'", '"') or not new or new[0] in "\"'{[" or not _PLAIN_RE.fullmatch(new):
        return new
    if resolve_plain(new) != new:  # null, true, 5: quoting would turn them into strings
        return new
    return f"{quote}{new}{quote}"


def format_time(t: datetime) -> str:
    """``2026-05-16T14:30:00Z``: UTC, seconds precision, the form the example manifest uses."""
    if t.tzinfo is None:
        raise ValueError("timestamps in the manifest must carry a timezone")
    return t.astimezone(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def flow_mapping(items: Mapping[str, Any]) -> str:
    """``{a: 1, b: x}``; ``None`` values are left out (the schema's defaults stand for them)."""
    return "{" + ", ".join(f"{k}: {_inline(v)}" for k, v in items.items() if v is not None) + "}"


class _Null:
    """Written as ``null``: for keys that must appear even when empty (a log entry's ``from``)."""

    def __repr__(self) -> str:
        return "NULL"


NULL: Any = _Null()


def _inline(v: Any) -> str:
    if isinstance(v, _Null):
        return "null"
    if isinstance(v, Mapping):
        return flow_mapping(v)
    if isinstance(v, list | tuple):
        return "[" + ", ".join(_inline(x) for x in v) + "]"
    return yaml_scalar(v)


# -- splices ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edit:
    """Replace ``text[start:end]`` with ``new`` (``start == end`` inserts)."""

    start: int
    end: int
    new: str
    section: str  # the top-level key it falls in, so verify_edit knows what to re-read


class EditError(ValueError):
    """The manifest's layout does not allow this edit (say, an alias where a value should be)."""

    def __init__(self, finding: Finding) -> None:
        self.finding = finding
        super().__init__(finding.message)


def splice(text: str, edits: Iterable[Edit]) -> str:
    """Apply non-overlapping edits; inserts at one point keep their given order."""
    ordered = sorted(enumerate(edits), key=lambda ie: (ie[1].start, ie[1].end, ie[0]))
    out: list[str] = []
    pos = 0
    for _, e in ordered:
        if e.start < pos:
            raise ValueError(f"overlapping edits at offset {e.start}")
        out.append(text[pos : e.start])
        out.append(e.new)
        pos = e.end
    out.append(text[pos:])
    return "".join(out)


def newline(text: str) -> str:
    """The file's line ending, so inserted lines do not mix CRLF and LF."""
    i = text.find("\n")
    return "\r\n" if i > 0 and text[i - 1] == "\r" else "\n"


def _line_start(text: str, i: int) -> int:
    return text.rfind("\n", 0, i) + 1


def _line_after(text: str, i: int) -> int:
    """Offset just after the newline of the line holding offset ``i`` (or the end of the text)."""
    j = text.find("\n", i)
    return len(text) if j < 0 else j + 1


def _col(text: str, i: int) -> int:
    return i - _line_start(text, i)


def _mark(src: Source, path: PathKey) -> tuple[Any, Any]:
    m = src.marks.get(path)
    if m is None:
        raise EditError(src.finding("MP413", f"nothing at {_fmt(path)} to edit", path))
    return m


def _fmt(path: PathKey) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".") or "<top>"


def _is_flow(src: Source, path: PathKey) -> bool:
    start = _mark(src, path)[0].index
    return src.text[start : start + 1] in ("{", "[")


def _value(src: Source, path: PathKey) -> Any:
    node: Any = src.data
    for p in path:
        node = node[p]
    return node


def content_end(src: Source, path: PathKey) -> int:
    """Offset just after the last character of the node's own content.

    libyaml ends a *block* collection at the next token, which may be lines of comments further
    down, so for those we follow the last child instead.
    """
    value = _value(src, path)
    if isinstance(value, dict | list) and value and not _is_flow(src, path):
        last: str | int = next(reversed(value)) if isinstance(value, dict) else len(value) - 1
        return content_end(src, (*path, last))
    end: int = _mark(src, path)[1].index
    return end


def _entry_lines(src: Source, path: PathKey) -> tuple[int, int]:
    """The whole lines a block mapping entry (key and value) or a block list item occupies."""
    key_start: int = src.key_marks[path][0].index if isinstance(path[-1], str) else _mark(src, path)[0].index
    return _line_start(src.text, key_start), _line_after(src.text, content_end(src, path) - 1)


def _child_indent(src: Source, path: PathKey) -> int:
    """Column of the keys of the block mapping at ``path``."""
    value = _value(src, path)
    first = next(iter(value))
    key_path = (*path, first)
    col: int = src.key_marks[key_path][0].column
    return col


def _step(src: Source, path: PathKey) -> int:
    """How much deeper this file indents a child mapping (2 unless the file says otherwise)."""
    if len(path) >= 1 and path in src.key_marks:
        value = _value(src, path)
        if isinstance(value, dict) and value and not _is_flow(src, path):
            key_col: int = src.key_marks[path][0].column
            return max(1, _child_indent(src, path) - key_col)
    return 2


def _section(path: PathKey) -> str:
    return str(path[0]) if path else ""


# -- mapping edits --------------------------------------------------------------------------------


def set_value(src: Source, path: PathKey, inline: str) -> list[Edit]:
    """Set the mapping entry at ``path`` to ``inline`` (a scalar or a one-line flow collection).

    Replaces the value if the key exists, else adds the key (and any missing parent mappings) as
    new lines after the parent's last entry.
    """
    text = src.text
    nl = newline(text)
    if path in src.marks:
        if not isinstance(_value(src, path), dict | list) or _is_flow(src, path):
            start, end = _mark(src, path)[0].index, _mark(src, path)[1].index
            if not isinstance(_value(src, path), dict | list):
                inline = keep_quoting(text[start:end], inline)
            return [Edit(start, end, inline, _section(path))]
        a, b = _entry_lines(src, path)
        key_col = src.key_marks[path][0].column
        return [Edit(a, b, f"{' ' * key_col}{path[-1]}: {inline}{nl}", _section(path))]
    # Walk up to the nearest existing mapping, collecting the missing keys.
    missing: list[str | int] = []
    parent = path
    while parent not in src.marks:
        missing.insert(0, parent[-1])
        parent = parent[:-1]
    node = _value(src, parent)
    if not isinstance(node, dict):
        raise EditError(src.finding("MP413", f"{_fmt(parent)} is not a mapping; cannot add {missing[0]!r}", parent))
    if _is_flow(src, parent):
        value = inline
        for k in reversed(missing[1:]):
            value = f"{{{k}: {value}}}"
        close = _mark(src, parent)[1].index - 1  # the '}'
        at = len(text[:close].rstrip())  # keep "{a: 1 }" spacing after the new entry
        sep = ", " if node else ""
        return [Edit(at, at, f"{sep}{missing[0]}: {value}", _section(path))]
    if not node:  # cannot be block and empty; a document root of {} is flow and handled above
        raise EditError(src.finding("MP413", f"{_fmt(parent)} is empty; cannot add {missing[0]!r}", parent))
    col = _child_indent(src, parent)
    step = _step(src, parent) if parent else 2
    lines = []
    for depth, k in enumerate(missing):
        pad = " " * (col + depth * step)
        lines.append(f"{pad}{k}: {inline}" if depth == len(missing) - 1 else f"{pad}{k}:")
    at = _line_after(text, content_end(src, parent) - 1)
    return [Edit(at, at, nl.join(lines) + nl, _section(path))]


def remove_key(src: Source, path: PathKey, *, prune: bool = True) -> list[Edit]:
    """Remove the mapping entry at ``path``; with ``prune``, an emptied parent mapping goes too."""
    if path not in src.marks:
        return []
    parent = path[:-1]
    node = _value(src, parent)
    if prune and len(parent) > 1 and isinstance(node, dict) and len(node) == 1 and isinstance(parent[-1], str):
        return remove_key(src, parent, prune=prune)
    if _is_flow(src, parent):
        start = src.key_marks[path][0].index
        end = _mark(src, path)[1].index
        keys = list(node)
        i = keys.index(path[-1])
        if len(keys) == 1:
            return [Edit(_mark(src, parent)[0].index, _mark(src, parent)[1].index, "{}", _section(path))]
        if i + 1 < len(keys):  # take the separator after us
            next_key = (*parent, str(keys[i + 1]))
            end = src.key_marks[next_key][0].index
        else:  # last: take the separator before us
            start = _mark(src, (*parent, keys[i - 1]))[1].index
        return [Edit(start, end, "", _section(path))]
    a, b = _entry_lines(src, path)
    return [Edit(a, b, "", _section(path))]


# -- list edits -----------------------------------------------------------------------------------


def insert_item(src: Source, list_path: PathKey, item: Mapping[str, Any], index: int) -> list[Edit]:
    """Insert ``item`` so that it becomes ``list[index]``, in the style of its neighbours.

    Block lists get a new ``- ...`` line (a one-line flow mapping when the neighbours are, a block
    mapping otherwise); ``[]`` becomes a block list indented like the file's other lists.
    """
    text = src.text
    nl = newline(text)
    items = _value(src, list_path)
    if not isinstance(items, list):
        raise EditError(src.finding("MP413", f"{_fmt(list_path)} is not a list", list_path))
    sec = _section(list_path)
    if _is_flow(src, list_path):
        start, end = _mark(src, list_path)[0].index, _mark(src, list_path)[1].index
        if not items:
            indent = _list_indent_guess(src, list_path)
            key_line_end = _line_after(text, end) - len(nl) if text.find("\n", end) >= 0 else len(text)
            rest = text[end:key_line_end]  # e.g. a trailing comment on the key's line
            before = text[:start].rstrip(" ")
            new = f"{rest}{nl}{' ' * indent}- {flow_mapping(item)}"
            return [Edit(len(before), key_line_end, new, sec)]
        if index >= len(items):
            at = end - 1
            return [Edit(at, at, f", {flow_mapping(item)}", sec)]
        at = _mark(src, (*list_path, index))[0].index
        return [Edit(at, at, f"{flow_mapping(item)}, ", sec)]
    dash_col = _dash_col(src, list_path)
    lines = _render_item(src, list_path, item, dash_col, nl)
    if index >= len(items):
        at = _line_after(text, content_end(src, (*list_path, len(items) - 1)) - 1)
    else:
        at = _line_start(text, _dash_index(src, (*list_path, index)))
    return [Edit(at, at, lines, sec)]


def _dash_index(src: Source, item_path: PathKey) -> int:
    """Offset of the ``-`` that starts a block list item."""
    start: int = _mark(src, item_path)[0].index
    j = src.text.rfind("-", 0, start)
    return j


def _dash_col(src: Source, list_path: PathKey) -> int:
    return _col(src.text, _dash_index(src, (*list_path, 0)))


def _render_item(src: Source, list_path: PathKey, item: Mapping[str, Any], dash_col: int, nl: str) -> str:
    first = (*list_path, 0)
    pad = " " * dash_col
    if _is_flow(src, first) or not isinstance(_value(src, first), dict):
        return f"{pad}- {flow_mapping(item)}{nl}"
    key_col = _child_indent(src, first)
    keys = [(k, v) for k, v in item.items() if v is not None]
    out = []
    for n, (k, v) in enumerate(keys):
        lead = f"{pad}-{' ' * (key_col - dash_col - 1)}" if n == 0 else " " * key_col
        out.append(f"{lead}{k}: {_inline(v)}{nl}")
    return "".join(out)


def _list_indent_guess(src: Source, list_path: PathKey) -> int:
    """Indentation for the first item of a list that was ``[]``: like the file's other block lists."""
    key_col = src.key_marks[list_path][0].column if list_path in src.key_marks else 0
    if isinstance(src.data, dict):
        for k, v in src.data.items():
            if isinstance(v, list) and v and not _is_flow(src, (k,)):
                return key_col + _dash_col(src, (k,)) - (src.key_marks[(k,)][0].column if (k,) in src.key_marks else 0)
    return key_col + 2


def section_bounds(src: Source, key: str) -> tuple[int, int]:
    """The lines a top-level entry occupies (key line through its last content line)."""
    return _entry_lines(src, (key,))



def edit_diff(old_text: str, edits: Sequence[Edit], path: str = "manifest.yaml") -> str:
    """A unified diff (no context) of the edits, built from their positions.

    Why not difflib over the whole file: on a 200,000-line manifest it costs seconds to rediscover
    what the edits already say.  Each edit is widened to whole lines; touching regions merge.
    """
    regions: list[tuple[int, int, list[Edit]]] = []  # old line-start offset, line-after offset, edits
    for e in sorted(edits, key=lambda x: (x.start, x.end)):
        a = _line_start(old_text, e.start)
        if e.end > e.start:
            b = e.end if old_text[e.end - 1 : e.end] == "\n" else _line_after(old_text, e.end - 1)
        else:  # an insertion: at a line start it adds lines, inside a line it changes that line
            b = a if e.start == a else _line_after(old_text, e.start)
        if regions and a <= regions[-1][1]:
            ra, rb, mine = regions[-1]
            regions[-1] = (ra, max(rb, b), [*mine, e])
        else:
            regions.append((a, b, [e]))
    shown = path.lstrip("/")
    out = [f"--- a/{shown}\n", f"+++ b/{shown}\n"]
    shift = 0
    for a, b, mine in regions:
        new_region = splice(old_text[a:b], [Edit(e.start - a, e.end - a, e.new, e.section) for e in mine])
        old_lines = old_text[a:b].splitlines(keepends=True)
        new_lines = new_region.splitlines(keepends=True)
        first = old_text.count("\n", 0, a) + 1
        out.append(f"@@ -{first},{len(old_lines)} +{first + shift},{len(new_lines)} @@\n")
        out += [f"-{x}" if x.endswith("\n") else f"-{x}\n" for x in old_lines]
        out += [f"+{x}" if x.endswith("\n") else f"+{x}\n" for x in new_lines]
        shift += len(new_lines) - len(old_lines)
    return "".join(out) if len(out) > 2 else ""
