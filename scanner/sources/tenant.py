"""The tenant source: Microsoft's public sign-in endpoints asked, without credentials, about each domain.

Only a fixed placeholder user is ever sent: these endpoints answer for any name, so a real one would
tell Microsoft's logs (and anyone reading them) who works here."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from scanner.cloud import TenantConfig
from scanner.config import Config
from scanner.errors import PreflightError
from scanner.evidence.tenant import KNOWN, Realm, TenantEvidence
from scanner.evidence.web import HttpInfo
from scanner.facts.domains import non_public_reason
from scanner.sources.dns import domains_to_check
from scanner.sources.net.web import fetch, http_client

PLACEHOLDER = "mdm-preflight"  # the local part of every login sent; never a user's name
MAX_BODY = 65_536  # a realm answer is well under 2 kB
WORKERS = 32  # threads only wait on the network
TRIES = 4  # a throttled request is sent again at most this often, within the deadline
BURST = 4  # requests sent at once before the pace applies: a small site is asked without waiting
_GUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")
_DOWN = ("no answer within", "connection refused", "TLS", "not an HTTP answer", "does not resolve", "reset")


SCP = "the hybrid-join service connection point (azureADId)"


class TenantSourceError(PreflightError):
    """The [tenant] section cannot be used; one line naming the key."""


def collect_tenant(cfg: Config, sections: Mapping[str, Any]) -> TenantEvidence:
    """Known domains are asked at once; the UPN suffixes of the site database and AD as they arrive."""
    tc = cfg.tenant or TenantConfig()
    authority = _authority(tc.authority)
    ca_file = tc.ca_file  # relative paths were resolved against the config file's folder when loaded
    timeout, t0 = cfg.scan.timeout, time.monotonic()
    ask = _Asker(authority, timeout, tc.rate, t0 + 1.5 * timeout)
    first = _domains(cfg, {})
    with http_client(timeout=timeout, ca_file=ca_file) as client, ThreadPoolExecutor(WORKERS) as pool:
        ask.client = client
        ask.expect(len(first))
        jobs = {d: pool.submit(ask.domain, d) for d in first}
        everything = _domains(cfg, sections)  # waits for the sources that report UPN suffixes
        ask.expect(len(everything))
        jobs |= {d: pool.submit(ask.domain, d) for d in everything if d not in jobs}
        realms = tuple(replace(jobs[d].result(), why=why, users=n) for d, (why, n) in everything.items())
    scp = _scp_tenant(sections)
    expected, source = (tc.tenant_id.strip().lower(), "[tenant] tenant_id") if tc.tenant_id else (scp, SCP)
    return TenantEvidence(
        authority=authority,
        placeholder=PLACEHOLDER,
        checked_at=datetime.now(UTC),
        expected_tenant=expected,
        expected_from=source if expected else "",
        scp_tenant=scp,
        verified_list=tuple(d.lower() for d in cfg.site.verified_domains),
        adfs_host=(urlsplit(cfg.adfs.url).hostname or "").lower() if cfg.adfs and cfg.adfs.url else "",
        realms=realms,
        seconds=time.monotonic() - t0,
    )


def _authority(url: str) -> str:
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname:
        raise TenantSourceError(
            f"[tenant] authority {url!r}: give https://login.microsoftonline.com (or .us for US Government)"
        )
    return url.strip().rstrip("/")


def _domains(cfg: Config, sections: Mapping[str, Any]) -> dict[str, tuple[str, int]]:
    """Every domain the scan knows -> (why it is asked, how many users sign in with it)."""
    found = {d: (why, 0) for d, why in domains_to_check(cfg, sections).items() if _DOMAIN.match(d)}
    users: dict[str, int] = {}
    for name in ("sql", "directory"):
        section = sections.get(name)
        for g in getattr(section, "domains" if name == "sql" else "upn_domains", ()) or ():
            users[g.key] = max(users.get(g.key, 0), g.count)
        forest = (*getattr(section, "upn_suffixes", ()), *getattr(section, "domains", ()))
        for suffix in forest if name == "directory" else ():
            name_ = suffix.strip().lower()
            if _DOMAIN.match(name_) and not non_public_reason(name_):  # never ask about corp.local
                found.setdefault(name_, ("a UPN suffix the forest offers", 0))
    return {d: (why, users.get(d, 0)) for d, (why, _) in sorted(found.items())}


def _scp_tenant(sections: Mapping[str, Any]) -> str:
    """The tenant domain-joined devices register in: the service connection point's azureADId."""
    ad = sections.get("directory")
    pairs = dict(k.split(":", 1) for k in getattr(ad, "scp_keywords", ()) if ":" in k)
    tid = pairs.get("azureADId", "").strip()
    return tid.lower() if _GUID.fullmatch(tid) else ""


