"""The check catalog: the @check marker, discovery of built-in and plugin checks, selection."""

from __future__ import annotations

import dataclasses
import fnmatch
import importlib
import inspect
import pkgutil
import re
import typing
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import entry_points
from types import ModuleType
from typing import Any

from scanner import causes
from scanner.config import ConfigError
from scanner.configfile import coerce
from scanner.errors import PreflightError
from scanner.evidence import SECTIONS
from scanner.model import CheckInfo, Finding, Severity

ENTRY_POINT_GROUP = "mdm_preflight.checks"
SOURCES = (*SECTIONS, "config")  # what a check may need: an evidence section, or the config itself
# How a source signs in, for `explain` of the checks that need it.
ACCESS = {
    "sql": "[sql] Trusted_Connection=yes in connection_string signs in as the account running the scan "
    "(its Windows logon; on Linux its Kerberos ticket, ServerSPN= to name the server): no user, no "
    "password. Otherwise user and password_env.",
    "directory": '[directory] auth = "kerberos" binds as the account running the scan (its Windows logon; '
    "on Linux a ticket from kinit, or keytab and principal) over LDAPS or StartTLS, spn to name the domain "
    'controller; it needs pip install "mdm-preflight[kerberos]". auth = "simple" or "ntlm" take user and '
    "password_env.",
}
_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_.]+$")
_MARK = "__mdm_preflight_check__"


@dataclass(frozen=True, slots=True, kw_only=True)
class NoOptions:
    """For checks that take no options."""


@dataclass(frozen=True, slots=True)
class Spec:
    info: CheckInfo
    func: Callable[..., Iterable[Finding]]
    options: type  # a frozen dataclass with defaults
    where: str  # module:function, for messages about conflicts
    cause: causes.Rule | None = None  # how a finding maps to its root cause (scanner/causes.py)

    def make_options(self, raw: dict[str, Any], source: str) -> Any:
        fields = {f.name: f for f in dataclasses.fields(self.options)}
        hints = typing.get_type_hints(self.options)
        values = {}
        for key, value in raw.items():
            where = f'checks."{self.info.id}".{key}'
            if key not in fields:
                names = ", ".join(["severity", "enabled", *fields])
                raise ConfigError(f"{source}: unknown key '{where}' (this check takes: {names})")
            values[key] = coerce(hints[key], value, where, source)
        return self.options(**values)


def check(
    *,
    id: str,
    title: str,
    severity: Severity,
    needs: Iterable[str],
    remediation: str,
    references: Iterable[str] = (),
    options: type = NoOptions,
    cause: str | causes.Rule | None = None,
) -> Callable[[Any], Any]:
    """Mark a function as a check. Discovery collects and validates it; the mark does nothing else.
    `cause` groups its findings in the action plan: a rule of scanner/causes.py ("domain", "component",
    "certificate") or a pure function of a finding; none: each finding is its own cause."""

    def mark(func: Any) -> Any:
        setattr(
            func,
            _MARK,
            dict(
                id=id,
                title=title,
                severity=severity,
                needs=tuple(sorted(needs)),
                remediation=remediation,
                references=tuple(references),
                options=options,
                cause=cause,
            ),
        )
        return func

    return mark


class CatalogError(PreflightError):
    """A check is malformed or two checks claim one id."""


@dataclass(slots=True)
class Catalog:
    specs: dict[str, Spec]
    load_errors: list[str]  # plugins that could not be loaded: the run is incomplete

    def select(self, only: Iterable[str] = (), skip: Iterable[str] = ()) -> list[Spec]:
        ids = sorted(self.specs)
        chosen = set(self._match(only)) if only else set(ids)
        chosen -= set(self._match(skip))
        return [self.specs[i] for i in ids if i in chosen]

    def _match(self, patterns: Iterable[str]) -> list[str]:
        out: list[str] = []
        for pattern in patterns:
            hits = fnmatch.filter(self.specs, pattern.strip().lower())
            if not hits:
                close = [i for i in self.specs if i.startswith(pattern.split(".")[0] + ".")]
                hint = (
                    f" (checks in that area: {', '.join(sorted(close))})"
                    if close
                    else " (list them with 'mdm-preflight checks')"
                )
                raise ConfigError(f"no check matches {pattern!r}{hint}")
            out.extend(hits)
        return out


def discover(plugins: bool = True) -> Catalog:
    checks = importlib.import_module("checks")  # by name, as plugins are found: the kernel imports no check
    modules = [importlib.import_module(f"checks.{m.name}") for m in pkgutil.iter_modules(checks.__path__)]
    specs: dict[str, Spec] = {}
    for module in modules:
        _collect(module, specs)
    errors: list[str] = []
    for ep in entry_points(group=ENTRY_POINT_GROUP) if plugins else ():
        try:
            _collect(ep.load(), specs)
        except Exception as exc:  # a broken plugin must not take the built-in checks down with it
            errors.append(f"plugin {ep.name} ({ep.value}) failed to load: {exc}")
    return Catalog(specs=specs, load_errors=errors)


def _collect(module: ModuleType, specs: dict[str, Spec]) -> None:
    for name, func in inspect.getmembers(module, inspect.isfunction):
        meta = getattr(func, _MARK, None)
        if meta is None or func.__module__ != module.__name__:
            continue
        spec = _spec(meta, func, f"{module.__name__}:{name}")
        if (other := specs.get(spec.info.id)) is not None:
            raise CatalogError(f"check id {spec.info.id!r} is defined twice: {other.where} and {spec.where}")
        specs[spec.info.id] = spec


def _spec(meta: dict[str, Any], func: Any, where: str) -> Spec:
    cid = meta["id"]
    # Docstrings wrap at the code's width; the description is prose that the reports re-flow.
    doc = "\n\n".join(" ".join(p.split()) for p in (inspect.getdoc(func) or "").split("\n\n")).strip()
    problems = [
        (not _ID.match(cid), "id must look like 'area.name' in lower case"),
        (not meta["title"].strip(), "title is empty"),
        (meta["title"].lower().startswith("ensure"), "title states a condition; do not start with 'Ensure'"),
        (not meta["remediation"].strip(), "remediation is empty"),
        (not doc, "docstring (the description: why it matters) is missing"),
        (not isinstance(meta["severity"], Severity), "severity must be a Severity"),
        (bool(set(meta["needs"]) - set(SOURCES)), f"needs names an unknown source (known: {SOURCES})"),
        (not dataclasses.is_dataclass(meta["options"]), "options must be a dataclass"),
    ]
    for bad, why in problems:
        if bad:
            raise CatalogError(f"check {cid!r} at {where}: {why}")
    try:
        cause = causes.rule(meta.get("cause"))
    except ValueError as exc:
        raise CatalogError(f"check {cid!r} at {where}: {exc}") from None
    info = CheckInfo(
        id=cid,
        title=meta["title"],
        severity=meta["severity"],
        area=cid.split(".")[0],
        description=doc,
        remediation=meta["remediation"],
        references=meta["references"],
        needs=meta["needs"],
    )
    return Spec(info=info, func=func, options=meta["options"], where=where, cause=cause)
