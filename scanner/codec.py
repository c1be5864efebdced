"""JSON round trip for the frozen dataclasses of results and evidence, driven by type hints."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable
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
    return typing.cast(T, _decoder(typing.cast(Any, cls))(data, where))


Decoder = Callable[[Any, str], Any]


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


@cache
def _decoder(tp: Any) -> Decoder:
    """One decoding function per type, built once: loading a thousand results reads the hints once."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return lambda data, where: data
    if origin in (typing.Union, types.UnionType):
        inner = _decoder(next(a for a in args if a is not type(None)))
        if type(None) not in args:
            return inner
        return lambda data, where: None if data is None else inner(data, where)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return _dataclass_decoder(tp)
    if origin is tuple:
        item = _decoder(args[0] if args else Any)
        return lambda data, where: tuple(
            item(v, f"{where}[{i}]") for i, v in enumerate(_expect(data, list, where))
        )
    if origin is list:
        each = _decoder(args[0])
        return lambda data, where: [
            each(v, f"{where}[{i}]") for i, v in enumerate(_expect(data, list, where))
        ]
    if origin is dict:
        value = _decoder(args[1])
        return lambda data, where: {
            k: value(v, f"{where}.{k}") for k, v in _expect(data, dict, where).items()
        }
    if isinstance(tp, type) and issubclass(tp, Enum):
        return _enum_decoder(tp)
    if tp is datetime:
        return lambda data, where: _parse_time(datetime.fromisoformat, data, where)
    if tp is date:
        return lambda data, where: _parse_time(date.fromisoformat, data, where)
    if tp is float:
        return _float
    if isinstance(tp, type):
        return lambda data, where: _expect(data, tp, where)
    return lambda data, where: data


def _enum_decoder(tp: type[Enum]) -> Decoder:
    def decode(data: Any, where: str) -> Any:
        try:
            return tp(data)
        except ValueError:
            raise DecodeError(f"{where}: {data!r} is not a valid {tp.__name__}") from None

    return decode


def _float(data: Any, where: str) -> Any:
    if isinstance(data, int):
        try:
            return float(data)
        except OverflowError:
            raise DecodeError(f"{where}: a number too large") from None
    return _expect(data, float, where)


def _dataclass_decoder(cls: type) -> Decoder:
    hints = _hints(cls)
    fields = [
        (
            f.name,
            _decoder(hints[f.name]),
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
        )
        for f in dataclasses.fields(cls)
    ]

    def decode(data: Any, where: str) -> Any:
        _expect(data, dict, where)
        kwargs = {}
        for name, field_decoder, required in fields:
            if name in data:
                kwargs[name] = field_decoder(data[name], f"{where}.{name}")
            elif required:
                raise DecodeError(f"{where}: missing field {name!r}")
        return cls(**kwargs)

    return decode


def _parse_time(parse: Any, data: Any, where: str) -> Any:
    _expect(data, str, where)
    try:
        return parse(data)
    except ValueError:
        raise DecodeError(f"{where}: {data!r} is not an ISO date/time") from None


def _expect(data: Any, kind: type, where: str) -> Any:
    if not isinstance(data, kind):
        raise DecodeError(f"{where}: expected {kind.__name__}, found {type(data).__name__}")
    return data
