"""What a check receives: the evidence, its options, and a way to build findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from scanner.config import SiteConfig
from scanner.evidence import Evidence
from scanner.model import CheckInfo, Finding, Severity

OptionsT = TypeVar("OptionsT")
SectionT = TypeVar("SectionT")


class Skip(Exception):
    """Raised by a check that does not apply here; the message is the reason shown."""


class Unverifiable(Exception):
    """Raised by a check whose evidence could not be read (a server did not answer): status error,
    the message is the reason shown, in plain words."""


@dataclass(slots=True)
class Context(Generic[OptionsT]):
    ev: Evidence
    opts: OptionsT
    info: CheckInfo
    site: SiteConfig = field(
        default_factory=SiteConfig
    )  # the tenant facts the user states: company, verified domains
    examined: str = ""  # set by the check: what it looked at, so a pass is believable

    def finding(
        self, target: str, message: str, *, severity: Severity | None = None, **evidence: Any
    ) -> Finding:
        return Finding(
            check_id=self.info.id,
            severity=severity or self.info.severity,
            target=target,
            message=message,
            evidence=evidence,
        )

    def need(self, section: SectionT | None) -> SectionT:
        """An evidence section the check declared in `needs` (``ctx.need(ctx.ev.sql)``): the runner calls
        a check only when its sources delivered, so None here means saved evidence without it."""
        if section is None:
            raise Unverifiable("the evidence holds no section for this check's source")
        return section