class _Asker:
    """Paced, bounded requests to one authority: at most `rate` a second (faster only as needed to finish
    within the timeout), a 429/503's Retry-After honoured while time remains, and once the authority
    fails to answer at all, no more requests sent to it."""

    def __init__(self, authority: str, timeout: float, rate: float, deadline: float) -> None:
        self.authority, self.timeout, self.floor, self.deadline = authority, timeout, rate, deadline
        self.client: Any = None
        self.lock = threading.Lock()
        self.interval = 1 / rate
        self.next = time.monotonic() - BURST * self.interval
        self.down = ""
        self.no_userrealm = False  # once it answered 404, as msal does: ask the older endpoint only

    def expect(self, domains: int) -> None:
        # Two requests per domain, spread over at most half the timeout.
        with self.lock:
            self.interval = 1 / max(self.floor, 2 * domains / (self.timeout / 2))

    def domain(self, domain: str) -> Realm:
        t0 = time.monotonic()
        login = quote(f"{PLACEHOLDER}@{domain}", safe="@")
        via = f"{self.authority}/common/userrealm/{login}?api-version=2.1"
        info, data = self.get(via, userrealm=True)
        if info.status == 404:  # this cloud has no userrealm: the older endpoint answers the same question
            self.no_userrealm = True
            via = f"{self.authority}/getuserrealm.srf?login={quote(f'{PLACEHOLDER}@{domain}')}&json=1"
            info, data = self.get(via)
        realm = _realm(domain, via, info, data)
        oid_info, oid = self.get(f"{self.authority}/{domain}/v2.0/.well-known/openid-configuration")
        return replace(realm, **_tenant(oid_info, oid), seconds=time.monotonic() - t0)

    def get(self, url: str, userrealm: bool = False) -> tuple[HttpInfo, Any]:
        for _ in range(TRIES):
            if self.down:
                return HttpInfo(
                    url=url, error=f"not asked: {self.authority} did not answer ({self.down})"
                ), None
            if not self._wait():
                return HttpInfo(url=url, error=f"not asked within the {self.timeout:g} s timeout"), None
            if userrealm and self.no_userrealm:  # learnt while this request waited its turn
                return HttpInfo(url=url, status=404), None
            info, body = fetch(self.client, url, max_bytes=MAX_BODY, timeout=self.timeout)
            if info.status == 0 and any(w in info.error for w in _DOWN):
                self.down = self.down or info.error
            if info.status not in (429, 503):
                return info, _json(body)
            if time.monotonic() + info.retry_after > self.deadline:
                why = f"HTTP {info.status}: throttled, Retry-After {info.retry_after:g} s is past the timeout"
                return replace(info, error=why), None
            with self.lock:  # every request waits: the whole client was asked to slow down
                self.next = max(self.next, time.monotonic() + max(info.retry_after, 1.0))
        return replace(info, error=f"HTTP {info.status}: still throttled after {TRIES} tries"), None

    def _wait(self) -> bool:
        with self.lock:
            now = time.monotonic()
            slot = max(self.next, now - BURST * self.interval)
            self.next = slot + self.interval
        if slot > self.deadline:
            return False
        if slot > now:
            time.sleep(slot - now)
        return True


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


def _realm(domain: str, via: str, info: HttpInfo, data: Any) -> Realm:
    """Parsed, never pattern-matched: an answer without a known NameSpaceType is an error, not Unknown."""
    base = Realm(domain=domain, why="", via=via)
    if info.error:
        return replace(base, error=info.error)
    kind = data.get("NameSpaceType") if isinstance(data, dict) else None
    if info.status != 200 or kind not in (*KNOWN, "Unknown"):
        what = (
            "no JSON"
            if data is None
            else f"NameSpaceType {kind!r}"
            if isinstance(data, dict)
            else "no object"
        )
        return replace(base, error=f"HTTP {info.status} from {_path(via)}: not a realm answer ({what})")

    def text(*keys: str) -> str:
        return next((str(data[k]) for k in keys if isinstance(data.get(k), str | int)), "")

    return replace(
        base,
        namespace=kind,
        auth_url=text("AuthURL") if kind == "Federated" else "",
        brand=text("FederationBrandName"),
        cloud=text("cloud_instance_name", "CloudInstanceName", "cloudinstancename"),
        viral=data.get("IsViral") is True,
    )


def _tenant(info: HttpInfo, data: Any) -> dict[str, Any]:
    """The tenant ID from issuer or token_endpoint; AADSTS90002 means no tenant holds the domain."""
    if info.error:
        return {"tenant_error": info.error}
    if isinstance(data, dict) and info.status == 200:
        for key in ("issuer", "token_endpoint"):
            if isinstance(data.get(key), str) and (m := _GUID.search(data[key])):
                region = data.get("tenant_region_scope")
                return {"tenant_id": m.group(0).lower(), "region": region if isinstance(region, str) else ""}
    why = str(data.get("error_description", "")) if isinstance(data, dict) else ""
    if info.status == 400 and "AADSTS90002" in why:
        return {"no_tenant": True}
    detail = why.split("\n")[0][:200] or ("no tenant ID in the answer" if info.status == 200 else "")
    return {"tenant_error": f"HTTP {info.status} from {_path(info.url)}" + (f": {detail}" if detail else "")}


def _path(url: str) -> str:
    return urlsplit(url).path
