"""The action plan: open problems grouped by root cause, one action each, with what it affects.

One unverified domain is one action covering its users, however many checks see it (the UPN suffix,
the tenant, the verification record, the enrollment CNAMEs); the headline counts causes and distinct
users, not the same users under three checks. A finding's cause comes from its check (scanner/causes.py);
a result saved before causes existed groups nothing: each finding is its own action.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from reports.view.accounts import Account, accounts, count
from reports.view.fill import fill
from scanner.model import CheckResult, Finding, ScanResult, Severity

SAMPLE = 5  # objects named in a plan row; the rest are counted
# Steps of one action in the order they are done: the tenant first (add, verify), then DNS, then users.
_STEP_ORDER = {"tenant": 0, "dns": 1, "upn": 2, "sync": 3, "site": 4, "logs": 5}
_KIND = {
    "domain": "Domain {}",
    "component": "Component {}",
    "certificate": "Certificate {}",
    "upn-rule": "UPNs failing the {} rule (IdFix)",
    "collision": "UPNs that become {} when corrected",
    "sync-failure": "Users that fail to synchronize to Intune: {}",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Action:
    key: str  # the root cause ("domain:fabrikam.com")
    kind: str  # domain | component | certificate | upn-rule | … | finding
    subject: str  # what the cause is about: a domain, a component, a rule name; a target
    title: str  # the cause in words
    severity: Severity  # the worst of its findings
    steps: tuple[str, ...]  # one per check, in the order to do them, placeholders filled
    checks: tuple[str, ...]
    findings: tuple[Finding, ...]  # worst first
    users: tuple[Account, ...]  # distinct users it affects, as named in the evidence
    user_count: int  # at least len(users): a check may count more users than it names
    exact: bool  # every user counted is named
    objects: tuple[str, ...]  # what else it affects (records, certificates, components): the targets

    @property
    def id(self) -> str:
        """Stable across runs: a single finding's cause is its fingerprint, a group's its key's hash."""
        if len(self.findings) == 1 and self.kind == "finding":
            return self.findings[0].fingerprint
        return hashlib.sha256(f"cause\x00{self.key}".encode()).hexdigest()[:16]

    @property
    def affected(self) -> str:
        if self.user_count:
            least = "" if self.exact else "at least "
            return f"{least}{self.user_count:,} user{'s' * (self.user_count != 1)}"
        if self.kind in ("component", "certificate"):
            return ""  # the cause is the one object; its findings are where it was seen, not what it affects
        n = len(self.objects)
        return f"{n:,} object{'s' * (n != 1)}" if n else ""

    @property
    def sample(self) -> tuple[str, ...]:
        names = [u.shown for u in self.users] or list(self.objects)
        return tuple(names[:SAMPLE])


@dataclass(frozen=True, slots=True, kw_only=True)
class Headline:
    causes: int
    findings: int
    users: int  # distinct users across the plan
    users_exact: bool
    domains: int  # causes that are a domain

    @property
    def summary(self) -> str:
        """ "12 causes to fix (40 findings), affecting 31 users and 4 domains"."""

        def n(k: int, word: str) -> str:
            return f"{k:,} {word}{'s' * (k != 1)}"

        what = [f"{'' if self.users_exact else 'at least '}{n(self.users, 'user')}"] if self.users else []
        what += [n(self.domains, "domain")] if self.domains else []
        tail = f", affecting {' and '.join(what)}" if what else ""
        return f"{n(self.causes, 'cause')} to fix ({n(self.findings, 'finding')}){tail}"


def actions(result: ScanResult) -> list[Action]:
    """Open problems (accepted findings and info facts are not actions), grouped; worst first, then the
    causes most checks see, then the most users."""
    groups: dict[str, list[tuple[CheckResult, Finding]]] = {}
    for r in result.results:
        for f in r.open_findings:
            if f.is_problem:
                groups.setdefault(f.root_cause, []).append((r, f))
    out = [_action(key, items) for key, items in groups.items()]
    # A cause several checks see (a domain) unblocks the most: first among equals in severity.
    out.sort(key=lambda a: (-a.severity.rank, -len(a.checks), -a.user_count, a.title))
    return out


