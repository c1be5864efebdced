"""The public API for third-party checks: import from here, and your check survives our refactorings.

A check is a function decorated with `@check`, registered through the `mdm_preflight.checks` entry point
of your distribution; it reads `ctx.ev` (the evidence, typed by `scanner.evidence`) and yields findings::

    from scanner.api import Context, Severity, check

    @check(id="contoso.sitecomp_present", title="Sitecomp.log is missing", severity=Severity.LOW,
           needs={"logs"}, remediation="Add the site server's Logs folder to [logs] paths.")
    def sitecomp_present(ctx: Context):
        ctx.examined = f"{len(ctx.ev.logs.logs)} logs"
        if ctx.ev.logs.find("Sitecomp.log") is None:
            yield ctx.finding("Sitecomp.log", "Sitecomp.log is not among the configured logs.")

Raise `Skip` when there is nothing to judge and `Unverifiable` when the evidence cannot answer; both
become the check's status with your reason, never a pass.
"""

from __future__ import annotations

from scanner.context import Context, Skip, Unverifiable
from scanner.evidence import Evidence
from scanner.evidence.adfs import AdfsEvidence, FederationMetadata
from scanner.evidence.apns import ApnsEvidence
from scanner.evidence.certs import CertInfo
from scanner.evidence.directory import DirectoryEvidence, DirGroup, DirUser, SyncAccount
from scanner.evidence.dns import DnsAnswer, DnsEvidence, DnsView
from scanner.evidence.endpoints import EndpointProbe, EndpointsEvidence
from scanner.evidence.logs import ComponentEvent, LogRecord, LogSet, LogsEvidence, SyncCycle, UserFailure
from scanner.evidence.sql import SqlEvidence, SuffixCount, UserGroup, UserRef
from scanner.evidence.web import HttpInfo, Lookup, TlsInfo
from scanner.model import CheckResult, Finding, ScanResult, Severity, Status
from scanner.registry import ENTRY_POINT_GROUP, NoOptions, check

__all__ = [
    "ENTRY_POINT_GROUP",
    "AdfsEvidence",
    "ApnsEvidence",
    "CertInfo",
    "CheckResult",
    "ComponentEvent",
    "Context",
    "DirGroup",
    "DirUser",
    "DirectoryEvidence",
    "DnsAnswer",
    "DnsEvidence",
    "DnsView",
    "EndpointProbe",
    "EndpointsEvidence",
    "Evidence",
    "FederationMetadata",
    "Finding",
    "HttpInfo",
    "LogRecord",
    "LogSet",
    "LogsEvidence",
    "Lookup",
    "NoOptions",
    "ScanResult",
    "Severity",
    "Skip",
    "SqlEvidence",
    "Status",
    "SuffixCount",
    "SyncAccount",
    "SyncCycle",
    "TlsInfo",
    "Unverifiable",
    "UserFailure",
    "UserGroup",
    "UserRef",
    "check",
]
