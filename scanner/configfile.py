"""Reading the config file: TOML into the frozen sections of scanner.config, every key checked, every
relative path resolved against the file's folder, environment overrides applied."""

from __future__ import annotations

import dataclasses
import difflib
import math
import os
import re
import tomllib
import types
import typing
from datetime import date
from pathlib import Path, PureWindowsPath
from typing import Any

from scanner.config import _ALIASES, _CHOICES, _RANGES, Config, ConfigError, ExceptionRule
from scanner.files import read_text


def load(path: Path) -> Config:
    text = read_text(
        path, ConfigError, "config", hint="create one with 'mdm-preflight init'", encoding="utf-8-sig"
    )
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except ValueError as exc:  # tomllib's own: an integer of more than 4,300 digits
        raise ConfigError(f"{path}: invalid TOML: {' '.join(str(exc).split())[:200]}") from None
    except RecursionError:  # tomllib recurses per nested array or inline table
        raise ConfigError(f"{path}: invalid TOML: values nested too deeply") from None
    return from_dict(data, source=str(path), base_dir=path.resolve().parent)


def from_dict(data: dict[str, Any], *, source: str = "<config>", base_dir: Path | None = None) -> Config:
    hints = typing.get_type_hints(Config)
    known = {f.name for f in dataclasses.fields(Config)} - {"base_dir", "source"}
    values: dict[str, Any] = {"source": source, "base_dir": base_dir}
    for key, value in data.items():
        if key not in known:
            raise ConfigError(f"{source}: unknown section [{key}]{_hint(key, known)}")
        if key == "checks":
            values[key] = _checks(value, source)
        elif key == "exceptions":
            if not isinstance(value, list):
                raise ConfigError(f"{source}: 'exceptions' must be [[exceptions]] tables")
            values[key] = tuple(
                _section(ExceptionRule, v, f"exceptions[{i}]", source) for i, v in enumerate(value)
            )
        else:
            cls = next(a for a in typing.get_args(hints[key]) or (hints[key],) if a is not type(None))
            values[key] = _section(cls, value, key, source)
    return _with_env(Config(**{k: _paths_resolved(v, base_dir) for k, v in values.items()}))


# The one path rule: every key with one of these names holds a file or folder, and a relative one starts
# at the config file's folder — whatever folder the scan (a scheduled task) was started in.
PATH_KEYS = frozenset({"csv", "ca_file", "evidence", "certificate", "paths", "dir", "logo", "keytab"})


def resolve_path(value: str, base_dir: Path | None) -> str:
    """`value` against `base_dir` when relative; absolute paths, UNC paths (\\\\server\\share) and drive
    paths (C:\\Logs) as written, on any system, so a Windows config reads the same when analysed on Linux."""
    if not value or base_dir is None or Path(value).is_absolute() or PureWindowsPath(value).anchor:
        return value
    return str(base_dir / value)


def _paths_resolved(section: Any, base_dir: Path | None) -> Any:
    if base_dir is None or not dataclasses.is_dataclass(section) or isinstance(section, type):
        return section
    changes: dict[str, Any] = {}
    for f in dataclasses.fields(section):
        value = getattr(section, f.name)
        if f.name not in PATH_KEYS or not value:
            continue
        if isinstance(value, str):
            changes[f.name] = resolve_path(value, base_dir)
        elif isinstance(value, tuple):
            changes[f.name] = tuple(resolve_path(v, base_dir) for v in value)
    return dataclasses.replace(section, **changes) if changes else section


def _with_env(cfg: Config) -> Config:
    """Environment overrides the file for the settings scheduled tasks tune per machine."""
    scan = cfg.scan
    if v := os.environ.get("MDM_PREFLIGHT_FAIL_ON"):
        scan = dataclasses.replace(scan, fail_on=_choice(("scan", "fail_on"), v, "MDM_PREFLIGHT_FAIL_ON"))
    if v := os.environ.get("MDM_PREFLIGHT_TIMEOUT"):
        try:
            timeout = float(v)
        except ValueError:
            raise ConfigError(f"MDM_PREFLIGHT_TIMEOUT={v!r}: expected a number of seconds") from None
        scan = dataclasses.replace(
            scan, timeout=in_range(("scan", "timeout"), timeout, "MDM_PREFLIGHT_TIMEOUT")
        )
    return dataclasses.replace(cfg, scan=scan)


# What an environment variable's name looks like (Windows allows more, but no name a person gives a
# secret has a space, a quote or punctuation such as ! @ # $ % ^ & *, which passwords do).
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.()-]{0,127}")


