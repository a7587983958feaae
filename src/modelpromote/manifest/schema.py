"""The manifest's shape, as pydantic models.

Every model forbids unknown keys: a typo such as ``allow_prerelase`` must be an error, not a
silently ignored setting.  Rules that need the whole document (does a pointer resolve? is the
ladder ordered?) live in :mod:`modelpromote.manifest.checks`, not here, so that this module stays
a plain description that also produces the JSON Schema for editors.
"""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

SCHEMA_VERSION = 1

STATUSES = ("dev", "release_candidate", "stable", "deprecated", "retired", "failed")
Status = Literal["dev", "release_candidate", "stable", "deprecated", "retired", "failed"]

# Names end up in branch names, labels, file paths and shell: keep them boring.
NAME_PATTERN = r"^[a-z0-9][a-z0-9-]{0,62}$"
Name = Annotated[str, StringConstraints(pattern=NAME_PATTERN)]
OWNER_PATTERN = r"^@[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:/[A-Za-z0-9_.-]{1,100})?$"
Owner = Annotated[str, StringConstraints(pattern=OWNER_PATTERN)]
# A pointer or catalogue id; its grammar is checked by versions.parse_version in checks, which
# gives a far better message than a regex error would.
VersionRef = Annotated[str, StringConstraints(min_length=1, max_length=200)]

_DURATION_RE = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")


MAX_DURATION = timedelta(days=36500)  # a century: soaks, windows and retention are far shorter


def parse_duration(text: str) -> timedelta:
    """``"1h30m"``, ``"24h"``, ``"30d"``, ``"2w"`` -> timedelta (``ValueError`` otherwise)."""
    m = _DURATION_RE.fullmatch(text)
    if not text or m is None:
        raise ValueError(f"{text!r} is not a duration; use e.g. 30m, 1h, 24h, 7d, 1h30m")
    if any(x and len(x) > 9 for x in m.groups()):  # also keeps int() off 5000-digit strings
        raise ValueError(f"{text[:40]!r} is longer than any duration modelpromote uses (at most {MAX_DURATION.days} days)")
    w, d, h, mi, s = (int(x) if x else 0 for x in m.groups())
    try:
        out = timedelta(weeks=w, days=d, hours=h, minutes=mi, seconds=s)
    except OverflowError:
        out = timedelta.max
    if out > MAX_DURATION:
        raise ValueError(f"{text!r} is longer than any duration modelpromote uses (at most {MAX_DURATION.days} days)")
    return out


def _check_duration(text: str) -> str:
    parse_duration(text)
    return text


