"""Root causes: how a check's findings map to the one thing to fix, so the action plan groups them.

A check names a rule in `@check(cause=...)`: a name from RULES, or its own pure function of a finding.
A rule returns "" when a finding is not about such an object (an issue code in place of a domain):
that finding stays its own cause.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import replace

from scanner.model import Finding

Rule = Callable[[Finding], str]

_HOST = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]")
# Labels of the records published for a domain: the record's finding is about the domain.
_RECORD_LABELS = ("enterpriseenrollment.", "enterpriseregistration.", "lyncdiscover.", "_sip._tls.")
_COMPONENT = re.compile(r"SMS_[A-Z0-9_]+")


def domain_of(target: str) -> str:
    """The domain a target names ("enterpriseenrollment.eu.contoso.com" -> "eu.contoso.com"), or ""."""
    name = target.strip().lower()
    for label in _RECORD_LABELS:
        if name.startswith(label):
            name = name[len(label) :]
    return name if _HOST.fullmatch(name) else ""


def by_domain(f: Finding) -> str:
    """Findings about one domain (its UPN users, its verification, its DNS records): one cause."""
    name = domain_of(f.target)
    return f"domain:{name}" if name else ""


def by_component(f: Finding) -> str:
    """A ConfigMgr component (from the evidence, or the target's last part: "Sitecomp.log:SMS_X")."""
    name = str(f.evidence.get("component") or f.target.rpartition(":")[2]).strip()
    return f"component:{name}" if _COMPONENT.fullmatch(name) else ""


def by_certificate(f: Finding) -> str:
    """A certificate, by its push topic or thumbprint: one renewal, however many checks see it."""
    name = str(f.evidence.get("topic") or f.evidence.get("thumbprint") or f.target).strip()
    return f"certificate:{name}" if name else ""


RULES: dict[str, Rule] = {"domain": by_domain, "component": by_component, "certificate": by_certificate}


def rule(cause: str | Rule | None) -> Rule | None:
    """A check's declaration as a function; ValueError for an unknown rule name."""
    if cause is None or callable(cause):
        return cause
    if cause not in RULES:
        raise ValueError(f"unknown cause {cause!r} (known: {', '.join(RULES)}, or a function)")
    return RULES[cause]


def assign(findings: Iterable[Finding], how: Rule | None) -> tuple[Finding, ...]:
    """The findings with their cause set; a finding the check already gave one keeps it."""
    if how is None:
        return tuple(findings)
    return tuple(f if f.cause else replace(f, cause=how(f)) for f in findings)
