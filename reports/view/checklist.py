"""The verdict checklist: the walkthrough's prerequisites, each ready, not ready or not checked."""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable
from dataclasses import dataclass

from reports.view.sections import CheckView
from scanner.model import Severity

TENANT_UPN = ("domain_verified", "other_tenant", "unmanaged", "verified_list")
# The one table that maps a prerequisite to the checks that judge it. A check added later joins a
# row by its id alone; a check may judge more than one prerequisite (the AD FS host's DNS record).
PREREQUISITES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    # "Verified" is the tenant's word: the realm checks judge it with the UPN checks.
    ("upn", "Public verified UPNs", ("upn.*", *(f"tenant.{c}" for c in TENANT_UPN))),
    ("sync", "Directory synchronization", ("sync.*", "directory.*", "tenant.sync_recent")),
    (
        "adfs",
        "AD FS",
        ("adfs.*", "dns.adfs_host", "tenant.federation_target", "tenant.federation_certificate"),
    ),
    ("dns", "DNS for enrollment", ("dns.*",)),
    (
        "scp",
        "Service connection point",
        ("scp.*", "site.*", "logs.sitecomp_connector", "*.apns_certificate", "tenant.mdm_authority"),
    ),
    ("usersync", "User sync", ("logs.cloudusersync_*",)),
)
LABELS = {"ready": "Ready", "not_ready": "Not ready", "not_checked": "Not checked"}
PARTLY = "Ready, partly checked"  # what ran passed, but some of its checks were skipped
_MAX_REASONS = 3  # distinct reasons shown per prerequisite; the sections below give every one


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckRef:
    id: str
    title: str
    anchor: str  # the check's card or list entry in the page
    severity: str  # worst open severity, empty when none


@dataclass(frozen=True, slots=True, kw_only=True)
class Prerequisite:
    key: str
    title: str
    state: str  # ready | not_ready | not_checked
    label: str
    summary: str  # one line: why this state
    failing: tuple[CheckRef, ...]  # the checks that make it not ready
    reasons: tuple[str, ...]  # why it was not (fully) checked


def checklist(checks: Iterable[CheckView]) -> tuple[Prerequisite, ...]:
    views = list(checks)
    return tuple(
        _judge(key, title, [c for c in views if any(fnmatch.fnmatchcase(c.id, g) for g in globs)])
        for key, title, globs in PREREQUISITES
    )


def _judge(key: str, title: str, checks: list[CheckView]) -> Prerequisite:
    """Not ready on a failing check (low-severity advice aside). Ready only when some check verified
    it (passed, or failed only on accepted findings): facts and advice alone never make it ready."""
    failing = sorted((c for c in checks if c.state == "fail" and _blocks(c)), key=_worst_first)
    errored = [c for c in checks if c.state == "error"]
    skipped = [c for c in checks if c.state == "skipped"]
    verified = [c for c in checks if c.state in ("pass", "accepted")]
    advice = sum(c.open for c in checks if c.state == "fail" and not _blocks(c))
    reasons = tuple(dict.fromkeys(f"{c.id}: {c.reason}" for c in errored + skipped))[:_MAX_REASONS]
    refs = tuple(CheckRef(id=c.id, title=c.title, anchor=c.anchor, severity=c.worst) for c in failing)
    if failing:
        state, summary = "not_ready", f"{_n(len(failing), 'check')} failed"
    elif errored:
        state = "not_checked"
        summary = f"{_n(len(errored), 'check')} could not run" + (
            f"; {_n(len(verified), 'other check')} passed" if verified else ""
        )
    elif not verified:
        state = "not_checked"
        summary = _unverified_summary(checks, advice, len(skipped))
    else:
        state = "ready"
        summary = _ready_summary(verified, advice, len(skipped))
    label = PARTLY if state == "ready" and skipped else LABELS[state]
    return Prerequisite(
        key=key, title=title, state=state, label=label, summary=summary, failing=refs, reasons=reasons
    )


def _unverified_summary(checks: list[CheckView], advice: int, skipped: int) -> str:
    facts = sum(1 for c in checks if c.state == "info")
    if not advice and not facts:
        if not skipped:
            return "no check for it ran"
        return "its check was skipped" if skipped == 1 else f"all {skipped} of its checks were skipped"
    parts = [f"{_n(advice, 'low-severity finding')} to read"] if advice else []
    parts += [f"{_n(facts, 'check')} reported facts"] if facts else []
    parts += [f"{skipped} skipped"] if skipped else []
    return "nothing verified: " + ", ".join(parts)


def _worst_first(c: CheckView) -> tuple[int, str]:
    return -Severity(c.worst).rank, c.id


def _blocks(c: CheckView) -> bool:
    # Low and info findings are advice (no AD FS, an older enrollment target): worth reading, not a
    # reason to call the prerequisite unmet.
    return c.worst not in ("", "low", "info")


def _ready_summary(verified: list[CheckView], advice: int, skipped: int) -> str:
    accepted = sum(c.accepted for c in verified)
    parts = [f"{_n(len(verified), 'check')} passed"]
    if advice:
        parts.append(f"{_n(advice, 'low-severity finding')} to read")
    if accepted:
        parts.append(f"{accepted} accepted")
    if skipped:
        parts.append(f"{skipped} skipped")
    return ", ".join(parts)


def _n(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"
