"""Check recorded emulator traffic against the vendored subset of GitHub's OpenAPI description.

Each :class:`~modelpromote.sandbox.emulator.Exchange` is matched to an operation by method and path
template; its query parameters and JSON body are checked against the operation's parameters and
request body (what PyGithub sent), and its status and body against the declared responses (what the
emulator answered).  OpenAPI 3.0's ``nullable`` is rewritten into JSON Schema before validating.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

SUBSET = Path(__file__).with_name("github-openapi-subset.json")
# Parameters that may contain slashes in GitHub's paths.
GREEDY = {"ref", "path", "basehead", "branch", "base", "head"}


@cache
def spec() -> dict[str, Any]:
    return json.loads(SUBSET.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def to_json_schema(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: to_json_schema(v) for k, v in node.items() if k != "nullable"}
        if node.get("nullable"):
            return {"anyOf": [out, {"type": "null"}]}
        return out
    if isinstance(node, list):
        return [to_json_schema(v) for v in node]
    return node


@cache
def components() -> dict[str, Any]:
    return to_json_schema(spec()["components"])  # type: ignore[no-any-return]


@dataclass(frozen=True)
class Operation:
    op_id: str
    method: str
    template: str
    regex: re.Pattern[str]
    literal_len: int
    node: dict[str, Any]


@cache
def operations() -> list[Operation]:
    ops = []
    for template, item in spec()["paths"].items():
        pattern = ""
        pos = 0
        for m in re.finditer(r"\{([^}]+)\}", template):
            pattern += re.escape(template[pos : m.start()])
            pattern += "(.+)" if m.group(1) in GREEDY else "([^/]+)"
            pos = m.end()
        pattern += re.escape(template[pos:])
        literal = len(re.sub(r"\{[^}]+\}", "", template))
        for method, node in item.items():
            ops.append(Operation(node["operationId"], method.upper(), template, re.compile(pattern), literal, node))
    return ops


def match(method: str, path: str) -> Operation | None:
    found = [op for op in operations() if op.method == method and op.regex.fullmatch(path)]
    # The most specific template wins: /commits/{ref}/statuses over /commits/{ref}/status... by literal length.
    return max(found, key=lambda op: op.literal_len, default=None)


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        _, _, kind, name = node["$ref"].split("/", 3)
        node = spec()["components"][kind][name]
    return node


def validate(instance: Any, schema: dict[str, Any]) -> list[str]:
    root = {"components": components(), "allOf": [to_json_schema(schema)]}
    validator = jsonschema.Draft4Validator(root)
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message[:300]}" for e in validator.iter_errors(instance)]


def check_exchange(ex: Any) -> list[str]:
    """Problems with one exchange; empty when it conforms."""
    op = match(ex.method, ex.path)
    where = f"{ex.method} {ex.path}"
    if op is None:
        return [f"{where}: no operation in the subset (add it to scripts/refresh-openapi)"]
    problems: list[str] = []
    params = [resolve(p) for p in op.node.get("parameters", [])]
    declared = {p["name"]: p for p in params if p["in"] == "query"}
    for name, value in ex.query.items():
        if name not in declared:
            problems.append(f"{where} [{op.op_id}]: undeclared query parameter {name!r}")
            continue
        schema = declared[name].get("schema", {})
        typed: Any = value
        if schema.get("type") == "integer":
            typed = int(value) if value.lstrip("-").isdigit() else value
        elif schema.get("type") == "boolean":
            typed = {"true": True, "false": False}.get(value, value)
        problems += [f"{where} [{op.op_id}] query {name}: {e}" for e in validate(typed, schema)]
    body_spec = op.node.get("requestBody")
    if ex.request is not None:
        if body_spec is None:
            problems.append(f"{where} [{op.op_id}]: sent a body, the operation takes none")
        else:
            schema = resolve(body_spec)["content"]["application/json"]["schema"]
            problems += [f"{where} [{op.op_id}] request: {e}" for e in validate(ex.request, schema)]
    elif body_spec is not None and body_spec.get("required"):
        problems.append(f"{where} [{op.op_id}]: required request body missing")
    responses = op.node.get("responses", {})
    declared_response = responses[str(ex.status)] if str(ex.status) in responses else responses.get("default")
    if declared_response is None:
        problems.append(f"{where} [{op.op_id}]: status {ex.status} is not a documented response ({', '.join(responses)})")
        return problems
    declared_response = resolve(declared_response)
    content = declared_response.get("content", {})
    if "application/json" in content:
        schema = content["application/json"].get("schema")
        if schema is not None:
            problems += [f"{where} [{op.op_id}] response {ex.status}: {e}" for e in validate(ex.response, schema)]
    elif ex.response is not None and ex.status < 300:
        problems.append(f"{where} [{op.op_id}]: answered {ex.status} with a body, the spec declares none")
    return problems
