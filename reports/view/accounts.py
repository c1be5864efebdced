"""The users a finding is about, read back from its evidence lists: the action plan counts them, users.csv
lists each once with every problem found for it."""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from scanner.model import CheckResult, Finding

# Where a check that needs this source saw its users, in the words of users.csv.
SEEN_IN = {"sql": "site database", "directory": "Active Directory", "logs": "Cloudusersync.log"}
# The checks' own list format: "DOMAIN\user <UPN as stored>", " (disabled)" after it for Active Directory.
# An account name holds no < or > (sAMAccountName forbids them); the UPN may hold anything.
_LISTED = re.compile(r"(?P<name>[^<>\s][^<>]*?) <(?P<upn>.*)>(?P<disabled> \(disabled\))?")
_MISMATCH = re.compile(r"(?P<name>[^:\s]+): AD (?P<ad>'.*'|\".*\"), ConfigMgr (?P<cm>'.*'|\".*\")")
_QUOTED = re.compile(r"'.*'|\".*\"")


@dataclass(frozen=True, slots=True, kw_only=True)
class Account:
    name: str  # DOMAIN\sAMAccountName (or the account name ConfigMgr stores); "" when only a UPN is known
    upn: str | None  # as stored; None: the user has none
    enabled: bool | None = None  # Active Directory's answer; None: not known
    dn: str = ""

    @property
    def key(self) -> str:
        """Who this is, for counting one user once."""
        if self.name:
            return "name:" + self.name.casefold()
        if self.dn:  # objects sharing one UPN are told apart by their DN
            return "dn:" + self.dn.casefold()
        return "upn:" + (self.upn or "").strip().casefold()

    @property
    def shown(self) -> str:
        return self.name or self.dn or self.upn or "(no name)"


def accounts(f: Finding) -> list[Account]:
    """The users a finding names: its evidence's list when it counts users or objects, else its target
    when that is one user's UPN (a user who failed to synchronize)."""
    ev = f.evidence
    if "users" not in ev and "objects" not in ev:
        if "@" in f.target and "reason" in ev:
            return [Account(name="", upn=f.target)]
        return []
    out = []
    for item in ev.get("examples") or ():
        if isinstance(item, str) and (acc := _parse(item, f.target)) is not None:
            out.append(acc)
    return out


def count(f: Finding) -> int:
    """The users a finding counts, named or not."""
    n = f.evidence.get("users", f.evidence.get("objects"))
    return n if isinstance(n, int) else len(accounts(f))


def seen_in(r: CheckResult) -> tuple[str, ...]:
    return tuple(SEEN_IN[n] for n in r.check.needs if n in SEEN_IN)


def _parse(item: str, target: str) -> Account | None:
    if m := _LISTED.fullmatch(item):
        upn = None if m["upn"] == "None" else m["upn"]
        return Account(name=m["name"], upn=upn, enabled=False if m["disabled"] else None)
    if m := _MISMATCH.fullmatch(item):
        return Account(name=m["name"], upn=_literal(m["ad"]))
    if _QUOTED.fullmatch(item):
        return Account(name="", upn=_literal(item))
    if item[:3].upper() == "CN=":  # objects sharing one UPN, by distinguished name
        return Account(name="", upn=target if "@" in target else None, dn=item)
    return None


def _literal(text: str) -> str:
    try:
        value = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text[1:-1]
    return value if isinstance(value, str) else text[1:-1]