def headline(plan: Iterable[Action]) -> Headline:
    plan = list(plan)
    seen: set[str] = set()
    least = 0
    for a in plan:
        seen.update(u.key for u in a.users)
        least = max(least, a.user_count)
    return Headline(
        causes=len(plan),
        findings=sum(len(a.findings) for a in plan),
        users=max(len(seen), least),
        users_exact=all(a.exact for a in plan) and len(seen) >= least,
        domains=sum(1 for a in plan if a.kind == "domain"),
    )


def _action(key: str, items: list[tuple[CheckResult, Finding]]) -> Action:
    items.sort(key=lambda rf: (-rf[1].severity.rank, rf[1].check_id, rf[1].target))
    kind, _, subject = key.partition(":")
    first_r, first = items[0]
    if kind == "finding":
        subject = first.target
    users: dict[str, Account] = {}
    counted = 0  # the most users one finding counts: the others' unnamed users are taken to be among them
    for _, f in items:
        for acc in accounts(f):
            users.setdefault(acc.key, acc)
        counted = max(counted, count(f))
    return Action(
        key=key,
        kind=kind,
        subject=subject,
        title=_title(kind, subject, first_r, first, bool(users)),
        severity=first.severity,
        steps=_steps(items, subject if kind == "domain" else ""),
        checks=tuple(dict.fromkeys(f.check_id for _, f in items)),
        findings=tuple(f for _, f in items),
        users=tuple(users.values()),
        user_count=max(len(users), counted),
        exact=len(users) >= counted,
        objects=() if users else tuple(dict.fromkeys(f.target for _, f in items)),
    )


def _title(kind: str, subject: str, r: CheckResult, f: Finding, has_users: bool) -> str:
    if kind in _KIND:
        return _KIND[kind].format(subject)
    # A finding on its own: its target when that is an object, the check's title when it is a rule
    # name or a table (blank, missing, v_R_User) standing for users.
    return r.check.title if has_users else f"{f.target}: {r.check.title}"


def _steps(items: list[tuple[CheckResult, Finding]], domain: str) -> tuple[str, ...]:
    """Each check's remediation once, filled from its worst finding (the first), in the order to do them."""
    by_check: dict[str, tuple[CheckResult, Finding]] = {}
    for r, f in items:
        by_check.setdefault(r.check.id, (r, f))
    facts = _facts(f for _, f in items)
    ordered = sorted(
        by_check.values(),
        key=lambda rf: (_STEP_ORDER.get(rf[0].check.area, 9), -rf[1].severity.rank, rf[0].check.id),
    )
    return tuple(
        dict.fromkeys(
            fill(r.check.remediation, f, domain=domain, facts=facts)
            for r, f in ordered
            if r.check.remediation
        )
    )


def _facts(findings: Iterable[Finding]) -> dict[str, str]:
    """Values any finding of the cause carries that a step may need (the domain's TXT record)."""
    out: dict[str, str] = {}
    for f in findings:
        for k, v in f.evidence.items():
            if isinstance(v, str | int) and not isinstance(v, bool) and k not in out:
                out[k] = str(v)
    return out


FIRST = 10  # causes the report itself lists under "What to fix first"; action-plan.csv has them all


@dataclass(frozen=True, slots=True, kw_only=True)
class CauseView:
    """One cause as the report shows it: what, how bad, whom it affects, the steps, the checks behind it."""

    title: str
    severity: str
    affected: str  # "at least 5 users", "2 objects"
    sample: str  # the first objects, comma-separated
    more: int  # objects beyond the sample
    steps: tuple[str, ...]
    checks: tuple[tuple[str, str], ...]  # (check id, the anchor of its card)


def fix_first(plan: list[Action], anchor: Callable[[str], str]) -> tuple[CauseView, ...]:
    """The worst causes first, as actions() orders them."""
    return tuple(_view(a, anchor) for a in plan[:FIRST])


def _view(a: Action, anchor: Callable[[str], str]) -> CauseView:
    # A cause that is its one object (a domain no user was named for) says nothing more by naming it.
    plain = not a.users and set(a.objects) <= {a.subject}
    return CauseView(
        title=a.title,
        severity=a.severity.value,
        affected="" if plain else a.affected,
        sample="" if plain else ", ".join(a.sample),
        more=0 if plain else max(0, (a.user_count or len(a.objects)) - len(a.sample)),
        steps=a.steps,
        checks=tuple((c, anchor(c)) for c in a.checks),
    )
