"""Saved evidence and results: JSON with a schema version, checked on load."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Generic, TypeVar

from scanner.codec import DecodeError, from_jsonable, to_jsonable
from scanner.errors import PreflightError
from scanner.evidence import SCHEMA_VERSION, SECTIONS, Evidence
from scanner.files import read_text
from scanner.model import FILE_TIME, ScanResult

T = TypeVar("T")


class StoreError(PreflightError):
    """A saved file cannot be used; the message says which and why."""


def dump_result(result: ScanResult) -> str:
    """The JSON contract: the run's sources and options sit under "provenance"."""
    data = to_jsonable(result)
    body = {
        "schema_version": SCHEMA_VERSION,
        "tool_version": data.pop("tool_version"),
        "started": data.pop("started"),
        "finished": data.pop("finished"),
        "provenance": {"sources": data.pop("sources"), "options": data.pop("options")},
    }
    return json.dumps({**body, **data}, indent=2, ensure_ascii=False) + "\n"


def dump_evidence(ev: Evidence) -> str:
    return json.dumps(to_jsonable(ev), indent=2, ensure_ascii=False) + "\n"


def load_result(path: Path) -> ScanResult:
    data = _read(path, "result")
    prov = data.pop("provenance", {}) or {}
    if not isinstance(prov, dict):
        raise StoreError(f"{path}: damaged or foreign file: $.provenance: expected dict")
    data["sources"] = prov.get("sources", [])
    data["options"] = prov.get("options", {})
    data.pop("schema_version", None)
    return _decode(ScanResult, data, path)


def load_evidence(path: Path) -> Evidence:
    data = _read(path, "evidence")
    if "collected_at" not in data:
        if "results" in data or not (set(data) & {"sources", *SECTIONS}):
            raise StoreError(
                f"{path}: not an evidence file (no 'collected_at'); create one with 'mdm-preflight collect'"
            )
        # Written before the collection time was recorded: the file's own time is the best there is, and
        # every source says it was taken from there (the report's scope section shows it).
        at = file_time(path)
        ev: Evidence = _decode(Evidence, {**data, "collected_at": at.isoformat()}, path)
        moved = tuple(replace(s, collected=at, collected_from=FILE_TIME) for s in ev.sources)
        return replace(ev, sources=moved)
    return _decode(Evidence, data, path)


def saved_section(path: Path, name: str, cls: type[T]) -> T:
    """One source's section of an evidence file collected elsewhere (offline input for a source)."""
    return saved(path, name, cls).section


@dataclass(frozen=True, slots=True)
class Saved(Generic[T]):
    section: T
    collected: datetime  # the file's `collected_at`, or its modification time when it records none
    collected_from: str  # "" (recorded) or FILE_TIME


def saved(path: Path, name: str, cls: type[T]) -> Saved[T]:
    """A section of a saved evidence file (written by `collect`, or the section alone) and when it was
    collected."""
    text = read_text(path, StoreError, "evidence")
    try:
        data = json.loads(text)
        section = data.get(name, data) if isinstance(data, dict) else None
        if not isinstance(section, dict):
            raise StoreError(f"{path}: holds no {name} evidence")
        found = from_jsonable(cls, section)
    except (ValueError, DecodeError) as exc:  # broken JSON, or not the shape this version writes
        raise StoreError(f"{path}: cannot use as {name} evidence ({_line(exc)})") from None
    except RecursionError:
        raise StoreError(f"{path}: cannot use as {name} evidence (nested too deeply)") from None
    stamp = data.get("collected_at") if section is not data else None
    if stamp is None:
        return Saved(found, file_time(path), FILE_TIME)
    try:
        at = datetime.fromisoformat(str(stamp))
    except ValueError:
        raise StoreError(f"{path}: collected_at: {str(stamp)[:40]!r} is not an ISO 8601 time") from None
    return Saved(found, at if at.tzinfo else at.replace(tzinfo=UTC), "")


def file_time(path: Path) -> datetime:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except OSError:  # read a moment ago: gone now, so now is as near as anything
        return datetime.now(UTC)


def _read(path: Path, kind: str) -> dict[str, Any]:
    text = read_text(path, StoreError, kind)
    try:
        data = json.loads(text)
    except ValueError as exc:  # not JSON, or a number of more than 4,300 digits
        raise StoreError(f"{path}: not a JSON {kind} file ({_line(exc)})") from None
    except RecursionError:  # the json module recurses per nested array or object
        raise StoreError(f"{path}: not a JSON {kind} file (nested too deeply)") from None
    if not isinstance(data, dict) or not isinstance(data.get("schema_version"), int):
        raise StoreError(f"{path}: not an mdm-preflight {kind} file (no schema_version)")
    if data["schema_version"] > SCHEMA_VERSION:
        raise StoreError(
            f"{path}: written by a newer mdm-preflight (schema {data['schema_version']}, "
            f"this version reads up to {SCHEMA_VERSION}); upgrade mdm-preflight"
        )
    return data


def _decode(cls: type, data: dict[str, Any], path: Path) -> Any:
    try:
        return from_jsonable(cls, data)
    except DecodeError as exc:
        raise StoreError(f"{path}: damaged or foreign file: {_line(exc)}") from None


def _line(exc: Exception) -> str:
    """An error message fit for one line: values from the file may hold newlines."""
    return " ".join(str(exc).split())[:300]
