"""The scan pipeline: one result per check, failures isolated, deadlines kept, exceptions applied."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import date

import pytest

from scanner import config, runner
from scanner.config import ConfigError
from scanner.context import Context
from scanner.evidence import Evidence
from scanner.model import Finding, Severity, Status
from scanner.registry import Catalog, NoOptions, _spec, check, discover
from scanner.sources import SOURCES, SourceDef
from tests.conftest import SAMPLES


def _catalog_with(*funcs: object) -> Catalog:
    catalog = discover(plugins=False)
    for f in funcs:
        spec = _spec(f.__mdm_preflight_check__, f, "test")
        catalog.specs[spec.info.id] = spec
    return catalog


@check(id="test.boom", title="Always raises", severity=Severity.LOW, needs={"logs"}, remediation="None.")
def boom(ctx: Context[NoOptions]) -> Iterator[Finding]:
    """Raises."""
    raise RuntimeError("kaboom")


def test_a_raising_check_becomes_error_and_the_rest_still_run() -> None:
    cfg = config.from_dict({"logs": {"paths": [str(SAMPLES / "broken")]}})
    catalog = _catalog_with(boom)
    result, _ = runner.run(cfg, catalog, runner.prepare(catalog, cfg))
    by = {r.check.id: r for r in result.results}
    assert by["test.boom"].status is Status.ERROR and by["test.boom"].reason == "RuntimeError: kaboom"
    assert by["logs.sitecomp_connector"].status is Status.FAIL
    assert len(result.results) == len(catalog.specs)
    assert result.incomplete


def test_unconfigured_source_skips_its_checks_with_the_reason() -> None:
    cfg = config.from_dict({})
    catalog = discover(plugins=False)
    result, ev = runner.run(cfg, catalog, runner.prepare(catalog, cfg))
    by_status: dict[Status, list[str]] = {}
    for r in result.results:
        by_status.setdefault(r.status, []).append(r.check.id)
    assert by_status.pop(Status.PASS) == ["adfs.not_configured"]  # says so itself, as information
    assert set(by_status) == {Status.SKIPPED}
    for r in result.results:
        if r.status is Status.SKIPPED and r.check.needs == ("tenant",):  # on by default, nothing to ask
            assert r.reason == "no domain to ask about: no UPN suffix was found and none is configured"
        elif r.status is Status.SKIPPED:
            assert r.reason == f"no [{r.check.needs[0]}] section in the configuration"
    assert result.nothing_checked and result.incomplete and ev.logs is None  # exit 3, never 'healthy'


def test_tenant_lookups_are_on_by_default_and_lookup_false_turns_them_off() -> None:
    catalog = discover(plugins=False)
    off = config.from_dict({"site": {"verified_domains": ["contoso.com"]}, "tenant": {"lookup": False}})
    result, ev = runner.run(off, catalog, runner.prepare(catalog, off, only=["tenant.*"]))
    reasons = {r.check.id: r.reason for r in result.results if r.check.needs == ("tenant",)}
    assert set(reasons.values()) == {"[tenant] lookup = false: the tenant is not asked"} and ev.tenant is None
    assert config.from_dict({}).tenant is not None


def test_unreadable_log_paths_make_the_source_fail_and_checks_error(tmp_path) -> None:
    cfg = config.from_dict({"logs": {"paths": [str(tmp_path / "missing")]}})
    catalog = discover(plugins=False)
    result, _ = runner.run(cfg, catalog, runner.prepare(catalog, cfg, only=["logs.*"]))
    assert {r.status for r in result.results} == {Status.ERROR}
    assert "no such file or folder" in result.results[0].reason


def test_a_source_past_its_deadline_is_abandoned(monkeypatch: pytest.MonkeyPatch) -> None:
    slow = SourceDef(
        name="logs",
        section="logs",
        collect=lambda cfg, _: time.sleep(30),
        target=lambda cfg: "slow share",
        deadline=lambda cfg: 0.3,
    )
    monkeypatch.setitem(SOURCES, "logs", slow)
    cfg = config.from_dict({"logs": {"paths": ["x"]}})
    t0 = time.monotonic()
    ev = runner.collect(cfg, {"logs"})
    assert time.monotonic() - t0 < 2
    [st] = ev.sources
    assert st.status == "error" and st.reason == "timed out after 0.3 s"


def test_sources_run_concurrently(monkeypatch: pytest.MonkeyPatch) -> None:
    def sleepy(name: str) -> SourceDef:
        return SourceDef(
            name=name,
            section="logs",
            collect=lambda cfg, _: time.sleep(0.5),
            target=lambda cfg: "",
            deadline=lambda cfg: 5,
        )

    for name in ("logs", "sql", "dns"):
        monkeypatch.setitem(SOURCES, name, sleepy(name))
    cfg = config.from_dict({"logs": {"paths": ["x"]}})
    t0 = time.monotonic()
    runner.collect(cfg, {"logs", "sql", "dns"})
    assert time.monotonic() - t0 < 1.2  # three half-second sources, not one and a half seconds


def test_checks_section_naming_an_unknown_check_is_a_config_error() -> None:
    cfg = config.from_dict({"checks": {"logs.eror": {"since": "1d"}}})
    with pytest.raises(ConfigError, match=r'\[checks."logs.eror"\] names no known check'):
        runner.prepare(discover(plugins=False), cfg)


def test_unknown_check_option_names_the_key_and_lists_valid_ones() -> None:
    cfg = config.from_dict({"checks": {"logs.errors": {"sinse": "1d"}}})
    with pytest.raises(ConfigError, match=r"unknown key 'checks.\"logs.errors\".sinse'.*since, examples"):
        runner.prepare(discover(plugins=False), cfg)


def test_disabled_check_is_left_out_and_only_skip_select() -> None:
    catalog = discover(plugins=False)
    cfg = config.from_dict({"checks": {"logs.errors": {"enabled": False}}})
    ids = [p.spec.info.id for p in runner.prepare(catalog, cfg, only=["logs.*"], skip=["*stale"])]
    assert ids == ["logs.cloudusersync_failures", "logs.sitecomp_connector"]
    with pytest.raises(ConfigError, match=r"no check matches 'logs\.nope'"):
        runner.prepare(catalog, cfg, only=["logs.nope"])


def _exceptions_cfg(expires: str) -> config.Config:
    return config.from_dict(
        {
            "logs": {"paths": [str(SAMPLES / "broken")]},
            "exceptions": [
                {
                    "check": "logs.sitecomp_*",
                    "target": "SMS_DMP_UPLOADER",
                    "reason": "Being rebuilt",
                    "owner": "ops@contoso.com",
                    "expires": date.fromisoformat(expires),
                },
                {"check": "logs.errors", "target": "nothing.log:*", "reason": "Stale rule"},
            ],
        }
    )


def test_exceptions_accept_findings_report_unused_and_expire() -> None:
    catalog = discover(plugins=False)
    cfg = _exceptions_cfg("2099-01-01")
    result, _ = runner.run(cfg, catalog, runner.prepare(catalog, cfg, only=["logs.sitecomp_connector"]))
    [r] = result.results
    accepted = {f.target: f.accepted for f in r.findings}
    assert accepted["SMS_DMP_UPLOADER"] is not None and accepted["SMS_DMP_UPLOADER"].reason == "Being rebuilt"
    assert accepted["SMS_CLOUD_USERSYNC"] is None
    used, unused = result.exceptions
    assert used.matched == 1 and not used.expired and unused.matched == 0

    expired_cfg = _exceptions_cfg("2020-01-01")
    result, _ = runner.run(
        expired_cfg, catalog, runner.prepare(catalog, expired_cfg, only=["logs.sitecomp_connector"])
    )
    assert all(f.accepted is None for f in result.results[0].findings)
    assert result.exceptions[0].expired


def test_evidence_re_evaluation_needs_no_sources(broken: Evidence) -> None:
    catalog = discover(plugins=False)
    cfg = config.from_dict({})  # nothing configured: everything must come from the evidence
    result, ev = runner.run(cfg, catalog, runner.prepare(catalog, cfg), evidence=broken)
    assert ev is broken
    assert {r.check.id: r.status for r in result.results}["logs.cloudusersync_failures"] is Status.FAIL