Duration = Annotated[str, AfterValidator(_check_duration), Field(json_schema_extra={"pattern": _DURATION_RE.pattern})]
Percent = Annotated[int, Field(ge=1, le=100, strict=True)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _check_steps(steps: list[int]) -> list[int]:
    if not steps:
        raise ValueError("canary steps must not be empty")
    if any(b <= a for a, b in itertools.pairwise(steps)):
        raise ValueError(f"canary steps must increase strictly, got {steps}")
    if steps[-1] != 100:
        raise ValueError(f"the last canary step must be 100 (full rollout), got {steps[-1]}")
    return steps


class CanaryPolicy(Strict):
    """How a change to this environment rolls out: traffic percentages and time between steps."""

    steps: Annotated[list[Percent], AfterValidator(_check_steps)] = Field(
        description="Percent of traffic on the new version at each step, ending at 100."
    )
    interval: Duration = Field("30m", description="Minimum time at a step before health may advance it.")


class Environment(Strict):
    """A rung of the promotion ladder."""

    name: Name
    description: str | None = None
    promote_from: Name | None = Field(None, description="A version must be live there before it can come here.")
    soak: Duration | None = Field(None, description="... and live there for at least this long.")
    approvals: int = Field(0, ge=0, le=10, description="Distinct approving reviewers a promotion PR needs.", strict=True)
    allow_prerelease: bool = Field(True, description="Whether rc/beta versions may be live here.", strict=True)
    canary: CanaryPolicy | None = None


MAX_PARAMS_DEPTH = 32  # params travel into the runtime config (JSON): keep them far from any serializer's limit


def _check_params(params: dict[str, Any]) -> dict[str, Any]:
    stack: list[tuple[Any, int]] = [(params, 1)]
    while stack:  # no recursion: the check must not overflow on what it is checking
        node, depth = stack.pop()
        if depth > MAX_PARAMS_DEPTH:
            raise ValueError(f"params are nested more than {MAX_PARAMS_DEPTH} levels deep")
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return params


class Settings(Strict):
    """Per-environment runtime settings (the article's ModelConfig)."""

    max_tokens: int | None = Field(None, ge=1, strict=True)
    temperature: float | None = Field(None, ge=0, le=2, strict=True)
    top_p: float | None = Field(None, gt=0, le=1, strict=True)
    timeout_ms: int | None = Field(None, ge=1, strict=True)
    enable_caching: bool | None = Field(None, strict=True)
    params: Annotated[dict[str, Any], AfterValidator(_check_params)] = Field(
        default_factory=dict, description="Provider-specific parameters, passed through."
    )


class CanaryState(Strict):
    """A rollout in progress: the pointer names the new version, ``baseline`` serves the rest."""

    baseline: VersionRef
    weight: int = Field(ge=1, le=99, description="Percent of traffic on the new version.", strict=True)
    step: int = Field(0, ge=0, description="Index into the environment's canary.steps.", strict=True)
    started_at: AwareDatetime
    updated_at: AwareDatetime | None = None


class Experiment(Strict):
    """A sticky A/B split: the live version is the treatment, compared against ``control``.

    Same orientation as a canary: the pointer names the candidate, the other field what it is
    measured against, and ``weight`` is the candidate's share.
    """

    control: VersionRef
    weight: int = Field(50, ge=1, le=99, description="Percent of traffic on the treatment (the live version).", strict=True)
    salt: str | None = Field(None, description="Experiment id mixed into the bucketing hash.")
    started_at: AwareDatetime | None = None


class Hold(Strict):
    """Set by a rollback: automatic promotion of this model stops until a person clears it."""

    reason: str
    at: AwareDatetime
    by: str | None = None
    env: Name | None = None


class Model(Strict):
    name: Name
    description: str | None = None
    owners: list[Owner] = Field(default_factory=list, description="GitHub users (@login) or teams (@org/team).")
    environments: dict[Name, VersionRef] = Field(default_factory=dict, description="Live version per environment.")
    config: dict[Name, Settings] = Field(default_factory=dict)
    fallbacks: list[VersionRef] = Field(default_factory=list, description="Tried in order when the live version fails.")
    canary: dict[Name, CanaryState] = Field(default_factory=dict)
    experiments: dict[Name, Experiment] = Field(default_factory=dict)
    shadow: dict[Name, VersionRef] = Field(default_factory=dict, description="Gets a copy of traffic; never answers users.")
    hold: Hold | None = None

    def hold_in(self, env: str) -> Hold | None:
        """The hold that stops automatic promotion of this model in ``env`` (one without env: all)."""
        if self.hold is not None and self.hold.env in (None, env):
            return self.hold
        return None


class Artifact(Strict):
    digest: Annotated[str, StringConstraints(pattern=r"^sha256:[0-9a-f]{64}$")]
    uri: str | None = None


class VersionEntry(Strict):
    version: VersionRef
    base_model: str
    provider_model: str | None = Field(None, description="The model name the provider's API is called with.")
    training_date: date | None = None
    status: Status
    changelog: str = ""
    artifact: Artifact | None = None
    fallback: VersionRef | None = Field(None, description="Where this version's traffic goes when it fails.")
    created_at: AwareDatetime | None = None


PromptStatus = Literal["draft", "released"]
# The prompt number of a pointer's _prompt-v<N> (versions.py's grammar: no leading zeros).
PromptVersion = Annotated[int, Field(ge=0, le=999_999_999, strict=True)]
VariableName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]


