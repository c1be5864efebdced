"""--redact: user names and UPNs replaced by stable pseudonyms, for reports that leave the customer.

A pseudonym is a keyed hash (HMAC-SHA256) of the name, so one user is the same pseudonym in every
place and format of one run, and nobody without the key can go back. UPN domain suffixes stay:
they are what the UPN checks are about. What is recognised: user@domain, DOMAIN\\user and the
leading CN= of a distinguished name, in targets, messages, evidence, reasons and exceptions.
A value that looks like none of these (a UPN without an @) is left as it is.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
from dataclasses import replace
from typing import Any

from scanner.model import CheckResult, ExceptionUse, Finding, ScanResult, fingerprint

# Local part of a UPN: anything a reader would take for one, but not globs (*@contoso.local).
# Bounded (113 is the longest UPN sync accepts), so a long value without an @ costs linear time.
_UPN = re.compile(r"(?P<local>[^\s@<>'\"(),;:\\/*?\[\]|=]{1,113})@(?P<domain>[A-Za-z0-9.-]*)")
# DOMAIN\user standing alone: not part of a path (\\server\share\x, C:\Logs\x).
_SAM = re.compile(r"(?<![\\\w])(?P<domain>[A-Za-z][A-Za-z0-9-]{0,14})\\(?P<user>[\w.$-]+)(?![\\\w])")
# The object's own name in a DN (CN=Ann Lee,OU=…), not the containers after it (CN=Users).
_CN = re.compile(r"(?<![,\w])(?P<key>CN=)(?P<name>(?:\\.|[^,\\])+)", re.I)


class Pseudonyms:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def name(self, text: str, kind: str = "user") -> str:
        digest = hmac.new(self._key, text.casefold().encode("utf-8"), hashlib.sha256).hexdigest()
        return f"{kind}-{digest[:8]}"

    def text(self, text: str) -> str:
        if "=" in text:
            text = _CN.sub(lambda m: m["key"] + self.name(m["name"], "object"), text)
        if "\\" in text:
            text = _SAM.sub(lambda m: f"{m['domain']}\\{self.name(m['user'])}", text)
        if "@" in text:
            text = _UPN.sub(lambda m: f"{self.name(m['local'])}@{m['domain']}", text)
        return text

    def value(self, data: Any) -> Any:
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, list | tuple):
            return type(data)(self.value(v) for v in data)
        if isinstance(data, dict):
            return {self.value(k): self.value(v) for k, v in data.items()}
        return data


def redact(result: ScanResult, key: bytes) -> ScanResult:
    p = Pseudonyms(key)
    # A comparison with an earlier run (when the result carries one) lists the same findings.
    changes = getattr(result, "changes", None)
    extra = {"changes": _listed(changes, p)} if changes is not None else {}
    return replace(
        result,
        results=tuple(_result(r, p) for r in result.results),
        exceptions=tuple(_exception(e, p) for e in result.exceptions),
        options={**result.options, "redacted": True},
        **extra,
    )


def _listed(data: Any, p: Pseudonyms) -> Any:
    """Findings as lists name them (check_id, target, message, a stored fingerprint), in any dataclass:
    the stored fingerprint is recomputed, since a hash of a known UPN can be looked up."""
    if isinstance(data, tuple):
        return tuple(_listed(v, p) for v in data)
    if not dataclasses.is_dataclass(data) or isinstance(data, type):
        return data
    names = {f.name for f in dataclasses.fields(data)}
    if {"check_id", "target", "message"} <= names:
        target = p.text(data.target)  # type: ignore[attr-defined]
        changed = {"target": target, "message": p.text(data.message)}  # type: ignore[attr-defined]
        if "fingerprint" in names:
            changed["fingerprint"] = fingerprint(data.check_id, target)  # type: ignore[attr-defined]
        return replace(data, **changed)
    return replace(
        data, **{n: _listed(getattr(data, n), p) for n in names if isinstance(getattr(data, n), tuple)}
    )


def _result(r: CheckResult, p: Pseudonyms) -> CheckResult:
    return replace(r, reason=p.text(r.reason), findings=tuple(_finding(f, p) for f in r.findings))


def _finding(f: Finding, p: Pseudonyms) -> Finding:
    return replace(f, target=p.text(f.target), message=p.text(f.message), evidence=p.value(f.evidence))


def _exception(e: ExceptionUse, p: Pseudonyms) -> ExceptionUse:
    return replace(e, target=p.text(e.target))
