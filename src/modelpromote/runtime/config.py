"""The compiled runtime config: checked once, then turned into ready-made assignments.

The JSON file (written by ``modelpromote export``) is the contract between the manifest and the
application; :func:`build_state` validates it by hand (no pydantic: this runs in applications'
processes) and precomputes every :class:`Assignment` so that ``route()`` only hashes and looks up.
Pure: data in, :class:`State` or ``ConfigError`` out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from hashlib import sha256
from types import MappingProxyType
from typing import Any, NoReturn, cast

from .assignment import ARMS, Arm, Assignment
from .bucketing import HASH_SPACE
from .prompt import Prompt, placeholders

#: Version of the runtime config's layout.  Bump it on any change an older runtime would misread.
#: 2: prompts carry their text and digest (``models.<m>.prompts``), ``versions.<v>.prompt`` is the
#: number, and ``rollback`` holds the thresholds.  Format 1 (``"prompt": "prompt-v4"``) still loads:
#: its prompts have no text.
FORMAT = 2
SUPPORTED_FORMATS = (1, FORMAT)
_FORMAT1_PROMPT = re.compile(r"prompt-v(0|[1-9][0-9]{0,8})")


class ModelPlan:
    """One model's routing, precompiled."""

    __slots__ = ("arms", "assignments", "bounds", "chains", "name", "prefix", "salt", "shadow", "total")

    def __init__(
        self,
        name: str,
        salt: str | None,
        total: int,
        bounds: tuple[int, ...],
        assignments: tuple[Assignment, ...],
        shadow: Assignment | None,
        chains: Mapping[str, tuple[Assignment, ...]],
    ) -> None:
        self.name = name
        self.salt = salt  # None: no split, everyone gets assignments[0]
        self.total = total
        self.bounds = bounds  # cumulative upper bounds of the arms' bucket ranges
        # For route()'s hot path: the hashed prefix as bytes, and (bound, assignment) pairs.
        self.prefix = None if salt is None else f"{salt}:".encode()
        self.arms = tuple(zip(bounds, assignments, strict=True))
        self.assignments = assignments
        self.shadow = shadow
        self.chains = chains  # version -> fallback attempts, in order


class State:
    """A whole compiled config; swapped as one reference on reload."""

    __slots__ = ("env", "models", "rollback", "source")

    def __init__(
        self, env: str, source: Mapping[str, Any], models: Mapping[str, ModelPlan], rollback: Mapping[str, float] | None = None
    ) -> None:
        self.env = env
        self.source = source  # manifest path, git_sha, manifest_sha
        self.models = models
        self.rollback: Mapping[str, float] = rollback if rollback is not None else MappingProxyType({})  # policies.rollback

    @property
    def git_sha(self) -> str | None:
        value = self.source.get("git_sha")
        return value if isinstance(value, str) else None


def _fail(where: str, message: str, file: str | None) -> NoReturn:
    from .errors import config_error  # only on the error path: it imports dataclasses

    raise config_error("MP603", f"{where}: {message}" if where else message, file)