class PromptEntry(Strict):
    """One version of a model's prompt.  The text is a file beside the manifest, so a change to it
    is a reviewed diff; the digest pins what reviewers approved."""

    version: PromptVersion = Field(description="N of the pointers' _prompt-v<N>.")
    file: Annotated[str, StringConstraints(min_length=1, max_length=300)] = Field(
        description="Path relative to the manifest's directory, by convention prompts/<model>/v<N>.<ext>."
    )
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")] | None = Field(
        None, description="Hex SHA-256 of the file's bytes; required once released (sha256sum FILE)."
    )
    variables: list[VariableName] = Field(default_factory=list, description="The {{ name }} placeholders of the text.")
    status: PromptStatus = Field("released", description="draft: may still change (only where prereleases are allowed). released: frozen.")
    changelog: str = ""


class ExternalModel(Strict):
    """A provider model that may appear in fallback chains without a catalogue entry."""

    name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    provider: str | None = None
    description: str | None = None


class Promotion(Strict):
    """One entry of the append-only promotions log."""

    model: Name
    env: Name
    from_: VersionRef | None = Field(None, alias="from")
    to: VersionRef
    at: AwareDatetime
    by: str | None = None
    reason: str | None = None
    pr: int | None = Field(None, ge=1, strict=True)
    kind: Literal["promote", "rollback", "canary", "complete", "adopt"] = "promote"


class FailureRecord(Strict):
    model: Name
    version: VersionRef
    env: Name
    at: AwareDatetime
    gate: str
    report: str | None = None
    reason: str | None = None


class FreezeWindow(Strict):
    start: AwareDatetime
    end: AwareDatetime
    reason: str
    environments: list[Name] = Field(default_factory=list, description="Empty means every environment.")


class EvalRule(Strict):
    metrics: dict[str, str] = Field(default_factory=dict, description='e.g. {accuracy: ">= 0.85"}')
    min_samples: int = Field(30, ge=1, strict=True)
    confidence: float = Field(0.95, gt=0, lt=1, strict=True)


HealthMetricName = Literal["latency_p99_ms", "error_rate", "quality_score", "hallucination_rate", "cost_per_request_cents"]
# Thresholds are finite numbers: a NaN compares false with everything and would switch a check off.
_FINITE: dict[str, Any] = {"allow_inf_nan": False}


def _quality_alone() -> list[HealthMetricName]:
    return ["quality_score"]


class RollbackPolicy(Strict):
    latency_p99_ms: float = Field(2000, gt=0, **_FINITE, strict=True, description="p99 latency limit in ms.")
    error_rate: float = Field(0.01, ge=0, le=1, **_FINITE, strict=True, description="A share of requests, 0..1.")
    quality_score: float = Field(0.80, ge=0, le=1, **_FINITE, strict=True, description="Mean quality score (0..1) below which it breaches.")
    hallucination_rate: float = Field(0.05, ge=0, le=1, **_FINITE, strict=True, description="A share of graded responses, 0..1.")
    cost_per_request_cents: float = Field(2.0, ge=0, **_FINITE, strict=True)
    min_breaches: int = Field(2, ge=1, description="Non-critical breaches needed for a rollback.", strict=True)
    critical: list[str] = Field(default_factory=lambda: ["error_rate", "hallucination_rate"])
    alone: list[HealthMetricName] = Field(
        default_factory=lambda: _quality_alone(),
        description="Metrics whose failure *with evidence* (an interval, not a point value) rolls back by itself.",
    )
    auto_merge: bool = Field(False, strict=True)


