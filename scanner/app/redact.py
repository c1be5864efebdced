"""--redact: user names and UPNs replaced by stable pseudonyms, for reports that leave the customer.

A pseudonym is a keyed hash (HMAC-SHA256) of the name, so one user is the same pseudonym in every
place and format of one run, and nobody without the key can go back. UPN domain suffixes stay:
they are what the UPN checks are about. What is recognised: user@domain, DOMAIN\\user and the
leading CN= of a distinguished name, in targets, messages, evidence, reasons and exceptions.

Patterns cannot recognise a UPN without an @ ("jsmith", which the documented query reports as a
suffix) or a name with characters a UPN pattern stops at. So the exact names of the run are
also collected — from the evidence when there is one (every user the site database and the
directory returned), and always from the result itself ("DOMAIN\\user <upn>" lists) — and replaced
where they stand whole: as a value, between quotes or angle brackets, and — in the finding whose
target names them — as a word, so "jsmith is the suffix of 1 user" loses the name but the report's
prose keeps words like "user" or "single" that a user may also be called. The run's own user and
host are replaced too.
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from scanner.model import CheckResult, ExceptionUse, Finding, ScanResult, fingerprint

if TYPE_CHECKING:
    from scanner.evidence import Evidence

# Local part of a UPN: anything a reader would take for one, but not globs (*@contoso.local).
# Bounded (113 is the longest UPN sync accepts), so a long value without an @ costs linear time.
_UPN = re.compile(r"(?P<local>[^\s@<>'\"(),;:\\/*?\[\]|=]{1,113})@(?P<domain>[A-Za-z0-9.-]*)")
# DOMAIN\user standing alone: not part of a path (\\server\share\x, C:\Logs\x).
# The user part never ends in a dot: "… CONTOSO\jsmith." ends a sentence.
_SAM = re.compile(
    r"(?<![\\\w.])(?P<domain>[A-Za-z][A-Za-z0-9-]{0,14})\\(?P<user>[\w$-](?:[\w.$-]*[\w$-])?)(?![\\\w]|\.[\w\\])"
)
# Our own list format, "DOMAIN\user <upn as stored>": the stored value is a name, @ or not.
_LISTED = re.compile(_SAM.pattern + r" <(?P<upn>[^<>]*(?:<[^<>]*>[^<>]*)*)>")
# A word as names stand in text: what is between blanks, quotes, brackets and separators.
_WORD = re.compile(r"[^\s'\"<>(),;:\\/\[\]{}|=@*?!]+")
# A value between angle brackets (which may nest, as in a hostile "<b>x</b>") or quotes.
_QUOTED = re.compile(r"<(?P<a>[^<>]*(?:<[^<>]*>[^<>]*)*)>|(?<!\w)'(?P<q>[^'\n]*)'(?!\w)")
# The object's own name in a DN (CN=Ann Lee,OU=…), not the containers after it (CN=Users).
_CN = re.compile(r"(?<![,\w])(?P<key>CN=)(?P<name>(?:\\.|[^,\\])+)", re.I)


class Pseudonyms:
    def __init__(self, key: bytes, names: Iterable[str] = ()) -> None:
        self._key = key
        self._full: set[str] = set()  # the names and stored UPNs of this run, casefolded
        self._words: set[str] = set()  # the words they are made of
        for name in names:
            if name := name.strip():
                self._full.add(name.casefold())
                self._words.update(w.casefold() for w in _WORD.findall(name.rpartition("@")[0] or name))
        self._local: set[str] = set()  # known names the finding being redacted is about

    def name(self, text: str, kind: str = "user") -> str:
        digest = hmac.new(self._key, text.casefold().encode("utf-8"), hashlib.sha256).hexdigest()
        return f"{kind}-{digest[:8]}"

    def text(self, text: str) -> str:
        if self._full:
            if text.strip().casefold() in self._full:
                return self._known(text.strip())
            text = _QUOTED.sub(self._quoted, text)
        if "=" in text:
            text = _CN.sub(lambda m: m["key"] + self.name(m["name"], "object"), text)
        if "\\" in text:
            text = _SAM.sub(lambda m: f"{m['domain']}\\{self.name(m['user'])}", text)
        if "@" in text:
            text = _UPN.sub(lambda m: f"{self.name(m['local'])}@{m['domain']}", text)
        if self._local:
            text = _WORD.sub(self._word, text)
        return text

    def _known(self, value: str) -> str:
        local, at, domain = value.rpartition("@")
        return f"{self.name(local)}@{domain}" if at else self.name(value)

    def _quoted(self, m: re.Match[str]) -> str:
        """A known name standing whole between quotes or angle brackets ("<jsmith>", "'jsmith'")."""
        inner = m["a"] if m["a"] is not None else m["q"]
        if inner.strip().casefold() not in self._full:
            return m[0]
        return m[0][0] + self._known(inner.strip()) + m[0][-1]

    def _word(self, m: re.Match[str]) -> str:
        word = m[0]
        bare = word.rstrip(".")
        return self.name(bare) + word[len(bare) :] if bare.casefold() in self._local else word

    def about(self, target: str) -> Pseudonyms:
        """For one finding: the known names its target mentions are replaced wherever they stand
        in it ("suffix:jsmith", "jsmith is the suffix of 1 user"), even as ordinary words."""
        words = {w.casefold().rstrip(".") for w in _WORD.findall(target)}
        self._local = {w for w in words & self._words if not w.startswith(("user-", "object-"))}
        return self

    def value(self, data: Any) -> Any:
        if isinstance(data, str):
            return self.text(data)
        if isinstance(data, list | tuple):
            return type(data)(self.value(v) for v in data)
        if isinstance(data, dict):
            return {self.value(k): self.value(v) for k, v in data.items()}
        return data


def names_in(result: ScanResult, evidence: Evidence | None = None) -> set[str]:
    """Every user name and stored UPN the run saw: from the evidence when there is one (all users
    the sources returned), and from the result's own "DOMAIN\\user <upn>" lists."""
    found: set[str] = set()
    if evidence is not None:
        users: list[Any] = []
        if (sql := evidence.sql) is not None:
            found.update(k.rpartition("\\")[2] for k in sql.upns)
            found.update(v for v in sql.upns.values() if v)
            users += [u for g in sql.domains + sql.issues for u in g.users]
        if (ad := evidence.directory) is not None:
            found.update(k.rpartition("\\")[2] for k in ad.upns)
            found.update(ad.upns.values())
            users += [u for g in ad.issues + ad.upn_domains + ad.duplicates for u in g.users]
        for user in users:
            found.update((user.name.rpartition("\\")[2], user.upn or ""))
    for r in result.results:
        for f in r.findings:
            for text in _strings((f.target, f.message, f.evidence)):
                for m in _LISTED.finditer(text):
                    found.update((m["user"], m["upn"]))
    found.discard("")
    return found