def _obj(value: Any, where: str, file: str | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        _fail(where, f"expected an object, got {type(value).__name__}", file)
    return value


def _str(value: Any, where: str, file: str | None, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        _fail(where, f"expected a non-empty string, got {value!r}", file)
    return value


def build_state(data: Any, file: str | None = None) -> State:
    """Validate a parsed runtime config and compile it.  Raises ``ConfigError`` (MP602/MP603)."""
    top = _obj(data, "", file)
    fmt = top.get("format")
    if fmt not in SUPPORTED_FORMATS or isinstance(fmt, bool):
        from .errors import config_error

        raise config_error(
            "MP602",
            f"runtime config format {fmt!r} is not supported; this modelpromote reads format {', '.join(map(str, SUPPORTED_FORMATS))}",
            file,
            hint="export with the modelpromote version the application uses, or upgrade modelpromote in the application",
        )
    env = cast(str, _str(top.get("env"), "env", file))
    source = _obj(top.get("source", {}), "source", file)
    models = _obj(top.get("models"), "models", file)
    rollback = _obj(top.get("rollback", {}), "rollback", file)
    for k, v in rollback.items():
        if not isinstance(v, int | float) or isinstance(v, bool):
            _fail(f"rollback.{k}", f"expected a number, got {v!r}", file)
    plans = {name: _plan(name, env, _obj(spec, f"models.{name}", file), file, fmt) for name, spec in models.items()}
    return State(env=env, source=MappingProxyType(dict(source)), models=MappingProxyType(plans), rollback=MappingProxyType(dict(rollback)))


def _prompts(name: str, spec: dict[str, Any], file: str | None) -> dict[int, Prompt]:
    """``models.<name>.prompts`` (format 2): each text must match its digest and declared variables."""
    where = f"models.{name}.prompts"
    out: dict[int, Prompt] = {}
    for key, raw in _obj(spec.get("prompts", {}), where, file).items():
        at = f"{where}.{key}"
        if not key.isdigit() or (len(key) > 1 and key[0] == "0"):
            _fail(at, "prompt keys are version numbers such as '4'", file)
        entry = _obj(raw, at, file)
        text, digest, variables = entry.get("text"), entry.get("sha256"), entry.get("variables", [])
        if not isinstance(variables, list) or not all(isinstance(v, str) for v in variables):
            _fail(f"{at}.variables", "expected a list of names", file)
        if text is None and digest is None:
            out[int(key)] = Prompt(name, int(key), None, None, variables)
            continue
        if not isinstance(text, str) or not isinstance(digest, str):
            _fail(at, "text and sha256 are both strings, or both null", file)
        if sha256(text.encode("utf-8")).hexdigest() != digest:
            from .errors import config_error

            raise config_error(
                "MP607", f"{at}: the prompt text does not match its sha256 {digest[:12]}…", file,
                hint="the file was edited or damaged; re-create it with `modelpromote export`",
            )  # fmt: skip
        if set(placeholders(text)) != set(variables):
            _fail(f"{at}.variables", f"{variables} are not the placeholders of the text {list(placeholders(text))}", file)
        out[int(key)] = Prompt(name, int(key), text, "sha256:" + digest, variables)
    return out


def _prompt_of(name: str, info: dict[str, Any], prompts: dict[int, Prompt], fmt: int, at: str, file: str | None) -> Prompt | None:
    value = info.get("prompt")
    if value is None:
        return None
    if fmt == 1:  # "prompt-v4": the number only
        m = _FORMAT1_PROMPT.fullmatch(value) if isinstance(value, str) else None
        if m is None:
            _fail(at, f"expected 'prompt-v<N>' or null, got {value!r}", file)
        return Prompt(name, int(m.group(1)), None)
    if not isinstance(value, int) or isinstance(value, bool):
        _fail(at, f"expected a prompt number or null, got {value!r}", file)
    if value not in prompts:
        _fail(at, f"prompt {value} is not in models.{name}.prompts", file)
    return prompts[value]


def _plan(name: str, env: str, spec: dict[str, Any], file: str | None, fmt: int = FORMAT) -> ModelPlan:
    where = f"models.{name}"
    live = cast(str, _str(spec.get("version"), f"{where}.version", file))
    versions = _obj(spec.get("versions"), f"{where}.versions", file)
    settings = MappingProxyType(dict(_obj(spec.get("settings", {}), f"{where}.settings", file)))
    prompts = _prompts(name, spec, file) if fmt >= 2 else {}

    def make(version: str, arm: Arm, at: str, fallback_for: str | None = None) -> Assignment:
        if version not in versions:
            _fail(at, f"{version!r} is not listed in {where}.versions", file)
        info = _obj(versions[version], f"{where}.versions.{version}", file)
        provider_model = _str(info.get("provider_model"), f"{where}.versions.{version}.provider_model", file, optional=True)
        prompt = _prompt_of(name, info, prompts, fmt, f"{where}.versions.{version}.prompt", file)
        return Assignment(name, env, version, provider_model, prompt, settings, arm, fallback_for)

    split = spec.get("split")
    salt: str | None
    bounds: tuple[int, ...]
    assignments: tuple[Assignment, ...]
    primary = make(live, "control", f"{where}.version")  # checks the live version is described
    if split is None:
        salt, total, bounds, assignments = None, 1, (1,), (primary,)
    else:
        split = _obj(split, f"{where}.split", file)
        salt = _str(split.get("salt"), f"{where}.split.salt", file)
        arms = split.get("arms")
        if not isinstance(arms, list) or not arms:
            _fail(f"{where}.split.arms", "expected a non-empty list", file)
        made, cumulative, upper = [], [], 0
        for i, raw in enumerate(arms):
            at = f"{where}.split.arms[{i}]"
            arm = _obj(raw, at, file)
            if arm.get("arm") not in ARMS:
                _fail(f"{at}.arm", f"expected one of {', '.join(ARMS)}, got {arm.get('arm')!r}", file)
            weight = arm.get("weight")
            # Zero-weight arms are refused rather than ignored: they would look live and get nothing.
            if not isinstance(weight, int) or isinstance(weight, bool) or weight < 1:
                _fail(f"{at}.weight", f"expected an integer >= 1, got {weight!r}", file)
            upper += weight
            cumulative.append(upper)
            made.append(make(cast(str, _str(arm.get("version"), f"{at}.version", file)), arm["arm"], f"{at}.version"))
        if upper > HASH_SPACE:
            _fail(f"{where}.split.arms", f"weights sum to {upper}; at most 2**32 keeps every arm reachable", file)
        total, bounds, assignments = upper, tuple(cumulative), tuple(made)

    shadow_ref = _str(spec.get("shadow"), f"{where}.shadow", file, optional=True)
    shadow = make(shadow_ref, "shadow", f"{where}.shadow") if shadow_ref else None

    raw_chains = _obj(spec.get("fallbacks", {}), f"{where}.fallbacks", file)
    chains: dict[str, tuple[Assignment, ...]] = {}
    for a in assignments:
        refs = raw_chains.get(a.version, [])
        if not isinstance(refs, list):
            _fail(f"{where}.fallbacks.{a.version}", "expected a list of versions", file)
        chains[a.version] = tuple(
            make(cast(str, _str(r, f"{where}.fallbacks.{a.version}[{j}]", file)), a.arm, f"{where}.fallbacks.{a.version}[{j}]", a.version)
            for j, r in enumerate(refs)
        )
    return ModelPlan(name, salt, total, bounds, assignments, shadow, MappingProxyType(chains))
