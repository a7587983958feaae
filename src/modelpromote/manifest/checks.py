"""Rules that need the whole manifest: names resolve, the ladder is ordered, nothing bad is live.

Pure: a validated :class:`Manifest` and its :class:`Source` (for positions) in, findings out.
"""

from __future__ import annotations

from ..errors import Finding
from ..versions import VersionError, VersionId, parse_version
from .prompt_checks import check_prompt_catalogue
from .schema import Manifest
from .source import PathKey, Source

NOT_LIVE = {"failed", "retired"}


def check_manifest(m: Manifest, src: Source) -> list[Finding]:
    out: list[Finding] = []
    out += _check_ladder(m, src)
    parsed = _check_catalogue(m, src, out)
    external = _check_external(m, src, out)
    _check_models(m, src, parsed, external, out)
    _check_logs(m, src, out)
    out += check_prompt_catalogue(m, src)
    return out


def _check_ladder(m: Manifest, src: Source) -> list[Finding]:
    out: list[Finding] = []
    seen: dict[str, int] = {}
    for i, env in enumerate(m.environments):
        if env.name in seen:
            out.append(src.finding("MP209", f"environment {env.name!r} is declared twice", ("environments", i, "name")))
            continue
        if env.promote_from is not None:
            if env.promote_from == env.name:
                out.append(src.finding("MP210", f"environment {env.name!r} promotes from itself", ("environments", i, "promote_from")))
            elif env.promote_from not in seen:
                later = any(e.name == env.promote_from for e in m.environments)
                why = "comes later in the ladder" if later else "is not declared"
                out.append(
                    src.finding(
                        "MP210", f"environment {env.name!r}: promote_from {env.promote_from!r} {why}", ("environments", i, "promote_from")
                    )
                )
        elif env.soak is not None:
            out.append(
                src.finding(
                    "MP210",
                    f"environment {env.name!r} sets soak without promote_from",
                    ("environments", i, "soak"),
                    hint="add promote_from, or remove soak",
                )
            )
        seen[env.name] = i
    return out


def _check_catalogue(m: Manifest, src: Source, out: list[Finding]) -> dict[str, VersionId]:
    parsed: dict[str, VersionId] = {}
    first: dict[str, int] = {}
    for i, entry in enumerate(m.version_history):
        path: PathKey = ("version_history", i, "version")
        try:
            vid = parse_version(entry.version)
        except VersionError as exc:
            out.append(src.finding("MP201", str(exc), path))
            continue
        if vid.prompt is not None:
            out.append(
                src.finding(
                    "MP201",
                    f"{entry.version!r}: catalogue versions carry no _prompt suffix",
                    path,
                    hint=f"list {vid.model_version} here; pair the prompt in environment pointers",
                )
            )
            continue
        if entry.version in first:
            j = first[entry.version]
            line = src.at(("version_history", j, "version"))[0]
            out.append(src.finding("MP202", f"version {entry.version!r} is listed twice (first at line {line})", path))
            continue
        first[entry.version] = i
        parsed[entry.version] = vid
        if vid.base != entry.base_model:
            out.append(
                src.finding(
                    "MP212",
                    f"{entry.version!r} has base model {vid.base!r} but base_model says {entry.base_model!r}",
                    ("version_history", i, "base_model"),
                )
            )
    # version-level fallback links: resolve, and never loop
    for i, entry in enumerate(m.version_history):
        if entry.fallback is None:
            continue
        path = ("version_history", i, "fallback")
        if entry.fallback not in parsed and not any(x.name == entry.fallback for x in m.external_models):
            out.append(
                src.finding("MP203", f"fallback {entry.fallback!r} of {entry.version!r} is not in version_history or external_models", path)
            )
    links = {e.version: e.fallback for e in m.version_history if e.fallback}
    reported: set[str] = set()
    for start in links:
        chain = [start]
        node = links.get(start)
        while node is not None and node not in chain:
            chain.append(node)
            node = links.get(node)
        if node is not None and node not in reported:
            cycle = chain[chain.index(node) :]
            reported.update(cycle)
            i = first.get(node, 0)
            out.append(src.finding("MP207", "fallback chain loops: " + " -> ".join([*cycle, node]), ("version_history", i, "fallback")))
    return parsed


def _check_external(m: Manifest, src: Source, out: list[Finding]) -> set[str]:
    names: set[str] = set()
    for i, x in enumerate(m.external_models):
        if x.name in names:
            out.append(src.finding("MP209", f"external model {x.name!r} is declared twice", ("external_models", i, "name")))
        names.add(x.name)
    return names


