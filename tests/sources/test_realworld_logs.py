"""The log reader and checks on logs nobody here wrote: ../shared/real-world/logs (see its README).

The corpus sits beside the repository (resolved from its parent folder), never inside it; where it is
absent these tests skip, saying so. Every behaviour they prove is also proved without the corpus by
the server-format fixtures in tests/fixtures/server_logs.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from scanner.model import Status
from scanner.sources.logs import TimeRule, collect_logs
from scanner.sources.parse.cmlog import ERROR, WARNING, FileStats, entry_time, parse_file, parse_log
from scanner.sources.parse.severity import text_severity
from tests.conftest import logs_evidence, run_check

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "real-world"
LOGS = CORPUS / "logs"
pytestmark = pytest.mark.skipif(
    not (CORPUS / "README.md").is_file(),
    reason=f"the real-world corpus is not beside the repository ({CORPUS} is absent)",
)
ROTATION = "adamgell-synthetic/rotation"  # one type-3 record cut at the rollover: .lo_ holds its head


def readme_counts() -> dict[str, tuple[int, int, int]]:
    """file -> (records, errors, warnings), as the corpus README's independent parser counted them."""
    if not (CORPUS / "README.md").is_file():
        return {}
    rows = re.findall(
        r"^\| `([^`]+)` \|[^|]*\|[^|]*\|[^|]*\| ([\d,]+) \| ([\d,]+) \| ([\d,]+) \|$",
        (CORPUS / "README.md").read_text(encoding="utf-8"),
        re.M,
    )
    return {name: tuple(int(n.replace(",", "")) for n in counts) for name, *counts in rows}  # type: ignore[misc]


COUNTS = readme_counts()
FOLDERS = sorted({str((LOGS / name).parent) for name in COUNTS})


@pytest.mark.parametrize("name", sorted(n for n in COUNTS if not n.startswith(ROTATION)))
def test_every_file_parses_to_its_independent_counts(name: str) -> None:
    entries = list(parse_file(LOGS / name, FileStats()))
    typed = Counter(e.severity for e in entries if e.typed)  # the README counts type 3 and type 2
    assert (len(entries), typed[ERROR], typed[WARNING]) == COUNTS[name]


def test_the_readme_lists_every_file_of_the_corpus() -> None:
    assert len(COUNTS) >= 30
    assert {str(p.relative_to(LOGS)) for p in LOGS.rglob("*") if p.is_file()} == set(COUNTS)


def test_the_record_cut_at_rollover_is_one_error_of_the_logical_log() -> None:
    ev = collect_logs([str(LOGS / ROTATION)], TimeRule())
    [log] = ev.logs
    halves = [COUNTS[f"{ROTATION}/sitecomp.lo_"], COUNTS[f"{ROTATION}/sitecomp.log"]]
    assert log.entries == sum(h[0] for h in halves)  # 0 + 1: the independent parser saw the tail as a line
    assert (log.errors, log.warnings) == (1, 0)
    assert log.first is not None and log.last == log.first  # a time: not "unknown time"
    assert ev.truncated() == []  # nothing left unread, nothing to warn about
    r = run_check("logs.errors", logs_evidence(LOGS / ROTATION))
    [f] = r.findings
    assert f.evidence["count"] == 1 and "unknown time" not in f.message


def errors_by_log(*folders: str, since: str = "7d") -> dict[tuple[str, str], int]:
    r = run_check("logs.errors", logs_evidence(*folders), since=since)
    return {(f.evidence["log"], f.target.rsplit(":", 1)[1]): f.evidence["count"] for f in r.findings}


@pytest.mark.parametrize("since", ["7d", "100000d"])
def test_scanning_every_folder_at_once_gives_each_log_its_own_counts(since: str) -> None:
    alone: dict[tuple[str, str], int] = {}
    for folder in FOLDERS:
        alone.update(errors_by_log(folder, since=since))
    together = errors_by_log(*FOLDERS, since=since)
    assert together == alone
    assert len({log for log, _ in together if log.endswith("smsts.log")}) == 3
    if since != "7d":  # every error record of every log is in a group: none lost
        logs = collect_logs(FOLDERS, TimeRule()).logs
        typed = sum(errors for _, errors, _ in COUNTS.values()) + 1  # + the record cut at rollover
        assert sum(together.values()) == sum(s.errors for s in logs) >= typed


def test_no_false_not_installed_or_failing_user_on_the_corpus() -> None:
    ev = logs_evidence(*FOLDERS)
    sitecomp = run_check("logs.sitecomp_connector", ev)
    assert sitecomp.status is Status.SKIPPED and not sitecomp.findings  # no SCP install event in it
    assert sitecomp.examined.count("sitecomp.log") == 2  # the two folders' logs, each read
    for check_id in ("logs.cloudusersync_failures", "logs.cloudusersync_stale"):
        r = run_check(check_id, ev)
        assert r.status is Status.SKIPPED and not r.findings


def test_the_text_between_records_is_said_in_the_source_and_the_examined_line() -> None:
    ev = logs_evidence(LOGS / "danslabs-ime")
    assert ev.logs is not None
    notes = ev.logs.truncated()
    assert any(
        n.endswith("ClientHealth-20260321-171949.log: 81,331 characters in 151 stretches between records not "
                   "read (interleaved writes or a cut head), the first at line 53")
        for n in notes
    )  # fmt: skip
    r = run_check("logs.errors", ev)
    assert "not read: 82,298 characters in 161 stretches between records" in r.examined
    assert f"{sum(f.skipped_chars for s in ev.logs.logs for f in s.files):,} characters" in r.examined


def test_the_newest_entry_is_the_latest_time_in_each_log() -> None:
    ev = collect_logs(FOLDERS, TimeRule())
    later_than_last_line = 0
    for log in ev.logs:
        files = [Path(f.path) for f in log.files]
        times = [t for _, e in parse_log(files, [FileStats() for _ in files]) if (t := entry_time(e))]
        assert log.last == max(times, default=None) and log.first == min(times, default=None)
        later_than_last_line += bool(times) and max(times) > times[-1]
    assert later_than_last_line >= 1  # real logs whose last line is not their newest


def test_the_untyped_rule_agrees_with_the_type_on_typed_records() -> None:
    """bench/severity_bench.py prints the whole matrix; bench/README.md records it."""
    cells: Counter[tuple[int, int]] = Counter()
    cmtrace_missed = rule_missed = 0
    for name in COUNTS:
        for e in parse_file(LOGS / name):
            if e.typed:
                said = text_severity(e.message)
                cells[(e.severity, said)] += 1
                cmtrace_missed += e.severity == ERROR and "error" not in e.message.lower()
                rule_missed += e.severity == ERROR and said < WARNING
    total = sum(cells.values())
    assert total > 73_000
    as_errors = sum(n for (typ, said), n in cells.items() if (typ == ERROR) == (said == ERROR))
    assert as_errors / total >= 0.99  # the judgement the checks make: an error or not
    assert rule_missed <= cmtrace_missed  # no real error lost that CMTrace's own rule would colour