def _env_name(value: str, where: str) -> None:
    """A password pasted where the variable's name belongs is refused, and never repeated."""
    if value and not _ENV_NAME.fullmatch(value):
        raise ConfigError(
            f"{where}: this is not the name of an environment variable (the value is not shown: it may be "
            "a password); put the password in an environment variable and write that variable's name here"
        )


def _section(cls: type, value: Any, where: str, source: str) -> Any:
    if not isinstance(value, dict):
        raise ConfigError(f"{source}: [{where}] must be a table")
    hints = typing.get_type_hints(cls)
    aliases: dict[str, str] = {k: f for (w, k), f in _ALIASES.items() if w == where}  # TOML key -> field
    toml_key: dict[str, str] = {f: k for k, f in aliases.items()}
    fields = {f.name: f for f in dataclasses.fields(cls)}
    allowed = [toml_key.get(n, n) for n in fields]  # the keys a user writes
    kwargs: dict[str, Any] = {}
    for key, raw in value.items():
        if key not in allowed:
            raise ConfigError(f"{source}: unknown key '{where}.{key}'{_hint(key, allowed)}")
        name = aliases.get(key) or str(key)
        kwargs[name] = coerce(hints[name], raw, f"{where}.{key}", source)
        if (where, key) in _CHOICES:
            kwargs[name] = _choice((where, key), kwargs[name], f"{source}: {where}.{key}")
        if (where, key) in _RANGES:
            in_range((where, key), kwargs[name], f"{source}: {where}.{key}")
        if name.endswith("password_env"):
            _env_name(kwargs[name], f"{source}: {where}.{key}")
    missing = [
        toml_key.get(n, n)
        for n, f in fields.items()
        if n not in kwargs and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ConfigError(f"{source}: [{where}] needs '{missing[0]}'")
    try:
        return cls(**kwargs)
    except ValueError as exc:  # a section's own rule (__post_init__): the message names the key
        raise ConfigError(f"{source}: {exc}") from None


def in_range(key: tuple[str, str], value: float, where: str) -> float:
    low, high, unit = _RANGES[key]
    if math.isnan(value) or (low is not None and value < low) or (high is not None and value > high):
        span = f"from {low:g} to {high:g}" if low is not None and high is not None else f"at least {low:g}"
        raise ConfigError(f"{where}: {value:g} is out of range; give {span} ({unit})")
    return value


def coerce(tp: Any, raw: Any, where: str, source: str) -> Any:
    """Check one TOML value against a field type; TOML already parsed numbers, dates and lists."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        tp = next(a for a in args if a is not type(None))
        origin, args = typing.get_origin(tp), typing.get_args(tp)
    ok = {
        str: isinstance(raw, str),
        bool: isinstance(raw, bool),
        int: isinstance(raw, int) and not isinstance(raw, bool),
        float: isinstance(raw, int | float) and not isinstance(raw, bool),
        date: isinstance(raw, date),
    }
    if origin is tuple:
        if isinstance(raw, str):
            raw = [raw]  # paths = "C:/Logs" is as clear as a one-item list
        if isinstance(raw, list) and all(isinstance(v, str) for v in raw):
            return tuple(raw)
        raise ConfigError(f"{source}: '{where}' must be a list of strings")
    if origin is dict:
        if isinstance(raw, dict) and all(isinstance(v, str) for v in raw.values()):
            return dict(raw)
        raise ConfigError(f"{source}: '{where}' must be a table of strings")
    if not ok.get(tp, True):
        raise ConfigError(f"{source}: '{where}' must be {_TYPE_WORDS.get(tp, tp)}, not {raw!r}")
    return float(raw) if tp is float else raw


_TYPE_WORDS = {
    str: "a string",
    bool: "true or false",
    int: "a whole number",
    float: "a number",
    date: "a date like 2027-03-31",
}


def _choice(key: tuple[str, str], value: str, where: str) -> str:
    allowed = _CHOICES[key]
    if value.lower() not in allowed:
        raise ConfigError(f"{where}: {value!r} is not one of {', '.join(allowed)}")
    return value.lower()


def _checks(value: Any, source: str) -> dict[str, dict[str, Any]]:
    if not isinstance(value, dict) or not all(isinstance(v, dict) for v in value.values()):
        raise ConfigError(f'{source}: [checks] holds tables like [checks."logs.errors"]')
    return {k: dict(v) for k, v in value.items()}


def _hint(key: str, known: Any) -> str:
    close = difflib.get_close_matches(key, list(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
