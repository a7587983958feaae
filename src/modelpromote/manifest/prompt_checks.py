"""Rules of the prompt catalogue: pointers name catalogued prompts, files stay inside, texts match.

Pure: a validated :class:`Manifest` (and, for :func:`check_prompt_texts`, the prompt texts the
loader read; see :mod:`modelpromote.manifest.prompts`) in, located findings out.

The catalogue is opt-in: a manifest without a ``prompts`` section keeps prompt numbers as bare
names, as manifests written before catalogues did.  Once the section exists, every
``_prompt-v<N>`` a model's pointers name must be listed under that model.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from hashlib import sha256
from typing import Literal

from ..errors import Finding
from ..runtime.prompt import placeholders
from ..versions import VersionError, parse_version
from .schema import Manifest, Model, PromptEntry
from .source import PathKey, Source

#: (model, prompt version) -> the text of its file, as read by the loader.
PromptTexts = Mapping[tuple[str, int], str]


def path_problem(file: str) -> str | None:
    """Why ``file`` may not name a prompt file, judged on the string alone (None: fine).

    Symlinks that lead out are the loader's to catch; this refuses what needs no file system.
    """
    if "\\" in file or "\x00" in file:
        return "use '/' as the separator, and no NUL or backslash"
    if file.startswith("/") or (len(file) > 1 and file[1] == ":"):
        return "an absolute path; write it relative to the manifest's directory"
    if any(part in ("", ".", "..") for part in file.split("/")):
        return "empty, '.' or '..' path segments; write a plain relative path such as prompts/chat/v1.md"
    return None


def _model_refs(model: Model, base: PathKey) -> Iterator[tuple[str | None, str, PathKey]]:
    """(environment or None, ref, where) of every version a model's section names."""
    for env, ref in model.environments.items():
        yield env, ref, (*base, "environments", env)
    for env, canary in model.canary.items():
        yield env, canary.baseline, (*base, "canary", env, "baseline")
    for env, exp in model.experiments.items():
        yield env, exp.control, (*base, "experiments", env, "control")
    for env, ref in model.shadow.items():
        yield env, ref, (*base, "shadow", env)
    for j, ref in enumerate(model.fallbacks):
        yield None, ref, (*base, "fallbacks", j)


def _prompt_of(ref: str) -> int | None:
    try:
        return parse_version(ref).prompt
    except VersionError:
        return None  # reported by checks.py


def check_prompt_catalogue(m: Manifest, src: Source) -> list[Finding]:
    """Everything about the catalogue that needs no file: names, duplicates, paths, pointers."""
    if m.prompts is None:
        return []
    out: list[Finding] = []
    models = {x.name for x in m.models}
    for name, entries in m.prompts.items():
        if name not in models:
            out.append(
                src.finding(
                    "MP215",
                    f"prompts.{name}: no model {name!r} in models",
                    ("prompts", name),
                    key=True,
                    hint=f"the keys under prompts name models: {', '.join(sorted(models)) or '(none)'}",
                )
            )
        first: dict[int, int] = {}
        for i, p in enumerate(entries):
            where: PathKey = ("prompts", name, i)
            if p.version in first:
                line = src.at(("prompts", name, first[p.version], "version"))[0]
                out.append(src.finding("MP220", f"{name} prompt-v{p.version} is listed twice (first at line {line})", (*where, "version")))
                continue
            first[p.version] = i
            problem = path_problem(p.file)
            if problem is not None:
                out.append(src.finding("MP217", f"{name} prompt-v{p.version}: file {p.file!r}: {problem}", (*where, "file")))
            if p.status == "released" and p.sha256 is None:
                out.append(
                    src.finding(
                        "MP218",
                        f"{name} prompt-v{p.version} is released but records no sha256",
                        where,
                        hint=f"add sha256: <the output of `sha256sum {p.file}`>, or mark it status: draft while it changes",
                    )
                )
    links = {e.version: e.fallback for e in m.version_history if e.fallback}
    for i, model in enumerate(m.models):
        for env, ref, where in _model_refs(model, ("models", i)):
            n = _prompt_of(ref)
            if n is not None:
                out += _check_ref(m, src, model.name, n, ref, where, env)
            # Version-level fallback links serve this model's traffic too (policy/export.fallback_chain).
            seen = {ref}
            node = links.get(_model_version(ref))
            while node is not None and node not in seen:
                seen.add(node)
                n = _prompt_of(node)
                if n is not None and m.prompt(model.name, n) is None:
                    out.append(
                        src.finding(
                            "MP215",
                            f"{model.name}: fallback {node!r} (reached from {ref!r}) names prompt-v{n}, "
                            f"which is not in prompts.{model.name}",
                            where,
                        )
                    )
                node = links.get(_model_version(node))
    return out


