"""The TOML configuration: strict, typed, frozen. Unknown keys are errors that name their path."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from scanner import formats
from scanner.cloud import GraphConfig, TenantConfig
from scanner.errors import PreflightError
from scanner.model import Severity


class ConfigError(PreflightError):
    """The configuration cannot be used; the message names the file and the key."""


@dataclass(frozen=True, slots=True, kw_only=True)
class SiteConfig:
    code: str = ""  # ConfigMgr site code, e.g. "EC1"
    company: str = ""  # shown on reports
    verified_domains: tuple[str, ...] = ()  # domains verified in the tenant


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanConfig:
    timeout: float = 10.0  # seconds, every network operation
    fail_on: str = "high"  # a severity, or "never"


@dataclass(frozen=True, slots=True, kw_only=True)
class SqlConfig:
    connection_string: str = ""
    database: str = ""  # default CM_<site.code>
    user: str = ""
    password_env: str = ""  # the name of an environment variable, never the password
    csv: str = ""  # offline: a v_R_User export (columns User_Principal_Name0, optional names)
    sample_users: int = 25  # users named per suffix and per problem (0: all); counts are always complete
    intune_collection: str = ""  # the Intune subscription's user collection ID, e.g. "EC100012"
    status_days: int = 7  # status messages of the connector's components this many days back are read
    evidence: str = ""  # offline instead: an evidence.json from `mdm-preflight collect` elsewhere

    def __post_init__(self) -> None:
        if self.csv and self.evidence:
            raise ValueError("sql.csv and sql.evidence are both set: keep the one to read")
        if self.intune_collection and not _COLLECTION_ID.fullmatch(self.intune_collection):
            raise ValueError(
                f"sql.intune_collection: {self.intune_collection!r} is not a collection ID like EC100012 "
                "(the Collection ID column in the console, not the collection's name)"
            )


# A collection ID: the site code and five hex digits (EC100012; SMS00002 is All Users).
_COLLECTION_ID = re.compile(r"[A-Za-z0-9]{3}[0-9A-Fa-f]{5}")


@dataclass(frozen=True, slots=True, kw_only=True)
class DirectoryConfig:
    url: str = ""
    start_tls: bool = False
    user: str = ""
    password_env: str = ""
    auth: str = "simple"  # simple | ntlm | kerberos (the identity of the account running the scan)
    keytab: str = ""  # kerberos on Linux: a client keytab instead of a ticket cache (kinit)
    principal: str = ""  # kerberos on Linux: which principal, from the keytab or the ticket cache
    spn: str = ""  # kerberos: the DC's service principal; default ldap/<host in url>
    ca_file: str = ""
    base_dn: str = ""  # default: the RootDSE defaultNamingContext
    filter: str = "(&(objectCategory=person)(objectClass=user))"  # which objects are users
    page_size: int = 1000  # paged search; AD's MaxPageSize is 1000 by default
    sample_users: int = 25  # users named per problem (0: all, for a full action list); counts always complete
    evidence: str = ""  # offline instead: an evidence.json from `mdm-preflight collect` elsewhere


@dataclass(frozen=True, slots=True, kw_only=True)
class DnsConfig:
    nameservers: tuple[str, ...] = ()  # default: the system resolver
    port: int = 53
    domains: tuple[str, ...] = ()  # extra domains; verified domains and UPN suffixes are added
    compare_nameservers: tuple[str, ...] = ()  # a second view (internal vs public): split horizon
    evidence: str = ""  # offline instead: an evidence.json from `mdm-preflight collect` elsewhere


@dataclass(frozen=True, slots=True, kw_only=True)
class AdfsConfig:
    url: str = ""  # the federation service, e.g. https://sts.contoso.com
    ca_file: str = ""  # trust anchors instead of the system store
    resolve: dict[str, str] = field(default_factory=dict)  # host -> address pins, like curl --resolve
    verify_tls: bool = True  # false reads an untrusted service anyway, and is itself a finding
    probe_url: str = ""  # default http://<host>/adfs/probe (port 80, as load balancers ask)
    evidence: str = ""  # offline instead: an evidence.json from `mdm-preflight collect` elsewhere


@dataclass(frozen=True, slots=True, kw_only=True)
class EndpointsConfig:
    endpoints: tuple[str, ...] = ()  # host, host:port or https:// URL; empty: scanner/intune_endpoints.toml
    proxy: str = ""  # an HTTP CONNECT proxy, e.g. "http://proxy.contoso.com:8080"
    user: str = ""  # for the proxy's Basic authentication
    password_env: str = ""  # the name of an environment variable, never the password
    ca_file: str = ""  # extra trust anchors; default: the system store
    resolve: dict[str, str] = field(default_factory=dict)  # host -> address pins, like curl --resolve
    evidence: str = ""  # offline instead: an evidence.json from `mdm-preflight collect` elsewhere


@dataclass(frozen=True, slots=True, kw_only=True)
class ApnsConfig:
    certificate: str = ""  # the MDM push certificate: PEM, DER, or PKCS#12 (.p12 / .pfx)
    password_env: str = ""  # for a PKCS#12 file: the name of an environment variable
    evidence: str = ""  # offline instead: an evidence.json from `mdm-preflight collect` elsewhere


@dataclass(frozen=True, slots=True, kw_only=True)
class LogsConfig:
    paths: tuple[str, ...] = ()  # files, folders or globs; relative to the config file
    time_convention: str = "bias"  # bias: UTC = local + n (ConfigMgr); offset: UTC = local - n
    missing_bias: int = 0  # minutes to add to times written without a zone part
    timeout: float = 600.0  # seconds for reading all logs, so a dead share cannot hang a run


# Placeholders the [email] subject may use; mail.py fills every one of them.
SUBJECT_FIELDS = (
    "company", "site", "status", "failed", "errors", "open", "new", "resolved",
    "critical", "high", "medium", "low", "info", "accepted", "date",
)  # fmt: skip


@dataclass(frozen=True, slots=True, kw_only=True)
class EmailConfig:
    smtp_host: str
    port: int = 0  # default by security: 587 starttls, 465 tls, 25 none
    security: str = "starttls"  # starttls | tls | none; certificates are always verified
    user: str = ""  # empty: no login
    password_env: str = ""  # the name of an environment variable, never the password
    ca_file: str = ""  # trust anchor for the server certificate; default: the system store
    from_: str  # the TOML key is `from`
    to: tuple[str, ...]
    cc: tuple[str, ...] = ()
    subject: str = "{company} hybrid MDM: {status}, {open} open findings, {new} new, {resolved} resolved"
    send: str = "on_failure"  # always | on_failure | on_change
    attach: tuple[str, ...] = ("html",)  # report formats attached (within a size cap)

    def __post_init__(self) -> None:
        if not self.to:
            raise ValueError("email.to: give at least one recipient")
        for key, value in (("from", (self.from_,)), ("to", self.to), ("cc", self.cc)):
            if bad := next((a for a in value if "@" not in a or any(c in a for c in "\r\n,<>")), None):
                raise ValueError(f"email.{key}: {bad!r} is not one email address")
        if self.security == "none" and self.user:
            raise ValueError(
                "email.user: a login needs TLS (security = none would send the password in clear)"
            )
        if bad := next((a for a in self.attach if a not in ATTACHABLE), None):
            raise ValueError(f"email.attach: {bad!r} is not one of {', '.join(ATTACHABLE)}")
        _subject_fields(self.subject)
        if not 0 <= self.port <= 65535:
            raise ValueError(f"email.port: {self.port} is not a TCP port")


_TEXT_FIELDS = ("company", "site", "status", "date")
# The report formats, and the PDF a local browser prints from the HTML.
ATTACHABLE = tuple(formats.ALL)


def _subject_fields(template: str) -> None:
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"email.subject: {exc} (write {{{{ and }}}} for literal braces)") from None
    for _, name, _, _ in parsed:
        if name is not None and name not in SUBJECT_FIELDS:
            raise ValueError(
                f"email.subject: unknown placeholder {{{name}}}; use some of "
                + ", ".join(f"{{{f}}}" for f in SUBJECT_FIELDS)
            )
    sample = {f: "" if f in _TEXT_FIELDS else 0 for f in SUBJECT_FIELDS}
    try:
        template.format(**sample)
    except (ValueError, KeyError, IndexError) as exc:
        raise ValueError(f"email.subject: cannot fill {template!r} ({exc})") from None


@dataclass(frozen=True, slots=True, kw_only=True)
class HistoryConfig:
    dir: str = ""  # where each run's result is kept; relative to the config file
    keep: int = 30  # newest results kept; older ones are deleted
    lock_wait: float = 60.0  # seconds a run waits for another run using the same folder

    def __post_init__(self) -> None:
        if self.keep < 1:
            raise ValueError(f"history.keep: {self.keep} must be at least 1")
        if self.lock_wait < 0:
            raise ValueError(f"history.lock_wait: {self.lock_wait} must not be negative")


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportConfig:
    logo: str = ""  # PNG, JPEG or SVG file, embedded in the HTML report; relative to the config file
    accent: str = ""  # "#rgb" or "#rrggbb": the report's accent colour
    author: str = ""  # the consultant or team that prepared the report
    engagement: str = ""  # the engagement or project name shown under the title

    def __post_init__(self) -> None:
        # The accent reaches the style sheet: only a plain hex colour, so nothing can be injected.
        hexa = self.accent[1:]
        if self.accent and not (self.accent[0] == "#" and len(hexa) in (3, 6) and set(hexa) <= _HEX):
            raise ValueError(f'report.accent: {self.accent!r} is not a colour like "#0b5394"')


_HEX = set(string.hexdigits)


@dataclass(frozen=True, slots=True, kw_only=True)
class ExceptionRule:
    check: str  # id or glob
    target: str = "*"  # exact or glob
    reason: str
    owner: str = ""
    expires: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    site: SiteConfig = SiteConfig()
    scan: ScanConfig = ScanConfig()
    report: ReportConfig = ReportConfig()  # branding of the HTML report
    sql: SqlConfig | None = None  # an absent section: that source is not configured
    directory: DirectoryConfig | None = None
    dns: DnsConfig | None = None
    adfs: AdfsConfig | None = None
    logs: LogsConfig | None = None
    email: EmailConfig | None = None  # scan --email sends with it
    history: HistoryConfig | None = None  # scan keeps results here and compares with the last one
    endpoints: EndpointsConfig | None = None
    apns: ApnsConfig | None = None
    tenant: TenantConfig | None = field(default_factory=TenantConfig)  # on by default; lookup = false: off
    graph: GraphConfig | None = None
    checks: dict[str, dict[str, Any]] = field(default_factory=dict)  # validated by the registry
    exceptions: tuple[ExceptionRule, ...] = ()
    base_dir: Path | None = None  # where relative paths in the file start
    source: str = "defaults"  # the file it came from, for messages


_CHOICES = {
    ("scan", "fail_on"): [*(s.value for s in Severity), "never"],
    ("logs", "time_convention"): ["bias", "offset"],
    ("directory", "auth"): ["simple", "ntlm", "kerberos"],
    ("email", "security"): ["starttls", "tls", "none"],
    ("email", "send"): ["always", "on_failure", "on_change"],
}
# Numbers with a range: (lowest, highest, unit); None is open. TOML's inf and nan mean no setting.
_RANGES: dict[tuple[str, str], tuple[float | None, float | None, str]] = {
    ("scan", "timeout"): (0.1, 86400, "seconds"),
    ("logs", "timeout"): (0.1, 86400, "seconds"),
    ("logs", "missing_bias"): (-1440, 1440, "minutes"),
    ("sql", "sample_users"): (0, None, "users (0: all)"),
    ("sql", "status_days"): (1, 365, "days"),
    ("directory", "sample_users"): (0, None, "users (0: all)"),
    ("directory", "page_size"): (1, None, "entries per page"),
    ("dns", "port"): (1, 65535, "a UDP/TCP port"),
    ("tenant", "max_sync_age_hours"): (0.1, None, "hours"),
    ("tenant", "rate"): (0.1, 1000, "requests per second"),
}
# TOML keys that are Python keywords, and the field each fills.
_ALIASES = {("email", "from"): "from_"}


# Loading lives in scanner/configfile.py; these names stay importable from here (0.1's paths).
_LOADING = frozenset({"load", "from_dict", "coerce", "in_range", "resolve_path", "PATH_KEYS"})


def __getattr__(name: str) -> Any:
    if name in _LOADING:
        from scanner import configfile

        return getattr(configfile, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
