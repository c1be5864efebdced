"""Sources: the only code that reads files or talks to servers. Each yields one evidence section."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.config import Config
from scanner.evidence.adfs import AdfsEvidence
from scanner.evidence.apns import ApnsEvidence
from scanner.evidence.directory import DirectoryEvidence
from scanner.evidence.dns import DnsEvidence
from scanner.evidence.endpoints import EndpointsEvidence
from scanner.evidence.sql import SqlEvidence
from scanner.evidence.tenant import GraphEvidence, TenantEvidence
from scanner.sources.adfs import collect_adfs
from scanner.sources.apns import collect_apns
from scanner.sources.directory import collect_directory
from scanner.sources.dns import collect_dns
from scanner.sources.endpoints import collect_endpoints
from scanner.sources.graph import collect_graph
from scanner.sources.logs import TimeRule, collect_logs
from scanner.sources.net.bind import setup_problem
from scanner.sources.sql import collect_sql
from scanner.sources.sql import setup_problem as sql_problem
from scanner.sources.tenant import collect_tenant
from scanner.store import saved


@dataclass(frozen=True, slots=True)
class SourceDef:
    name: str
    section: str  # the config section that configures it
    collect: Callable[[Config, Mapping[str, Any]], Any]  # (config, other sources' evidence, waited for)
    target: Callable[[Config], str]  # what it reads, for provenance
    deadline: Callable[[Config], float]  # seconds before the run gives up on it
    after: tuple[str, ...] = ()  # sources whose evidence it reads (DNS checks the UPN suffixes found)
    # Why its configuration cannot work on this machine ('' when it can), known before any I/O.
    problem: Callable[[Config], str] = lambda cfg: ""
    saved: type | None = None  # its evidence type, when `[<section>] evidence = FILE` may replace it
    off: Callable[[Config], str] | None = None  # why it is not configured ("": it is); default: no section
    # (variable, prompt[, the key naming the variable]) it will ask for
    secret: Callable[[Any], tuple[str, ...] | None] = lambda section: None

    def run(self, cfg: Config, upstream: Mapping[str, Any]) -> Any:
        """Offline first: a section's `evidence` file (collected elsewhere) instead of asking anyone; then
        a store.Saved, the section with when it was collected."""
        path = self.offline(cfg)
        if path and self.saved is not None:
            return saved(Path(path), self.name, self.saved)
        return self.collect(cfg, upstream)

    def offline(self, cfg: Config) -> str:
        return str(getattr(getattr(cfg, self.section, None), "evidence", "") or "")

    def describe(self, cfg: Config) -> str:
        """What it reads, for provenance: the evidence file when offline."""
        return self.offline(cfg) or self.target(cfg)


def _logs(cfg: Config, _: Mapping[str, Any]) -> Any:
    assert cfg.logs is not None
    rule = TimeRule(convention=cfg.logs.time_convention, missing_bias=cfg.logs.missing_bias)
    return collect_logs(cfg.logs.paths, rule, cfg.base_dir)


def _sql(cfg: Config, _: Mapping[str, Any]) -> Any:
    assert cfg.sql is not None
    return collect_sql(cfg.sql, cfg.site.code, cfg.scan.timeout, cfg.base_dir)


def _sql_target(cfg: Config) -> str:
    if cfg.sql is None:
        return ""
    return cfg.sql.csv or cfg.sql.database or (f"CM_{cfg.site.code}" if cfg.site.code else "")


def _tenant_off(cfg: Config) -> str:
    if cfg.tenant is None or (not cfg.tenant.lookup and not cfg.tenant.evidence):
        return "[tenant] lookup = false: the tenant is not asked"
    return ""


def _endpoints_target(cfg: Config) -> str:
    ep = cfg.endpoints
    if ep is None:
        return ""
    what = f"{len(ep.endpoints)} endpoints" if ep.endpoints else "the Intune endpoints"
    return f"{what} via {ep.proxy}" if ep.proxy else what


def _env_secret(what: str) -> Callable[[Any], tuple[str, str] | None]:
    """The section's password_env, when it names one."""
    return lambda s: (
        (s.password_env, f"Password for {what} (environment variable {s.password_env} is not set): ")
        if s.password_env
        else None
    )


def _graph_secret(s: Any) -> tuple[str, ...] | None:
    """A PFX or an encrypted key's password, when [graph] certificate_password_env names one."""
    env = s.certificate_password_env
    prompt = f"Password for the [graph] certificate (environment variable {env} is not set): "
    return (env, prompt, "certificate_password_env") if env else None


def _directory_secret(s: Any) -> tuple[str, str] | None:
    """A bind with a user always needs a password (an empty one would bind anonymously)."""
    return (s.password_env, "Password for the directory account: ") if s.user else None


