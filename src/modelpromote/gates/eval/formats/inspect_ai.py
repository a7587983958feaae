"""inspect_ai eval logs: ``.json`` (an ``EvalLog``) and ``.eval`` (a zip archive).

The ``.eval`` archive holds ``header.json`` (the ``EvalLog`` without samples, written when the
run finishes), ``_journal/start.json``, ``summaries.json``, ``reductions.json`` and
``samples/<id>_epoch_<n>.json``; only the header is read.  Recent inspect_ai compresses members
with zstandard (zip method 93), which needs Python 3.14 or the ``zstandard`` package.

From the log: ``status`` (only ``success`` may pass), ``results.scores[].metrics.<m>.value`` (a
``stderr`` metric beside it becomes that score's standard error), ``scored_samples`` or
``results.completed_samples`` as the count, and ``total_samples`` vs ``completed_samples`` for a note.
"""

from __future__ import annotations

import io
import struct
import sys
import zipfile
import zlib
from typing import Any

from ....errors import Finding, InputError
from ..model import EvalResults, Metric
from .common import bad, count, decode, load_json, number

ZIP_MAGIC = b"PK\x03\x04"
ZIP_ZSTANDARD = 93
MAX_MEMBER = 256 * 1024 * 1024
_UNCERTAINTY = {"stderr", "std", "var"}


def looks_like(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("eval"), dict) and "status" in obj and ("version" in obj or "plan" in obj)


def _zstd_decompress(raw: bytes, file: str) -> bytes:
    if sys.version_info >= (3, 14):  # pragma: no cover - depends on the interpreter
        from compression import zstd  # type: ignore[import-not-found]

        out: bytes = zstd.decompress(raw)
        return out
    try:
        import zstandard
    except ImportError:
        raise bad(file, "this .eval log is compressed with zstandard, which this Python cannot read", code="MP510",
                  hint='pip install "modelpromote[eval]", or convert the log: inspect log convert --to json') from None
    with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw), read_across_frames=True) as reader:
        data: bytes = reader.read(MAX_MEMBER + 1)
    return data


def _member(zf: zipfile.ZipFile, data: bytes, name: str, file: str) -> bytes:
    info = zf.getinfo(name)
    if info.file_size > MAX_MEMBER:
        raise bad(file, f"{name} in the .eval archive is {info.file_size} bytes; refusing to inflate it", code="MP502")
    if info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        return zf.read(name)
    if info.compress_type != ZIP_ZSTANDARD:
        raise bad(file, f"{name} uses zip compression method {info.compress_type}, which modelpromote cannot read", code="MP510",
                  hint="convert the log: inspect log convert --to json")
    # zipfile (before 3.14) cannot inflate method 93: take the raw bytes from the local header.
    off = info.header_offset
    sig, *_rest = struct.unpack_from("<4s22xHH", data, off)
    if sig != ZIP_MAGIC:
        raise bad(file, f"{name}: corrupt local header in the .eval archive", code="MP502")
    name_len, extra_len = struct.unpack_from("<HH", data, off + 26)
    start = off + 30 + name_len + extra_len
    raw = data[start:start + info.compress_size]
    if len(raw) != info.compress_size:
        raise bad(file, f"{name}: the .eval archive is truncated", code="MP502")
    try:
        out = _zstd_decompress(raw, file)
    except InputError:
        raise
    except Exception as exc:  # zstandard.ZstdError and friends
        raise bad(file, f"{name}: cannot decompress ({exc})", code="MP502") from None
    if len(out) > MAX_MEMBER or zlib.crc32(out) != info.CRC:
        raise bad(file, f"{name}: the decompressed data does not match its checksum (corrupt archive)", code="MP502")
    return out


def _corrupt(file: str, exc: BaseException) -> InputError:
    return bad(file, f"the .eval archive is truncated or corrupt ({exc})", "copy the log again, or re-run the eval", code="MP502")


def read_eval_archive(data: bytes, file: str) -> Any:
    """The ``EvalLog`` header of a ``.eval`` archive, as plain JSON data."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, struct.error) as exc:
        raise _corrupt(file, exc) from None
    try:
        if "header.json" in names:
            return load_json(decode(_member(zf, data, "header.json", file), file), f"{file}!header.json", "header.json")
        if "_journal/start.json" in names:
            start = load_json(decode(_member(zf, data, "_journal/start.json", file), file), file, "_journal/start.json")
            return {"version": start.get("version", 2) if isinstance(start, dict) else 2, "status": "started",
                    "eval": start.get("eval", {}) if isinstance(start, dict) else {}}
    except (zipfile.BadZipFile, OSError, EOFError, zlib.error, struct.error) as exc:
        raise _corrupt(file, exc) from None
    raise bad(file, "a zip archive without header.json or _journal/start.json: not an inspect_ai .eval log", code="MP501",
              hint="pass an inspect_ai log (.eval or .json), or choose --format")


def parse(obj: Any, file: str) -> EvalResults:
    if not isinstance(obj, dict):
        raise bad(file, "an inspect_ai log must be a JSON object")
    status = obj.get("status")
    ev: dict[str, Any] = obj["eval"] if isinstance(obj.get("eval"), dict) else {}
    res = obj.get("results")
    notes: list[str] = []
    if status != "success":
        err = obj.get("error")
        msg = err.get("message") if isinstance(err, dict) else None
        notes.append(f"inspect status is {status!r}" + (f": {msg}" if msg else ""))
    if not isinstance(res, dict) or not isinstance(res.get("scores"), list) or not res["scores"]:
        raise InputError(Finding("MP503", f"the inspect_ai log has no results (status {status!r})", file,
                                 hint="wait for the eval to finish, or re-run it; a log is written before results exist"))
    total, completed = count(res.get("total_samples")), count(res.get("completed_samples"))
    if total is not None and completed is not None and completed < total:
        notes.append(f"{total - completed} of {total} samples did not complete")
    scores = [s for s in res["scores"] if isinstance(s, dict)]
    names_seen: dict[str, int] = {}
    for sc in scores:
        for m in (sc.get("metrics") or {}):
            names_seen[m] = names_seen.get(m, 0) + 1
    metrics: dict[str, Metric] = {}
    for sc in scores:
        ms: dict[str, Any] = sc["metrics"] if isinstance(sc.get("metrics"), dict) else {}
        sname = str(sc.get("name") or sc.get("scorer") or "score")
        n = count(sc.get("scored_samples")) or completed
        se = number((ms.get("stderr") or {}).get("value")) if isinstance(ms.get("stderr"), dict) else None
        for mname, m in ms.items():
            if mname in _UNCERTAINTY or not isinstance(m, dict):
                continue
            value = number(m.get("value"))
            if value is None:
                continue
            key = mname if names_seen.get(mname, 0) == 1 else f"{sname}/{mname}"
            metrics[key] = Metric(key, "score", value, n, None, se, True, f"results.scores[{sname}].metrics.{mname}")
    if not metrics:
        raise bad(file, "the inspect_ai log's results.scores hold no numeric metric")
    if isinstance(ev.get("model"), str):
        notes.append(f"provider model: {ev['model']}")
    return EvalResults("inspect", metrics, status == "success", tuple(notes))
