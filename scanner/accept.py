"""[[exceptions]]: accepted findings stay visible and marked; expired ones count again."""

from __future__ import annotations

import fnmatch
from dataclasses import replace
from datetime import date

from scanner.config import ExceptionRule
from scanner.model import Acceptance, CheckResult, ExceptionUse, Finding


def _matches(rule: ExceptionRule, finding: Finding) -> bool:
    return fnmatch.fnmatchcase(finding.check_id, rule.check.lower()) and (
        finding.target == rule.target or fnmatch.fnmatchcase(finding.target.lower(), rule.target.lower())
    )


def apply_exceptions(
    results: list[CheckResult], rules: tuple[ExceptionRule, ...], today: date
) -> tuple[list[CheckResult], list[ExceptionUse]]:
    matched = [0] * len(rules)
    out = []
    for result in results:
        findings = []
        for f in result.findings:
            for i, rule in enumerate(rules):
                if _matches(rule, f):
                    matched[i] += 1
                    if rule.expires is None or rule.expires >= today:
                        f = replace(
                            f,
                            accepted=Acceptance(
                                reason=rule.reason,
                                owner=rule.owner,
                                expires=rule.expires.isoformat() if rule.expires else "",
                            ),
                        )
                        break
            findings.append(f)
        out.append(replace(result, findings=tuple(findings)))
    uses = [
        ExceptionUse(
            check=r.check,
            target=r.target,
            reason=r.reason,
            owner=r.owner,
            expires=r.expires.isoformat() if r.expires else "",
            matched=matched[i],
            expired=r.expires is not None and r.expires < today,
        )
        for i, r in enumerate(rules)
    ]
    return out, uses
