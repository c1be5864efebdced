"""junit.xml: one test case per check, so a CI pipeline shows failed prerequisites as failed tests."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from reports.text import printable, seconds
from scanner.model import Acceptance, CheckResult, Finding, ScanResult, Status

# Characters XML 1.0 cannot carry at all, not even escaped: a log line with a NUL would otherwise
# make the whole file unreadable to the CI server.
_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    return printable(_ILLEGAL.sub("", text))


def render_junit(result: ScanResult) -> str:
    results = result.results
    suite = _element(
        "testsuite",
        name="mdm-preflight",
        tests=str(len(results)),
        failures=str(sum(1 for r in results if _fails(r))),
        errors=str(result.count(Status.ERROR)),
        skipped=str(result.count(Status.SKIPPED)),
        time=f"{(result.finished - result.started).total_seconds():.3f}",
        timestamp=result.started.isoformat(timespec="seconds"),
    )
    props = _child(suite, "properties")
    for name, value in (
        ("company", result.company),
        ("site_code", result.site_code),
        ("tool_version", result.tool_version),
    ):
        _child(props, "property", name=name, value=value)
    for r in results:
        suite.append(_case(r))
    ET.indent(suite)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suite, encoding="unicode") + "\n"


def _fails(r: CheckResult) -> bool:
    # Accepted findings never fail a run, so a check whose findings are all accepted passes here.
    return r.status is Status.FAIL and bool(r.open_findings)


def _case(r: CheckResult) -> ET.Element:
    case = _element("testcase", classname=r.check.area, name=r.check.id, time=f"{r.duration:.3f}")
    if _fails(r):
        found = sorted(r.open_findings, key=lambda f: (-f.severity.rank, f.target))
        worst = found[0].severity.value
        message = f"{len(found)} open finding{'s' * (len(found) != 1)} (worst: {worst}): {r.check.title}"
        lines = [_line(f) for f in found]
        lines += ["", f"Remediation: {r.check.remediation}"]
        _child(case, "failure", "\n".join(lines), message=message, type=worst)
    elif r.status is Status.ERROR:
        _child(case, "error", message=r.reason, type="error")
    elif r.status is Status.SKIPPED:
        _child(case, "skipped", message=r.reason)
    out = [f"{r.check.title} ({r.status.value}, {seconds(r.duration)})"]
    if r.examined:
        out.append(f"Examined: {r.examined}")
    out += [_accepted(f, f.accepted) for f in r.findings if f.accepted is not None]
    _child(case, "system-out", "\n".join(out))
    return case


def _line(f: Finding) -> str:
    return f"[{f.severity.value}] {f.target}: {f.message}"


def _accepted(f: Finding, acc: Acceptance) -> str:
    extra = (f", owner {acc.owner}" if acc.owner else "") + (
        f", expires {acc.expires}" if acc.expires else ""
    )
    return f"Accepted {_line(f)} (reason: {acc.reason}{extra})"


def _element(tag: str, text: str = "", **attrs: str) -> ET.Element:
    el = ET.Element(tag, {k: xml_text(v) for k, v in attrs.items()})
    el.text = xml_text(text) or None
    return el


def _child(parent: ET.Element, tag: str, text: str = "", **attrs: str) -> ET.Element:
    el = _element(tag, text, **attrs)
    parent.append(el)
    return el
