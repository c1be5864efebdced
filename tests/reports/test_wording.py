"""What a customer reads in the HTML and Markdown reports: plain counts, no option noise, no odd boxes."""

from __future__ import annotations

from dataclasses import replace

from reports.html import render_html
from reports.markdown import render_markdown
from scanner.model import CheckResult
from tests.reports.conftest import failed, finding, passed, scan

_IDS = [f"upn.check{i}" for i in range(31)]


def _facts(rows: int) -> CheckResult:
    """An informational table (the UPN suffix inventory) of `rows` rows."""
    found = [finding("upn.suffix_inventory", f"s{i}", evidence={"suffix": f"s{i}.com"}) for i in range(rows)]
    table = passed("upn.suffix_inventory", remediation="Compare the table with the verified domains.")
    return replace(table, findings=tuple(found))


def test_markdown_lists_only_options_worth_reading() -> None:
    options = {"fail_on": "high", "checks": _IDS, "evidence": "", "config": "c.toml", "command": ["scan"]}
    text = render_markdown(scan(failed("upn.x"), options=options))
    head = text.split("## Summary")[0]
    assert "| Option checks | 31 checks |" in head and "upn.check7" not in head
    assert "Option evidence" not in head and "Option config" not in head  # empty; said in About this run
    few = render_markdown(scan(failed("upn.x"), options={"checks": ["upn.x", "dns.y"]}))
    assert "| Option checks | upn.x, dns.y |" in few


def test_counts_read_in_the_singular_and_zero_is_not_announced() -> None:
    one = render_markdown(scan(_facts(1)))
    assert "· 1 row\n" in one and "1 rows" not in one
    assert "· 2 rows" in render_markdown(scan(_facts(2)))
    assert "accepted findings not counted" not in render_html(scan(failed("upn.x")))


def test_an_informational_table_has_no_fix_box() -> None:
    page = render_html(scan(_facts(3)))
    assert "Reading this table" in page and "<h4>Fix</h4>" not in page
    text = render_markdown(scan(_facts(3)))
    assert "**Reading this table:** Compare" in text and "**Remediation:**" not in text
    assert "<h4>Fix</h4>" in render_html(scan(failed("upn.x")))


def test_the_readme_does_not_call_ad_fs_an_open_issue() -> None:
    from tests.conftest import SAMPLES

    readme = (SAMPLES.parent / "README.md").read_text(encoding="utf-8")
    assert "tracked as an open issue" not in readme


def test_scope_says_what_was_examined_what_was_not_and_as_of_when() -> None:
    from datetime import timedelta

    from scanner.model import SourceStatus
    from tests.reports.conftest import T0

    collected = T0 - timedelta(days=3)
    sources = (
        SourceStatus(name="sql", status="ok", target="cm01.corp.contoso.com/CM_EC1", started=collected),
        SourceStatus(name="dns", status="not_configured", reason="no [dns] section in the configuration"),
        SourceStatus(name="directory", status="error", reason="LDAP bind failed: invalid credentials"),
    )
    options = {"evidence": "C:/handover/evidence.json"}
    result = scan(failed("upn.x"), sources=sources, options=options)
    text = render_markdown(result)
    scope = text.split("## Scope and limitations")[1].split("## About this run")[0]
    assert "Saved evidence from C:/handover/evidence.json, collected 2026-11-22 18:00:00 UTC" in scope
    assert "evaluated 2026-11-25 18:00:00 UTC" in scope
    assert "- sql: cm01.corp.contoso.com/CM_EC1, collected 2026-11-22 18:00:00 UTC" in scope
    assert "evaluated 2026-11-25 18:00:00 UTC, 3 days later" in scope
    assert "- dns: not configured (no \\[dns\\] section in the configuration)" in scope
    assert "- directory: could not be read (LDAP bind failed: invalid credentials)" in scope
    page = render_html(result)
    assert 'id="scope"' in page and 'href="#scope"' in page and "Not examined" in page