def _strings(data: Any) -> Iterator[str]:
    if isinstance(data, str):
        yield data
    elif isinstance(data, list | tuple):
        for v in data:
            yield from _strings(v)
    elif isinstance(data, dict):
        for v in data.values():
            yield from _strings(v)


def redact(result: ScanResult, key: bytes, evidence: Evidence | None = None) -> ScanResult:
    p = Pseudonyms(key, names_in(result, evidence))
    # A comparison with an earlier run (when the result carries one) lists the same findings.
    changes = getattr(result, "changes", None)
    extra = {"changes": _listed(changes, p)} if changes is not None else {}
    return replace(
        result,
        results=tuple(_result(r, p) for r in result.results),
        exceptions=tuple(_exception(e, p) for e in result.exceptions),
        options=_options(result.options, p),
        **extra,
    )


def _options(options: dict[str, Any], p: Pseudonyms) -> dict[str, Any]:
    """Who ran it and where is the customer's too: the account and machine become pseudonyms, and
    paths or a command line that name a known user are redacted like any text."""
    out = {k: p.value(v) if k in ("command", "config", "evidence") else v for k, v in options.items()}
    for k, kind in (("user", "user"), ("host", "host")):
        if options.get(k):
            out[k] = p.name(str(options[k]), kind)
    return {**out, "redacted": True}


def _listed(data: Any, p: Pseudonyms) -> Any:
    """Findings as lists name them (check_id, target, message, a stored fingerprint), in any dataclass:
    the stored fingerprint is recomputed, since a hash of a known UPN can be looked up."""
    if isinstance(data, tuple):
        return tuple(_listed(v, p) for v in data)
    if not dataclasses.is_dataclass(data) or isinstance(data, type):
        return data
    names = {f.name for f in dataclasses.fields(data)}
    if {"check_id", "target", "message"} <= names:
        target = p.about(data.target).text(data.target)  # type: ignore[attr-defined]
        changed = {"target": target, "message": p.text(data.message)}  # type: ignore[attr-defined]
        if "fingerprint" in names:
            changed["fingerprint"] = fingerprint(data.check_id, target)  # type: ignore[attr-defined]
        return replace(data, **changed)
    return replace(
        data, **{n: _listed(getattr(data, n), p) for n in names if isinstance(getattr(data, n), tuple)}
    )


def _result(r: CheckResult, p: Pseudonyms) -> CheckResult:
    return replace(
        r,
        reason=p.about("").text(r.reason),
        examined=p.about("").text(r.examined),  # "resolved: ann.lee@contoso.com added ..." names users too
        findings=tuple(_finding(f, p) for f in r.findings),
    )


def _finding(f: Finding, p: Pseudonyms) -> Finding:
    p.about(f.target)
    return replace(f, target=p.text(f.target), message=p.text(f.message), evidence=p.value(f.evidence))


def _exception(e: ExceptionUse, p: Pseudonyms) -> ExceptionUse:
    return replace(e, target=p.about(e.target).text(e.target))
