"""Evidence: everything the sources collected, typed and JSON round-trippable."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime

from scanner.evidence.adfs import AdfsEvidence
from scanner.evidence.apns import ApnsEvidence
from scanner.evidence.directory import DirectoryEvidence
from scanner.evidence.dns import DnsEvidence
from scanner.evidence.endpoints import EndpointsEvidence
from scanner.evidence.logs import LogsEvidence
from scanner.evidence.sql import SqlEvidence
from scanner.evidence.tenant import GraphEvidence, TenantEvidence
from scanner.model import SourceStatus

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True, kw_only=True)
class Evidence:
    schema_version: int = SCHEMA_VERSION
    tool_version: str
    collected_at: datetime  # checks measure ages from here, so re-evaluation is repeatable
    sources: tuple[SourceStatus, ...] = ()
    configured: tuple[str, ...] = ()  # config sections present, collected or not (adfs.not_configured)
    logs: LogsEvidence | None = None
    sql: SqlEvidence | None = None
    directory: DirectoryEvidence | None = None
    dns: DnsEvidence | None = None
    adfs: AdfsEvidence | None = None
    endpoints: EndpointsEvidence | None = None
    apns: ApnsEvidence | None = None
    tenant: TenantEvidence | None = None
    graph: GraphEvidence | None = None

    def status(self, name: str) -> SourceStatus | None:
        return next((s for s in self.sources if s.name == name), None)

    def as_of(self, name: str) -> datetime:
        """When source `name`'s evidence was collected: a saved file's own time, else this collection's."""
        st = self.status(name)
        return st.collected if st is not None and st.collected is not None else self.collected_at


# The sources, named once: each is a section of Evidence (and of the config, and of sources.SOURCES).
SECTIONS: tuple[str, ...] = tuple(
    f.name
    for f in fields(Evidence)
    if f.name not in {"schema_version", "tool_version", "collected_at", "sources", "configured"}
)
