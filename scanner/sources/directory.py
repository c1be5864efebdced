"""The directory source: Active Directory over LDAP, search only, one bind per scan."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from scanner.config import DirectoryConfig
from scanner.errors import PreflightError
from scanner.evidence.directory import DirectoryEvidence, DirGroup, DirUser, SyncAccount
from scanner.facts import upn
from scanner.sources.net import bind

PAGED_OID = "1.2.840.113556.1.4.319"
SCP_CN = "CN=62a0ff2e-97b9-4513-943f-0d221bd30080,CN=Device Registration Configuration,CN=Services"
# What the user tally reads, nothing more (every attribute asked is one more per user to send and decode).
USER_ATTRS = [
    "sAMAccountName",
    "userPrincipalName",
    "userAccountControl",
    "mS-DS-ConsistencyGuid",
    "isCriticalSystemObject",
]
SYNC_FILTER = (
    "(|(sAMAccountName=MSOL_*)(sAMAccountName=AAD_*)(sAMAccountName=Sync_*)(sAMAccountName=ADSyncMSA*))"
)
# Objects directory synchronization never exports (IdFix leaves them out too).
_EXCLUDED_PREFIXES = (
    "healthmailbox",
    "systemmailbox",
    "discoverysearchmailbox",
    "federatedemail",
    "cas_{",
    "msol_",
    "aad_",
    "sync_",
    "adsyncmsa",
    "exchange online-applicationaccount",
)
_EXCLUDED_NAMES = {"krbtgt", "guest"}
DISABLED = 0x2


class DirectorySourceError(PreflightError):
    """Active Directory could not be read; one line, no secrets."""


def collect_directory(cfg: DirectoryConfig, timeout: float, base: Path | None = None) -> DirectoryEvidence:
    try:
        conn = bind.connect(cfg, timeout)
    except bind.BindError as exc:
        raise DirectorySourceError(str(exc)) from None
    try:
        return _read(conn, cfg, cfg.sample_users, cfg.page_size)
    finally:
        conn.unbind()


def _search(conn: Any, base: str, flt: str, scope: str, attrs: list[str]) -> list[dict[str, Any]]:
    status = conn.search(base, flt, search_scope=scope, attributes=attrs)
    result, response = conn.result, conn.response
    if not status and result.get("result") not in (0, 32):  # 32: no such object
        raise DirectorySourceError(
            f"search under {base} failed: {result.get('description')} "
            f"{str(result.get('message', '')).strip()[:200]}"
        )
    return [e for e in response or [] if e.get("type") == "searchResEntry"]  # references skipped


def _paged(conn: Any, base: str, flt: str, attrs: list[str], size: int) -> Any:
    """The users, page by page, decoded lean (scanner.sources.net.lean): (raw DN, {lower-case
    attribute name: [raw values]})."""
    from scanner.sources.net import lean

    cookie: Any = None
    while True:
        with lean.entries(conn):  # only this search: the others on the connection are decoded by ldap3
            status = conn.search(
                base, flt, search_scope="SUBTREE", attributes=attrs, paged_size=size, paged_cookie=cookie
            )
        result, response = conn.result, conn.response
        if not status and result.get("result") != 0:
            raise DirectorySourceError(f"user search under {base} failed: {result.get('description')}")
        yield from ((e["raw_dn"], e["raw"]) for e in response or [] if e.get("type") == "searchResEntry")
        cookie = result.get("controls", {}).get(PAGED_OID, {}).get("value", {}).get("cookie")
        if not cookie:
            return


def text(values: list[bytes] | None) -> str | None:
    """The first raw value as ldap3 formats it without a schema: UTF-8, else its fallback encodings."""
    if not values:
        return None
    try:
        return values[0].decode("utf-8")
    except UnicodeDecodeError:
        from ldap3.utils.conv import to_unicode

        return str(to_unicode(values[0], from_server=True))


def _first(entry: dict[str, Any], name: str) -> Any:
    return _value(entry.get("attributes", {}).get(name))


def _value(value: Any) -> Any:
    """The first value of a multi-valued attribute (ldap3 gives lists), or the value itself."""
    if isinstance(value, list):
        return value[0] if value else None
    return value


def _read(conn: Any, cfg: DirectoryConfig, sample: int, page_size: int) -> DirectoryEvidence:
    from ldap3.core.exceptions import LDAPException

    [root] = _search(
        conn,
        "",
        "(objectClass=*)",
        "BASE",
        ["defaultNamingContext", "configurationNamingContext", "dnsHostName"],
    ) or [{}]
    config_dn = _first(root, "configurationNamingContext") or ""
    base = cfg.base_dn or _first(root, "defaultNamingContext") or ""
    parts = _search(conn, f"CN=Partitions,{config_dn}", "(objectClass=*)", "BASE", ["uPNSuffixes"])
    suffixes = tuple(parts[0]["attributes"].get("uPNSuffixes") or ()) if parts else ()
    refs = _search(
        conn,
        f"CN=Partitions,{config_dn}",
        "(&(objectClass=crossRef)(systemFlags:1.2.840.113556.1.4.803:=2))",
        "LEVEL",
        ["dnsRoot", "nETBIOSName", "nCName"],
    )
    domains = tuple(sorted({str(_first(r, "dnsRoot")).lower() for r in refs if _first(r, "dnsRoot")}))
    netbios = next((str(_first(r, "nETBIOSName")) for r in refs if _first(r, "nCName") == base), "")
    netbios = netbios or next((str(_first(r, "nETBIOSName")) for r in refs if _first(r, "nETBIOSName")), "")
    tally = _UserTally(limit=sample, netbios=netbios)
    try:
        for dn, raw in _paged(conn, base, cfg.filter, USER_ATTRS, page_size):
            tally.add(text([dn]) or "", raw)
        accounts = tuple(
            _account(e, netbios)
            for e in _search(
                conn,
                base,
                SYNC_FILTER,
                "SUBTREE",
                ["sAMAccountName", "userAccountControl", "lastLogonTimestamp"],
            )
        )
        scp = _search(conn, f"{SCP_CN},{config_dn}", "(objectClass=*)", "BASE", ["keywords"])
    except LDAPException as exc:  # half a user list judged as the whole would be a false verdict
        raise DirectorySourceError(lost(exc, cfg.url, tally.users + tally.excluded, "users")) from None
    return tally.evidence(
        server=str(_first(root, "dnsHostName") or cfg.url),
        base_dn=base,
        upn_suffixes=suffixes,
        domains=domains,
        sync_accounts=accounts,
        scp_found=bool(scp),
        scp_keywords=tuple(scp[0]["attributes"].get("keywords") or ()) if scp else (),
    )


def lost(exc: Exception, where: str, count: int, what: str) -> str:
    """A connection that broke in the middle of an answer, in plain words, with how far it got."""
    text = " ".join(str(exc).split())[:200]
    low = text.lower()
    if "timed out" in low or "timeout" in low:
        how = "no answer within the timeout"
    elif "reset" in low:
        how = "the connection was reset"
    else:
        how = "the server closed the connection"
    return (
        f"{where}: the connection was lost after {count:,} {what} ({how}; {type(exc).__name__}); no check "
        "judged the partial list: scan again"
    )


def _account(e: dict[str, Any], netbios: str) -> SyncAccount:
    uac = int(_first(e, "userAccountControl") or 0)
    return SyncAccount(
        name=f"{netbios}\\{_first(e, 'sAMAccountName')}",
        dn=e.get("dn", ""),
        enabled=not uac & DISABLED,
        last_logon=_filetime(_first(e, "lastLogonTimestamp")),
    )


def _filetime(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return None if value.year < 1602 or value.year == 1601 else value.astimezone(UTC)
    try:
        ticks = int(value)
    except (TypeError, ValueError):
        return None
    return datetime(1601, 1, 1, tzinfo=UTC) + timedelta(microseconds=ticks // 10) if ticks > 0 else None


@dataclass(slots=True)
class _UserTally:
    limit: int
    netbios: str
    users: int = 0
    enabled: int = 0
    excluded: int = 0
    anchors: int = 0
    upns: dict[str, str] = field(default_factory=dict)
    _groups: dict[str, dict[str, list[Any]]] = field(default_factory=lambda: {"issues": {}, "domains": {}})
    _by_upn: dict[str, list[Any]] = field(default_factory=dict)

    def add(self, dn: str, raw: dict[str, list[bytes]]) -> None:
        """A user as the lean decoding gives it (lower-case attribute names, raw values), its values
        read as ldap3 would format them (a GUID's text is empty only when its bytes are)."""
        sam = text(raw.get("samaccountname")) or ""
        if _excluded(sam, dn, text(raw.get("iscriticalsystemobject"))):
            self.excluded += 1
            return
        uac, value = text(raw.get("useraccountcontrol")), text(raw.get("userprincipalname"))
        anchor = bool((raw.get("ms-ds-consistencyguid") or [b""])[0])
        enabled = not int(uac or 0) & DISABLED
        # A DirUser is made only for the groups that still name users: most users are only counted.
        user = (f"{self.netbios}\\{sam}", value, enabled, dn)
        self.users += 1
        self.enabled += enabled
        self.anchors += anchor
        if value is None or upn.missing(value):
            self._put(self._groups["issues"], "missing", user)
            return
        self.upns[user[0].lower()] = value
        if upn.clean(value):  # the common case, decided by one regex match
            self._put(self._groups["domains"], value[value.index("@") + 1 :].lower(), user)
        else:
            for code in upn.issues(value):
                self._put(self._groups["issues"], code, user)
            if dom := upn.domain(value) if "@" in value else "":
                self._put(self._groups["domains"], dom, user)
        self._put(self._by_upn, value.lower(), user)

    def evidence(self, **forest: Any) -> DirectoryEvidence:
        """The section: the users counted here plus what was read about the forest."""
        return DirectoryEvidence(
            netbios=self.netbios,
            users=self.users,
            enabled=self.enabled,
            excluded=self.excluded,
            with_anchor=self.anchors,
            issues=self.groups("issues"),
            upn_domains=self.groups("domains"),
            duplicates=self.duplicates(),
            collisions=self.collisions(),
            upns=self.upns,
            sample_users=self.limit,
            **forest,
        )

    def _put(self, groups: dict[str, list[Any]], key: str, user: tuple[str, str | None, bool, str]) -> None:
        slot = groups.get(key)
        if slot is None:
            slot = groups[key] = [0, 0, []]
        slot[0] += 1
        slot[1] += user[2]
        if self.limit <= 0 or len(slot[2]) < self.limit:  # 0: name everyone
            slot[2].append(DirUser(name=user[0], upn=user[1], enabled=user[2], dn=user[3]))

    def groups(self, kind: str) -> tuple[DirGroup, ...]:
        return tuple(
            DirGroup(key=k, count=n, enabled=on, users=tuple(users))
            for k, (n, on, users) in sorted(self._groups[kind].items())
        )

    def duplicates(self) -> tuple[DirGroup, ...]:
        return tuple(
            DirGroup(key=k, count=n, enabled=on, users=tuple(users))
            for k, (n, on, users) in sorted(self._by_upn.items())
            if n > 1
        )

    def collisions(self) -> tuple[DirGroup, ...]:
        """UPNs that differ only in what synchronization normalises: fixing one collides."""
        out = []
        for key, values in upn.collisions(list(self._by_upn)).items():
            slots = [self._by_upn[v] for v in values]
            users = tuple(u for slot in slots for u in slot[2])
            count, enabled = sum(s[0] for s in slots), sum(s[1] for s in slots)
            out.append(DirGroup(key=key, count=count, enabled=enabled, users=users))
        return tuple(out)


def _excluded(sam: str, dn: str, critical: Any) -> bool:
    low = sam.lower()
    return (
        low in _EXCLUDED_NAMES
        or low.endswith("$")
        or low.startswith(_EXCLUDED_PREFIXES)
        or "\\0ACNF:" in dn
        or "\nCNF:" in dn
        or critical in (True, "TRUE")
    )