def secrets_needed(cfg: Config, names: set[str]) -> list[tuple[str, ...]]:
    """(section, variable, prompt) for each secret the configured, online sources in `names` will read."""
    out = []
    for name in sorted(names):
        src = SOURCES.get(name)
        section = getattr(cfg, name, None) if src else None
        if src is None or section is None or src.offline(cfg) or getattr(section, "csv", ""):
            continue
        if src.problem(cfg):  # a setup that cannot work (a password beside Kerberos): that line, no prompt
            continue
        if (need := src.secret(section)) is not None:
            out.append((name, *need))
    return out


SOURCES: dict[str, SourceDef] = {
    # Every request runs at once, each bounded by the timeout; the body read too.
    "adfs": SourceDef(
        name="adfs",
        section="adfs",
        saved=AdfsEvidence,
        collect=lambda cfg, _: collect_adfs(cfg.adfs, cfg.scan.timeout, cfg.base_dir),  # type: ignore[arg-type]
        target=lambda cfg: cfg.adfs.url if cfg.adfs else "",
        deadline=lambda cfg: 2 * cfg.scan.timeout + 10,
    ),
    "dns": SourceDef(
        name="dns",
        section="dns",
        saved=DnsEvidence,
        collect=collect_dns,
        target=lambda cfg: ", ".join(cfg.dns.nameservers) or "system resolver" if cfg.dns else "",
        deadline=lambda cfg: 3 * cfg.scan.timeout + 10,
        after=("sql", "directory"),
    ),
    "logs": SourceDef(
        name="logs",
        section="logs",
        collect=_logs,
        target=lambda cfg: ", ".join(cfg.logs.paths) if cfg.logs else "",
        deadline=lambda cfg: cfg.logs.timeout if cfg.logs else 0.0,
    ),
    # Connect, bind and a handful of searches (users page by page), each bounded by the timeout.
    "directory": SourceDef(
        name="directory",
        section="directory",
        secret=_directory_secret,
        saved=DirectoryEvidence,
        collect=lambda cfg, _: collect_directory(cfg.directory, cfg.scan.timeout, cfg.base_dir),  # type: ignore[arg-type]
        target=lambda cfg: cfg.directory.url if cfg.directory else "",
        deadline=lambda cfg: 6 * cfg.scan.timeout + 60,
        problem=lambda cfg: setup_problem(cfg.directory) if cfg.directory else "",
    ),
    # Per endpoint: DNS, TCP + TLS (twice when validation fails, to read the chain), one GET; all
    # endpoints at once.
    "endpoints": SourceDef(
        name="endpoints",
        section="endpoints",
        secret=_env_secret("the proxy account"),
        saved=EndpointsEvidence,
        collect=lambda cfg, _: collect_endpoints(cfg),
        target=_endpoints_target,
        deadline=lambda cfg: 6 * cfg.scan.timeout + 10,
    ),
    # One small file, perhaps on a share.
    "apns": SourceDef(
        name="apns",
        section="apns",
        secret=_env_secret("the APNs certificate file"),
        saved=ApnsEvidence,
        collect=lambda cfg, _: collect_apns(cfg),
        target=lambda cfg: cfg.apns.certificate if cfg.apns else "",
        deadline=lambda cfg: 2 * cfg.scan.timeout + 10,
    ),
    # Two paced requests per domain, all domains at once; 429's Retry-After is waited for within 1.5 timeouts.
    "tenant": SourceDef(
        name="tenant",
        section="tenant",
        saved=TenantEvidence,
        collect=collect_tenant,
        target=lambda cfg: cfg.tenant.authority if cfg.tenant else "",
        deadline=lambda cfg: 3 * cfg.scan.timeout + 10,
        after=("sql", "directory"),
        off=_tenant_off,
    ),
    # A token, then a handful of reads (domains page by page) at once, each bounded by the timeout.
    "graph": SourceDef(
        name="graph",
        section="graph",
        saved=GraphEvidence,
        collect=lambda cfg, _: collect_graph(cfg),
        target=lambda cfg: cfg.graph.endpoint if cfg.graph else "",
        secret=_graph_secret,
        deadline=lambda cfg: 4 * cfg.scan.timeout + 10,
    ),
    # Login, the two user queries and the site rules' six, each bounded by the timeout; slack for rows.
    "sql": SourceDef(
        name="sql",
        section="sql",
        saved=SqlEvidence,
        secret=_env_secret("the site database"),
        collect=_sql,
        target=_sql_target,
        deadline=lambda cfg: 9 * cfg.scan.timeout + 30,
        problem=lambda cfg: sql_problem(cfg.sql) if cfg.sql else "",
    ),
}
