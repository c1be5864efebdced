"""Scan results built by hand for the report tests, hostile values included."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from scanner.model import (
    Acceptance,
    CheckInfo,
    CheckResult,
    ExceptionUse,
    Finding,
    ScanResult,
    Severity,
    SourceStatus,
    Status,
)

T0 = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
SCRIPT = "<script>alert(1)</script>"
FORMULA = "=cmd|' /C calc'!A0"
# Everything a directory, a log or a DNS answer could hand us that a report must not obey.
HOSTILE = f'{SCRIPT} a|b\nsecond line {FORMULA} "quotes" &amp; bell\x00\x07end'
HOSTILE_SHOWN = HOSTILE.replace("\x00", "").replace("\x07", "")  # what a reader should see
ACCEPT = Acceptance(
    reason="Legacy OU, users migrate in Q1", owner="it-identity@contoso.com", expires="2027-03-31"
)


def info(check_id: str, *, severity: Severity = Severity.HIGH, title: str = "", **kw: Any) -> CheckInfo:
    return CheckInfo(
        id=check_id,
        title=title or f"Problem found by {check_id}",
        severity=severity,
        area=kw.pop("area", check_id.split(".")[0]),
        description=kw.pop("description", f"Why {check_id} matters."),
        remediation=kw.pop("remediation", f"Fix what {check_id} found."),
        **kw,
    )


def finding(
    check_id: str,
    target: str,
    *,
    severity: Severity = Severity.HIGH,
    message: str = "",
    evidence: dict[str, Any] | None = None,
    accepted: Acceptance | None = None,
) -> Finding:
    return Finding(
        check_id=check_id,
        severity=severity,
        target=target,
        message=message or f"{target} is wrong.",
        evidence={"seen": 1} if evidence is None else evidence,
        accepted=accepted,
    )


def failed(check_id: str, *findings: Finding, **kw: Any) -> CheckResult:
    """A failing check; without findings given, one high finding on `host.contoso.com`."""
    found = findings or (finding(check_id, "host.contoso.com"),)
    return CheckResult(check=info(check_id, **kw), status=Status.FAIL, findings=found, examined="3 hosts")


def many(check_id: str, n: int, **kw: Any) -> CheckResult:
    found = [finding(check_id, f"user{i:05d}@corp.contoso.local") for i in range(n)]
    return failed(check_id, *found, **kw)


def passed(check_id: str, examined: str = "", **kw: Any) -> CheckResult:
    return CheckResult(check=info(check_id, **kw), status=Status.PASS, examined=examined or "12 suffixes")


def errored(check_id: str, reason: str, **kw: Any) -> CheckResult:
    return CheckResult(check=info(check_id, **kw), status=Status.ERROR, reason=reason)


def skipped(check_id: str, reason: str, **kw: Any) -> CheckResult:
    return CheckResult(check=info(check_id, **kw), status=Status.SKIPPED, reason=reason)


def scan(*results: CheckResult, **kw: Any) -> ScanResult:
    return ScanResult(
        tool_version=kw.pop("tool_version", "1.2.3"),
        started=T0,
        finished=T0 + timedelta(seconds=42),
        company=kw.pop("company", "Contoso"),
        site_code=kw.pop("site_code", "EC1"),
        options=kw.pop("options", {"fail_on": "high", "command": ["scan", "-c", "mdm-preflight.toml"]}),
        sources=kw.pop("sources", (SourceStatus(name="dns", status="ok", target="1.1.1.1", duration=0.4),)),
        results=results,
        **kw,
    )


def hostile_scan() -> ScanResult:
    """Hostile text in a target, a message, evidence, a check title and the company name."""
    bad = finding("upn.bad_suffix", HOSTILE, message=HOSTILE, evidence={"value": HOSTILE, HOSTILE: "as key"})
    formula = finding("upn.bad_suffix", FORMULA, severity=Severity.MEDIUM, message="+SUM(A1:A9)")
    return scan(
        failed("upn.bad_suffix", bad, formula, title=HOSTILE),
        errored("dns.txt_record", f"resolver said {HOSTILE}"),
        company=HOSTILE,
        exceptions=(ExceptionUse(check="dns.*", target=HOSTILE, reason="r", matched=0),),
    )


def mixed_scan() -> ScanResult:
    """Every kind of outcome, with distinct counts: 2 failed, 1 accepted, 1 error, 3 skipped, 4 passed."""
    return scan(
        failed("upn.bad_suffix", severity=Severity.HIGH),
        failed(
            "adfs.cert_expiry", finding("adfs.cert_expiry", "sts.contoso.com", severity=Severity.CRITICAL)
        ),
        failed("upn.legacy", finding("upn.legacy", "corp.contoso.local", accepted=ACCEPT)),
        errored("directory.bind", "LDAP bind to dc01.corp.contoso.com failed: invalid credentials"),
        skipped("sync.connector", "the [directory] section is not configured"),
        skipped("sync.scp", "the [directory] section is not configured"),
        skipped("dns.mx", "no verified domains configured"),
        *(passed(f"logs.check{i}", examined=f"Sitecomp.log: {i} entries") for i in range(4)),
    )


@pytest.fixture
def hostile() -> ScanResult:
    return hostile_scan()


@pytest.fixture
def mixed() -> ScanResult:
    return mixed_scan()
