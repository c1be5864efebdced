"""The dns source against real DNS servers on 127.0.0.1: dnsmasq, a silent and a refusing server."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from scanner import config
from scanner.cli import app
from scanner.evidence import Evidence
from scanner.evidence.dns import DnsEvidence
from scanner.model import Finding, SourceStatus
from scanner.sources.dns import collect_dns
from scanner.sources.sql import from_csv
from tests.conftest import SAMPLES, run_check
from tests.lab.dnsmasq import SPF, DnsServer

SITE = {"code": "EC1", "verified_domains": ["contoso.com"]}


def cfg(
    server: DnsServer, *, compare: DnsServer | None = None, timeout: float = 3, **extra: Any
) -> config.Config:
    dns: dict[str, Any] = {
        "nameservers": [f"{server.host}:{server.port}"],
        "domains": ["fabrikam.com", "eu.contoso.com", "gone.contoso-missing.com"],
    }
    if compare is not None:
        dns["compare_nameservers"] = [f"{compare.host}:{compare.port}"]
    return config.from_dict({"site": SITE, "scan": {"timeout": timeout}, "dns": dns, **extra})


def evidence(section: DnsEvidence) -> Evidence:
    return Evidence(
        tool_version="t",
        collected_at=datetime(2026, 11, 26, tzinfo=UTC),
        sources=(SourceStatus(name="dns", status="ok"),),
        dns=section,
    )


def findings(check_id: str, ev: Evidence) -> dict[str, Finding]:
    return {f.target: f for f in run_check(check_id, ev, site=SITE).findings}


def test_records_from_a_real_server_feed_every_check(dns_public: DnsServer) -> None:
    section = collect_dns(cfg(dns_public, adfs={"url": "https://adfs.fabrikam.com"}), {})
    txt = section.primary.get("contoso.com", "TXT")
    assert txt is not None and SPF in txt.records  # two DNS strings, one value
    assert txt.server == f"127.0.0.1:{dns_public.port}"
    ev = evidence(section)
    enroll = findings("dns.enrollment_cname", ev)
    assert set(enroll) == {
        "enterpriseenrollment.eu.contoso.com",
        "enterpriseenrollment.fabrikam.com",
        "enterpriseenrollment.gone.contoso-missing.com",
    }
    assert enroll["enterpriseenrollment.fabrikam.com"].severity.value == "low"
    assert "enterpriseregistration.fabrikam.com" in findings("dns.registration_cname", ev)
    assert "fabrikam.com" not in findings("dns.verification_record", ev)  # the msv1.invalid MX counts
    assert set(findings("dns.domain_resolves", ev)) == {"gone.contoso-missing.com"}
    [adfs] = findings("dns.adfs_host", ev).values()
    assert "through a CNAME to sts.contoso.com" in adfs.message


def test_split_horizon_between_two_servers(dns_public: DnsServer, dns_internal: DnsServer) -> None:
    ev = evidence(collect_dns(cfg(dns_public, compare=dns_internal), {}))
    assert set(findings("dns.split_horizon", ev)) == {"enterpriseenrollment.contoso.com CNAME"}


def test_upn_suffixes_from_the_site_database_are_checked(dns_public: DnsServer) -> None:
    sql = from_csv(SAMPLES / "v_R_User.csv", "CM_EC1", 5)
    section = collect_dns(cfg(dns_public), {"sql": sql})
    assert section.domains["fabrikam.com"] == "listed in [dns] domains"
    assert "corp.contoso.local" not in section.domains  # not public: nothing to ask


def test_refusing_server_is_reported_not_mistaken_for_missing_records(dns_refusing: DnsServer) -> None:
    ev = evidence(collect_dns(cfg(dns_refusing), {}))
    found = findings("dns.enrollment_cname", ev)
    assert found and all("could not be checked: REFUSED" in f.message for f in found.values())


def test_a_silent_server_costs_one_timeout_not_the_sum(dns_silent: DnsServer) -> None:
    t0 = time.monotonic()
    section = collect_dns(cfg(dns_silent, timeout=1), {})
    elapsed = time.monotonic() - t0
    assert {a.rcode for a in section.primary.answers} == {"TIMEOUT"}
    assert len(section.primary.answers) == 20 and elapsed < 3  # 20 queries, all at once


def test_scan_through_the_cli(dns_public: DnsServer, tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        f"[site]\ncode = 'EC1'\nverified_domains = ['contoso.com']\n[dns]\n"
        f"nameservers = ['127.0.0.1:{dns_public.port}']\ndomains = ['fabrikam.com']\n",
        encoding="utf-8",
    )
    r = CliRunner().invoke(
        app, ["scan", "-c", str(path), "-o", str(tmp_path / "o"), "--only", "dns.*", "-f", "json"]
    )
    assert r.exit_code == 0, (
        r.output
    )  # fabrikam.com's older enrollment target and missing registration: low/medium
    data = json.loads((tmp_path / "o" / "result.json").read_text(encoding="utf-8"))
    statuses = {x["check"]["id"]: x["status"] for x in data["results"]}
    assert statuses["dns.registration_cname"] == "fail" and statuses["dns.domain_resolves"] == "pass"