class HealthQuery(Strict):
    """PromQL for one health metric; {model}, {version}, {env} and {window} are filled in (validated values only)."""

    query: str | None = Field(
        None, description="Rate metrics: count of bad events (errors, hallucinations) in the window. Others: the metric's value."
    )
    samples: str | None = Field(None, description="How many requests (or graded responses) the value rests on.")
    buckets: str | None = Field(
        None, description="latency_p99_ms: the histogram's cumulative buckets, one series per `le` (gives the p99 an interval)."
    )
    bucket_unit_ms: float = Field(
        1000, gt=0, allow_inf_nan=False, strict=True, description="Milliseconds per unit of `le`: 1000 for seconds."
    )
    enabled: bool = Field(True, description="false: the metric is neither read nor needed to advance.", strict=True)


class HealthSource(Strict):
    """Where `modelpromote health` reads metrics (--prometheus / --metrics-json override it)."""

    kind: Literal["prometheus", "json"] = "prometheus"
    url: str | None = Field(None, description="Prometheus base URL, or the URL of a JSON metrics document.")
    path: str | None = Field(None, description="kind json: a metrics file, relative to the manifest.")
    timeout: Duration = "10s"


class HealthPolicy(Strict):
    """How `modelpromote health` judges a canary or a recent promotion (thresholds: policies.rollback)."""

    window: Duration = Field("30m", description="Metrics are read over this trailing window; older breaches are ignored.")
    min_samples: int = Field(100, ge=1, description="Fewer samples than this is inconclusive: the rollout holds.", strict=True)
    confidence: float = Field(
        0.99, gt=0.5, lt=1, strict=True, description="Evidence of harm needed to fail a metric (anytime-valid over all runs of a step)."
    )
    advance_confidence: float = Field(
        0.95, gt=0.5, lt=1, strict=True, description="Evidence of safety needed to pass a metric (anytime-valid)."
    )
    require_experiment: bool = Field(
        False,
        strict=True,
        description="Promoting a version out of an environment where it is an experiment's treatment needs the verdict "
        "`treatment` from `modelpromote experiment`.",
    )
    since_step: bool = Field(
        True,
        strict=True,
        description="Read metrics since the canary step (or the promotion) began, so evidence accumulates; false: the window only.",
    )
    watch: Duration = Field("24h", description="Promotions younger than this are checked (and rolled back if harmful).")
    source: HealthSource = HealthSource()
    metrics: dict[HealthMetricName, HealthQuery] = Field(default_factory=dict, description="Overrides of the default queries.")


class Policies(Strict):
    eval: dict[str, EvalRule] = Field(default_factory=dict, description='Keys: "default", "<model>" or "<model>/<env>".')
    rollback: RollbackPolicy = RollbackPolicy()
    health: HealthPolicy = HealthPolicy()
    retention: Duration = "30d"
    freeze: list[FreezeWindow] = Field(default_factory=list)


class Manifest(Strict):
    schema_version: Literal[1]
    environments: Annotated[list[Environment], Field(min_length=1)]
    external_models: list[ExternalModel] = Field(default_factory=list)
    models: list[Model] = Field(default_factory=list)
    version_history: list[VersionEntry] = Field(default_factory=list)
    prompts: dict[Name, list[PromptEntry]] | None = Field(
        None,
        description="Prompt catalogue per model.  Once present, every _prompt-v<N> a pointer names must be listed here.",
    )
    promotions: list[Promotion] = Field(default_factory=list)
    failures: list[FailureRecord] = Field(default_factory=list)
    policies: Policies = Policies()

    # Lookups used everywhere; built on demand because the manifest is immutable in practice.
    def env(self, name: str) -> Environment | None:
        return next((e for e in self.environments if e.name == name), None)

    def model(self, name: str) -> Model | None:
        return next((m for m in self.models if m.name == name), None)

    def catalogue(self) -> dict[str, VersionEntry]:
        return {v.version: v for v in self.version_history}

    def prompt(self, model: str, version: int) -> PromptEntry | None:
        """The catalogued prompt ``version`` of ``model`` (None also when there is no catalogue)."""
        return next((p for p in (self.prompts or {}).get(model, ()) if p.version == version), None)


def json_schema() -> dict[str, Any]:
    schema = Manifest.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = "https://modelpromote.dev/manifest.schema.json"
    schema["title"] = "modelpromote manifest"
    return schema
