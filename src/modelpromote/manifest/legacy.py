"""The article's manifest format, and how to move off it.

The article keeps per-model pointers as flat keys (``current_production``, ``staging``, ``dev``)
and has no ladder or schema version.  ``normalize`` reads such a file as if it were canonical (so
``validate`` can also report what else is wrong, e.g. versions missing from ``version_history``)
and says what is missing; ``migrate_text`` rewrites it with ruamel's round-trip mode, which keeps
comments, and adds the ladder from DESIGN.md.
"""

from __future__ import annotations

import io
from typing import Any

from ..errors import Finding
from .source import Source

# legacy key -> canonical environment name, in ladder order
LEGACY_KEYS = {"dev": "dev", "staging": "staging", "current_production": "production", "production": "production"}

DEFAULT_LADDER: list[dict[str, Any]] = [
    {"name": "dev"},
    {"name": "staging", "promote_from": "dev", "soak": "1h"},
    {
        "name": "production",
        "promote_from": "staging",
        "soak": "24h",
        "approvals": 2,
        "allow_prerelease": False,
        "canary": {"steps": [5, 25, 50, 100], "interval": "30m"},
    },
]


def _legacy_models(data: dict[str, Any]) -> list[int]:
    models = data.get("models")
    if not isinstance(models, list):
        return []
    return [i for i, m in enumerate(models) if isinstance(m, dict) and any(k in m and not isinstance(m[k], dict) for k in LEGACY_KEYS)]


def is_legacy(data: dict[str, Any]) -> bool:
    return "schema_version" not in data and bool(_legacy_models(data))


def normalize(src: Source) -> tuple[dict[str, Any], list[Finding]]:
    """Canonical-shaped data from a legacy document, plus one finding naming what is missing."""
    data: dict[str, Any] = dict(src.data)
    legacy_idx = _legacy_models(data)
    missing = ["schema_version: 1"]
    data["schema_version"] = 1
    if "environments" not in data:
        missing.append("the environments ladder (dev -> staging -> production)")
        data["environments"] = DEFAULT_LADDER
    models = list(data["models"])
    for i in legacy_idx:
        model = dict(models[i])
        envs: dict[str, Any] = dict(model.get("environments") or {})
        for key, env in LEGACY_KEYS.items():
            if key in model and not isinstance(model[key], dict):
                envs[env] = model.pop(key)
                for marks in (src.marks, src.key_marks):
                    if ("models", i, key) in marks:
                        marks[("models", i, "environments", env)] = marks[("models", i, key)]
        model["environments"] = envs
        models[i] = model
    data["models"] = models
    names = ", ".join(str(src.data["models"][i].get("name", f"models[{i}]")) for i in legacy_idx)
    first = next(k for k in src.data["models"][legacy_idx[0]] if k in LEGACY_KEYS)  # in file order
    finding = src.finding(
        "MP211",
        f"legacy manifest format: {names} use flat current_production/staging/dev keys "
        f"instead of environments:; missing: {'; '.join(missing)}",
        ("models", legacy_idx[0], first),
        key=True,
    )
    return data, [finding]


def migrate_text(text: str) -> tuple[str, list[str]]:
    """Rewrite a legacy manifest into the canonical form; returns the new text and what changed."""
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    # Keep the file's own sequence style: "models:\n- name" (flush) or "models:\n  - name".
    flush = "\n- " in text
    if flush:
        yaml.indent(mapping=2, sequence=2, offset=0)
    else:
        yaml.indent(mapping=2, sequence=4, offset=2)
    doc = yaml.load(text)
    changes: list[str] = []

    if "schema_version" not in doc:
        doc.insert(0, "schema_version", 1)
        changes.append("added schema_version: 1")
    if "environments" not in doc:
        ladder = CommentedSeq()
        for env in DEFAULT_LADDER:
            entry = CommentedMap()
            for k, v in env.items():
                if isinstance(v, dict):
                    inner = CommentedMap(v)
                    inner.fa.set_flow_style()
                    entry[k] = inner
                else:
                    entry[k] = v
            ladder.append(entry)
        doc.insert(1, "environments", ladder)
        doc.yaml_set_comment_before_after_key("environments", before="the promotion ladder, lowest first (added by modelpromote migrate)")
        changes.append("added the environments ladder dev -> staging -> production (review soak/approvals)")

    model: Any
    for model in doc.get("models") or []:
        if not isinstance(model, CommentedMap):
            continue
        # File order, not ladder order: each key keeps its own comments (inline ones, and the
        # blank line after a model's last key), so the diff is only the renamed keys.
        keys = [k for k in model if k in LEGACY_KEYS and not isinstance(model[k], dict)]
        if not keys:
            continue
        envs = CommentedMap()
        for key in keys:
            envs[LEGACY_KEYS[key]] = model[key]
            comment = model.ca.items.get(key)
            if comment:
                envs.ca.items[LEGACY_KEYS[key]] = comment
        order = list(model.keys())
        position = order.index(min(keys, key=order.index))
        for key in keys:
            del model[key]
        model.insert(position, "environments", envs)
        changes.append(f"model {model.get('name')}: {', '.join(keys)} -> environments:")

    buf = io.StringIO()
    yaml.dump(doc, buf)
    return buf.getvalue(), changes
