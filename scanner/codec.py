"""JSON round trip for the frozen dataclasses of results and evidence, driven by type hints."""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from enum import Enum
from functools import cache
from typing import Any, TypeVar

T = TypeVar("T")


class DecodeError(ValueError):
    """A saved file does not match the shape this version expects."""


def to_jsonable(obj: Any) -> Any:
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        out = {f.name: to_jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
        # Derived values that readers of the JSON contract expect (e.g. a finding's fingerprint).
        for name in getattr(type(obj), "__json_extra__", ()):
            out[name] = to_jsonable(getattr(obj, name))
        return out
    if isinstance(obj, Enum):
        return obj.value
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in obj]
    return obj


def from_jsonable(cls: type[T], data: Any, where: str = "$") -> T:
    return typing.cast(T, _decode(cls, data, where))


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _decode(tp: Any, data: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return data
    if origin in (typing.Union, types.UnionType):
        if data is None and type(None) in args:
            return None
        inner = [a for a in args if a is not type(None)]
        return _decode(inner[0], data, where)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _decode_dataclass(tp, data, where)
    if origin is tuple:
        _expect(data, list, where)
        item = args[0] if args else Any
        return tuple(_decode(item, v, f"{where}[{i}]") for i, v in enumerate(data))
    if origin is list:
        _expect(data, list, where)
        return [_decode(args[0], v, f"{where}[{i}]") for i, v in enumerate(data)]
    if origin is dict:
        _expect(data, dict, where)
        return {k: _decode(args[1], v, f"{where}.{k}") for k, v in data.items()}
    if isinstance(tp, type) and issubclass(tp, Enum):
        try:
            return tp(data)
        except ValueError:
            raise DecodeError(f"{where}: {data!r} is not a valid {tp.__name__}") from None
    if tp is datetime:
        return _parse_time(datetime.fromisoformat, data, where)
    if tp is date:
        return _parse_time(date.fromisoformat, data, where)
    if tp is float and isinstance(data, int):
        try:
            return float(data)
        except OverflowError:
            raise DecodeError(f"{where}: a number too large") from None
    if isinstance(tp, type) and not isinstance(data, tp):
        raise DecodeError(f"{where}: expected {tp.__name__}, found {type(data).__name__}")
    return data


def _decode_dataclass(cls: type, data: Any, where: str) -> Any:
    _expect(data, dict, where)
    hints = _hints(cls)
    kwargs = {}
    for f in dataclasses.fields(cls):
        if f.name in data:
            kwargs[f.name] = _decode(hints[f.name], data[f.name], f"{where}.{f.name}")
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise DecodeError(f"{where}: missing field {f.name!r}")
    return cls(**kwargs)


def _parse_time(parse: Any, data: Any, where: str) -> Any:
    _expect(data, str, where)
    try:
        return parse(data)
    except ValueError:
        raise DecodeError(f"{where}: {data!r} is not an ISO date/time") from None


def _expect(data: Any, kind: type, where: str) -> None:
    if not isinstance(data, kind):
        raise DecodeError(f"{where}: expected {kind.__name__}, found {type(data).__name__}")