def _model_version(ref: str) -> str:
    try:
        return parse_version(ref).model_version
    except VersionError:
        return ref


def _check_ref(m: Manifest, src: Source, model: str, n: int, ref: str, where: PathKey, env: str | None) -> list[Finding]:
    entry = m.prompt(model, n)
    if entry is None:
        known = ", ".join(f"v{p.version}" for p in (m.prompts or {}).get(model, ())) or "none"
        return [
            src.finding(
                "MP215",
                f"{model}: {ref!r} names prompt-v{n}, which is not in prompts.{model} (catalogued: {known})",
                where,
            )
        ]
    e = m.env(env) if env is not None else None
    if entry.status == "draft" and e is not None and not e.allow_prerelease:
        return [src.finding("MP221", f"{model}/{env}: {ref!r} names draft prompt-v{n}, but {env} sets allow_prerelease: false", where)]
    return []


def check_prompt_texts(m: Manifest, src: Source, texts: PromptTexts) -> list[Finding]:
    """Digests of released prompts, and declared variables against the placeholders in the text."""
    out: list[Finding] = []
    for name, entries in (m.prompts or {}).items():
        seen: set[int] = set()
        for i, p in enumerate(entries):
            text = texts.get((name, p.version))
            if text is None or p.version in seen:
                continue  # unreadable (the loader said why), or a duplicate (MP220)
            seen.add(p.version)
            where: PathKey = ("prompts", name, i)
            actual = sha256(text.encode("utf-8")).hexdigest()
            if p.status == "released" and p.sha256 is not None and p.sha256 != actual:
                out.append(
                    src.finding(
                        "MP218",
                        f"{name} prompt-v{p.version}: {p.file} changed after release "
                        f"(sha256 {actual[:12]}…, the manifest records {p.sha256[:12]}…)",
                        (*where, "sha256"),
                        hint=f"restore {p.file} (relative to the manifest) from git; "
                        f"put the new text in a new version, prompt-v{_next(entries)}",
                    )
                )
            used = placeholders(text)
            declared = list(dict.fromkeys(p.variables))
            missing = [v for v in used if v not in declared]
            unused = [v for v in declared if v not in used]
            if missing or unused:
                parts = ([f"used in the text but not declared: {', '.join(missing)}"] if missing else []) + (
                    [f"declared but not in the text: {', '.join(unused)}"] if unused else []
                )
                out.append(
                    src.finding(
                        "MP219",
                        f"{name} prompt-v{p.version} ({p.file}): {'; '.join(parts)}",
                        (*where, "variables"),
                        hint=f"variables: [{', '.join(used)}]",
                    )
                )
    return out


def _next(entries: list[PromptEntry]) -> int:
    return max((e.version for e in entries), default=0) + 1


# -- pull requests that touch prompt files (for the gate) ------------------------------------------

PromptVerdict = Literal["new", "draft", "unchanged", "breaks-digest", "missing", "removed", "uncatalogued", "unread"]


@dataclass(frozen=True)
class PromptFileChange:
    """One changed path of a pull request that is (or sits where) a prompt file (is).

    ``verdict``:
      ``new``           catalogued only by the head manifest, bytes match its sha256 (or it records none)
      ``draft``         a draft prompt: it may change
      ``unchanged``     a released prompt whose bytes still match (a mode change, say)
      ``breaks-digest`` a released prompt's bytes no longer match the digest the base (or head)
                        manifest records: a reviewed prompt changed afterwards (``finding``: MP218)
      ``missing``       deleted, but the head manifest still catalogues it (``finding``: MP216)
      ``removed``       deleted together with its catalogue entry
      ``uncatalogued``  under the manifest's ``prompts/`` directory but no entry names it
      ``unread``        a catalogued prompt whose head bytes were not passed in ``head_bytes``
    """

    path: str  # repository-relative, as the pull request lists it
    model: str | None
    version: int | None
    verdict: PromptVerdict
    finding: Finding | None = None

    @property
    def breaking(self) -> bool:
        return self.finding is not None

    def to_json(self) -> dict[str, object]:
        return {"path": self.path, "model": self.model, "prompt": self.version, "verdict": self.verdict,
                "finding": None if self.finding is None else self.finding.to_json()}


