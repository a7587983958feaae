"""Names that reach branch names, labels, PromQL and shell: their patterns, and the branch names built from them.

One place for the rules, so every verb refuses a bad name the same way (MP416) and every reader of
a branch name (the gate, health, drift) parses it the same way.  Standard library only: verbs
check names before anything heavy is imported.

Patterns are matched with ``fullmatch``: ``$`` would also match before a trailing newline, and a
name ending in ``\\n`` would split a log entry over two lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, NoReturn

from .errors import Finding, InputError

if TYPE_CHECKING:
    from .manifest.schema import Environment, Manifest, Model

NAME = r"[a-z0-9][a-z0-9-]{0,62}"
NAME_PATTERN = rf"^{NAME}$"  # for JSON Schema / pydantic (which anchor the same way as fullmatch)
# A pointer or catalogue id as it may appear in a branch name; the version grammar itself is
# versions.parse_version's, which explains mistakes far better than a regex.
VERSION_REF = r"[A-Za-z0-9][A-Za-z0-9._+-]{0,199}"
SHA = r"[0-9a-f]{7,40}"

_NAME_RE = re.compile(NAME)
_VERSION_RE = re.compile(VERSION_REF)
_SHA_RE = re.compile(SHA)

NAME_HINT = "names are lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters"


def is_name(value: str) -> bool:
    return _NAME_RE.fullmatch(value) is not None


def is_version_ref(value: str) -> bool:
    """Safe in a branch name: the ref grammar and none of git's forbidden sequences."""
    return _VERSION_RE.fullmatch(value) is not None and ".." not in value and not value.endswith(".lock")


def is_sha(value: str) -> bool:
    return _SHA_RE.fullmatch(value) is not None


def check_name(kind: str, value: str | None) -> None:
    """Refuse a model/environment name that does not match :data:`NAME` (MP416, exit 2); None passes."""
    if value is not None and not is_name(value):
        raise InputError(Finding("MP416", f"invalid {kind} name {value!r}", hint=NAME_HINT))


def check_version_ref(value: str) -> None:
    if not is_version_ref(value):
        raise InputError(Finding("MP201", f"invalid version {value!r}"))


def check_sha(option: str, value: str) -> None:
    if not is_sha(value):
        raise InputError(Finding("MP709", f"{option} {value!r} is not a commit SHA"))


def require_model_env(m: Manifest, model: str | None, env: str | None, where: str) -> tuple[Model | None, Environment | None]:
    """The named model and ladder environment (either may be None: not asked); unknown ones are MP301 / MP204 (exit 2)."""
    require_known(model, env, [x.name for x in m.models], [e.name for e in m.environments], where)
    return (None if model is None else m.model(model)), (None if env is None else m.env(env))


def require_known(model: str | None, env: str | None, models: list[str], envs: list[str], where: str) -> None:
    """:func:`require_model_env` on the names alone (a manifest known only by its names: the status cache)."""
    if model is not None and model not in models:
        _unknown("MP301", f"no model {model!r} in {where}", model, models, "models")
    if env is not None and env not in envs:
        _unknown("MP204", f"no environment {env!r} on the ladder in {where}", env, envs, "the ladder")


def _unknown(code: str, message: str, name: str, names: list[str], listing: str) -> NoReturn:
    import difflib

    close = difflib.get_close_matches(name, names, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"{listing}: {', '.join(names) or '(none)'}"
    raise InputError(Finding(code, message, hint=hint))


# -- branch names --------------------------------------------------------------------------------

BranchKind = Literal["promote", "rollback", "canary"]
_PROMOTE_RE = re.compile(rf"promote/(?P<model>{NAME})/(?P<env>{NAME})/(?P<version>{VERSION_REF})")
_ROLLBACK_RE = re.compile(rf"rollback/(?P<model>{NAME})/(?P<env>{NAME})/(?P<version>{VERSION_REF})")
_CANARY_RE = re.compile(rf"canary/(?P<model>{NAME})/(?P<env>{NAME})/(?P<version>{VERSION_REF})-to-(?P<weight>[0-9]{{1,3}})")
HEALTH_PREFIXES = ("rollback/", "canary/")


@dataclass(frozen=True)
class Branch:
    """What a modelpromote branch name says: promote/..., rollback/... or canary/...-to-<weight>."""

    kind: BranchKind
    model: str
    env: str
    version: str  # promote: the version promoted; rollback/canary: the pointer the change starts from
    weight: int | None = None  # canary: the weight the branch moves to (100 completes)

    @property
    def name(self) -> str:
        if self.kind == "canary":
            return f"canary/{self.model}/{self.env}/{self.version}-to-{self.weight}"
        return f"{self.kind}/{self.model}/{self.env}/{self.version}"

    @property
    def what(self) -> str:
        if self.kind == "promote":
            return f"promote {self.model}/{self.env} to {self.version}"
        if self.kind == "rollback":
            return f"roll back {self.model}/{self.env} from {self.version}"
        return f"move the {self.model}/{self.env} canary of {self.version} to {self.weight}%"


def promotion_branch(model: str, env: str, version: str) -> str:
    return Branch("promote", model, env, version).name


def rollback_branch(model: str, env: str, version: str) -> str:
    return Branch("rollback", model, env, version).name


def canary_branch(model: str, env: str, version: str, weight: int) -> str:
    return Branch("canary", model, env, version, weight).name


def parse_branch(ref: str) -> Branch | None:
    """The :class:`Branch` a ref names, or None when it is no well-formed modelpromote branch."""
    if (m := _PROMOTE_RE.fullmatch(ref)) is not None:
        return Branch("promote", m["model"], m["env"], m["version"])
    if (m := _ROLLBACK_RE.fullmatch(ref)) is not None:
        return Branch("rollback", m["model"], m["env"], m["version"])
    if (m := _CANARY_RE.fullmatch(ref)) is not None:
        return Branch("canary", m["model"], m["env"], m["version"], int(m["weight"]))
    return None


def is_health_ref(ref: str) -> bool:
    """A branch the health bot uses (well-formed or not)."""
    return ref.startswith(HEALTH_PREFIXES)
