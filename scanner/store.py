"""Saved evidence and results: JSON with a schema version, checked on load."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

from scanner.codec import DecodeError, from_jsonable, to_jsonable
from scanner.errors import PreflightError
from scanner.evidence import SCHEMA_VERSION, Evidence
from scanner.files import read_text
from scanner.model import ScanResult

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
        raise StoreError(
            f"{path}: not an evidence file (no 'collected_at'); create one with 'mdm-preflight collect'"
        )
    return _decode(Evidence, data, path)


def saved_section(path: Path, name: str, cls: type[T]) -> T:
    """One source's section of an evidence file collected elsewhere (offline input for a source)."""
    text = read_text(path, StoreError, "evidence")
    try:
        data = json.loads(text)
        section = data.get(name, data) if isinstance(data, dict) else None
        if not isinstance(section, dict):
            raise StoreError(f"{path}: holds no {name} evidence")
        return from_jsonable(cls, section)
    except (ValueError, DecodeError) as exc:  # broken JSON, or not the shape this version writes
        raise StoreError(f"{path}: cannot use as {name} evidence ({_line(exc)})") from None
    except RecursionError:
        raise StoreError(f"{path}: cannot use as {name} evidence (nested too deeply)") from None


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