def prompt_paths(m: Manifest | None, manifest_path: str) -> dict[str, tuple[str, PromptEntry]]:
    """Repository-relative path -> (model, entry) of every catalogued prompt file of ``m``.

    ``manifest_path`` is the manifest's path in the repository (``models/manifest.yaml``); entry
    files are relative to its directory.  Refused paths (MP217) are left out: they name nothing.
    """
    out: dict[str, tuple[str, PromptEntry]] = {}
    if m is None:
        return out
    root = posixpath.dirname(_norm(manifest_path))
    for name, entries in (m.prompts or {}).items():
        for p in entries:
            if path_problem(p.file) is None:
                out.setdefault(posixpath.normpath(posixpath.join(root, p.file)), (name, p))
    return out


def prompt_paths_to_read(changed: Iterable[str], manifest_path: str, base: Manifest | None, head: Manifest | None) -> list[str]:
    """The changed paths whose head bytes :func:`classify_prompt_changes` needs (catalogued prompts)."""
    known = prompt_paths(base, manifest_path).keys() | prompt_paths(head, manifest_path).keys()
    return [p for p in dict.fromkeys(_norm(x) for x in changed) if p in known]


def classify_prompt_changes(
    changed: Iterable[str],
    manifest_path: str,
    base: Manifest | None,
    head: Manifest | None,
    head_bytes: Mapping[str, bytes | None],
) -> list[PromptFileChange]:
    """Which changed paths of a pull request are prompt files, whose, and whether they break a digest.

    ``changed``: the pull request's changed paths (repository-relative); ``base``/``head``: the
    manifest on the base branch and in the pull request (None where it does not load);
    ``head_bytes``: path -> the file's bytes at the head (None: deleted) for at least
    :func:`prompt_paths_to_read`.  The base's record wins for a released prompt: a pull request
    that changes a released prompt's text *and* its sha256 still changes what reviewers approved.
    Paths that are not prompt files are left out.
    """
    old, new = prompt_paths(base, manifest_path), prompt_paths(head, manifest_path)
    prompts_dir = posixpath.join(posixpath.dirname(_norm(manifest_path)), "prompts") + "/"
    out: list[PromptFileChange] = []
    for path in dict.fromkeys(_norm(x) for x in changed):
        before, after = old.get(path), new.get(path)
        owner = after or before
        if owner is None:
            if path.startswith(prompts_dir):
                rest = path[len(prompts_dir) :]
                out.append(PromptFileChange(path, rest.split("/", 1)[0] if "/" in rest else None, None, "uncatalogued"))
            continue
        model, entry = owner
        if path not in head_bytes:
            out.append(PromptFileChange(path, model, entry.version, "unread"))
            continue
        raw = head_bytes[path]
        if raw is None:
            if after is not None:
                f = Finding("MP216", f"{model} prompt-v{entry.version}: {path} is deleted but the manifest still catalogues it", path)
                out.append(PromptFileChange(path, model, entry.version, "missing", f))
            else:
                out.append(PromptFileChange(path, model, entry.version, "removed"))
            continue
        actual = sha256(raw).hexdigest()
        pinned = next((e for e in (before, after) if e is not None and e[1].status == "released" and e[1].sha256), None)
        if pinned is not None:
            rec = pinned[1]
            if rec.sha256 == actual:
                out.append(PromptFileChange(path, model, entry.version, "unchanged" if before is not None else "new"))
                continue
            which = "the base branch's manifest" if pinned is before else "the manifest"
            f = Finding(
                "MP218",
                f"{model} prompt-v{rec.version}: {path} changed after release (sha256 {actual[:12]}…, "
                f"{which} records {str(rec.sha256)[:12]}…)",
                path,
                hint=f"restore {path} from the base branch; put the new text in a new version: "
                f"modelpromote release {model} --prompt NEW_FILE",
            )
            out.append(PromptFileChange(path, model, rec.version, "breaks-digest", f))
        elif entry.status == "draft":
            out.append(PromptFileChange(path, model, entry.version, "draft"))
        else:
            out.append(PromptFileChange(path, model, entry.version, "new"))
    return out


def _norm(path: str) -> str:
    return posixpath.normpath(path)
