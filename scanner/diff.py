"""Compare two scan results: findings matched by fingerprint, checks by id."""

from __future__ import annotations

from scanner.model import ChangedFinding, Changes, Finding, ScanResult, Severity, Status, StatusChange

# Only a check that ran (and so looked again) can tell a finding is gone.
_LOOKED = (Status.PASS, Status.FAIL)


def compare(old: ScanResult, new: ScanResult, baseline: str = "") -> Changes:
    """What changed from `old` to `new`; `baseline` names the old result in reports."""
    before = _findings(old)
    after = _findings(new)
    looked = {r.check.id for r in new.results if r.status in _LOOKED}
    buckets: dict[str, list[ChangedFinding]] = {
        k: []
        for k in ("new", "still_failing", "newly_accepted", "exception_expired", "resolved", "unverified")
    }
    for fp, f in after.items():
        prev = before.get(fp)
        if f.severity is Severity.INFO:
            if prev is not None and prev.severity is not Severity.INFO:
                # Still seen, now only a fact: the problem is gone.
                buckets["resolved"].append(_item(prev, f"now informational: {f.message}"))
            continue
        was_info = prev is not None and prev.severity is Severity.INFO
        if f.accepted is not None:
            if prev is None or prev.accepted is None:
                buckets["newly_accepted"].append(_item(f, f"accepted: {f.accepted.reason}"))
        elif prev is None or was_info:
            buckets["new"].append(_item(f, "was informational" if was_info else ""))
        elif prev.accepted is not None:
            buckets["exception_expired"].append(_item(f, _no_longer(prev, new)))
        else:
            buckets["still_failing"].append(_item(f, _severity_note(prev, f)))
    for fp, f in before.items():
        if fp not in after and f.severity is not Severity.INFO:
            buckets["resolved" if f.check_id in looked else "unverified"].append(_item(f))
    return Changes(
        baseline=baseline,
        baseline_started=old.started,
        status_changes=_status_changes(old, new),
        **{k: tuple(sorted(v, key=_order)) for k, v in buckets.items()},
    )


def _findings(result: ScanResult) -> dict[str, Finding]:
    # Every finding is matched, informational ones too, so a problem that became a fact (or the
    # reverse) is told as such; facts that stay facts (an inventory row) are never a change.
    return {f.fingerprint: f for r in result.results for f in r.findings}


def _severity_note(prev: Finding, f: Finding) -> str:
    if prev.severity is f.severity:
        return ""
    return f"severity {prev.severity.value} before"


def _item(f: Finding, note: str = "") -> ChangedFinding:
    return ChangedFinding(
        check_id=f.check_id,
        severity=f.severity,
        target=f.target,
        message=f.message,
        fingerprint=f.fingerprint,
        note=note,
    )


def _no_longer(prev: Finding, new: ScanResult) -> str:
    """Expired only when its date has passed by the new run; otherwise it was removed or changed."""
    acc = prev.accepted
    if acc is not None and acc.expires and acc.expires <= new.started.date().isoformat():
        return f"its exception expired on {acc.expires}"
    if any(e.reason == acc.reason for e in new.exceptions) if acc is not None else False:
        return "its exception no longer matches this finding (check or target changed)"
    return "its exception was removed from the configuration"


def _order(c: ChangedFinding) -> tuple[int, str, str]:
    return -c.severity.rank, c.check_id, c.target


def _status_changes(old: ScanResult, new: ScanResult) -> tuple[StatusChange, ...]:
    was = {r.check.id: r for r in old.results}
    now = {r.check.id: r for r in new.results}
    out = []
    for cid in sorted(was.keys() | now.keys()):
        a, b = was.get(cid), now.get(cid)
        before = a.status.value if a else ""
        after = b.status.value if b else ""
        if before != after:
            title = b.check.title if b else a.check.title if a else cid
            out.append(StatusChange(check_id=cid, title=title, before=before, after=after))
    return tuple(out)