def _resolve(ref: str, catalogue: dict[str, VersionId], path: PathKey, src: Source, out: list[Finding], what: str) -> VersionId | None:
    try:
        vid = parse_version(ref)
    except VersionError as exc:
        out.append(src.finding("MP201", f"{what}: {exc}", path))
        return None
    if vid.model_version not in catalogue:
        out.append(src.finding("MP203", f"{what}: version {vid.model_version!r} is not in version_history", path))
        return None
    return vid


def _check_models(m: Manifest, src: Source, catalogue: dict[str, VersionId], external: set[str], out: list[Finding]) -> None:
    ladder = {e.name: e for e in m.environments}
    status = {e.version: e.status for e in m.version_history}
    seen: set[str] = set()
    for i, model in enumerate(m.models):
        base: PathKey = ("models", i)
        if model.name in seen:
            out.append(src.finding("MP209", f"model {model.name!r} is declared twice", (*base, "name")))
        seen.add(model.name)
        for section in ("environments", "config", "canary", "experiments", "shadow"):
            for env in getattr(model, section):
                if env not in ladder:
                    out.append(
                        src.finding(
                            "MP204",
                            f"model {model.name!r}: {section}.{env}: no environment {env!r} in the ladder ({', '.join(ladder)})",
                            (*base, section, env),
                            key=True,
                        )
                    )
        for env, ref in model.environments.items():
            path = (*base, "environments", env)
            vid = _resolve(ref, catalogue, path, src, out, f"{model.name}/{env}")
            if vid is None:
                continue
            st = status[vid.model_version]
            if st in NOT_LIVE:
                out.append(src.finding("MP205", f"{model.name}/{env} points at {ref!r}, whose status is {st}", path))
            e = ladder.get(env)
            if e is not None and not e.allow_prerelease and vid.is_prerelease:
                out.append(
                    src.finding("MP206", f"{model.name}/{env} points at prerelease {ref!r}, but {env} sets allow_prerelease: false", path)
                )
        for env, canary in model.canary.items():
            path = (*base, "canary", env)
            if env not in model.environments:
                out.append(src.finding("MP214", f"{model.name}: canary in {env} but no live version there", path, key=True))
            _resolve(canary.baseline, catalogue, (*path, "baseline"), src, out, f"{model.name}/{env} canary baseline")
            if canary.baseline == model.environments.get(env):
                out.append(src.finding("MP214", f"{model.name}/{env}: canary baseline equals the live version", (*path, "baseline")))
        for env, exp in model.experiments.items():
            path = (*base, "experiments", env)
            if env in model.canary:
                out.append(src.finding("MP214", f"{model.name}/{env}: a canary and an A/B experiment at once; traffic "
                                       "splits would overlap", path, key=True, hint="finish the canary or end the experiment"))
            if env not in model.environments:
                out.append(src.finding("MP214", f"{model.name}: experiment in {env} but no live version there", path, key=True))
            _resolve(exp.control, catalogue, (*path, "control"), src, out, f"{model.name}/{env} A/B control")
        for env, ref in model.shadow.items():
            _resolve(ref, catalogue, (*base, "shadow", env), src, out, f"{model.name}/{env} shadow")
        chain: set[str] = set()
        for j, ref in enumerate(model.fallbacks):
            path = (*base, "fallbacks", j)
            if ref in chain:
                out.append(src.finding("MP207", f"{model.name}: fallback {ref!r} appears twice in the chain", path))
                continue
            chain.add(ref)
            if ref in external:
                continue
            vid = _resolve(ref, catalogue, path, src, out, f"{model.name} fallback")
            if vid is not None and status[vid.model_version] in NOT_LIVE:
                out.append(src.finding("MP205", f"{model.name}: fallback {ref!r} is {status[vid.model_version]}", path))


def _check_logs(m: Manifest, src: Source, out: list[Finding]) -> None:
    ladder = {e.name for e in m.environments}
    for i, w in enumerate(m.policies.freeze):
        if w.end <= w.start:
            out.append(src.finding("MP208", "freeze window ends before it starts", ("policies", "freeze", i, "end")))
        for env in w.environments:
            if env not in ladder:
                out.append(
                    src.finding("MP204", f"freeze window names unknown environment {env!r}", ("policies", "freeze", i, "environments"))
                )
