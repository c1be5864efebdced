"""The logs source: one logical log per folder and name, read as one stream, saying what it did not read."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from scanner.cli.commands import app
from scanner.sources.logs import TimeRule, collect_logs
from scanner.sources.parse.cmlog import ERROR, FileStats, parse_file, parse_log
from tests.conftest import FIXTURES

HEAD = "<![LOG[Failed to install component SMS_DMP_UPLOADER: access is denied.\r\n"
TAIL = (
    'Retry in the next polling cycle.]LOG]!><time="10:00:00.000+000" date="11-26-2026" '
    'component="SMS_SITE_COMPONENT_MANAGER" context="" type="3" thread="1" file="sitecomp.cpp:190">\r\n'
)


def ccm(message: str, hour: int, typ: int = 1) -> str:
    return (
        f'<![LOG[{message}]LOG]!><time="{hour:02d}:00:00.000+000" date="11-26-2026" component="C" '
        f'context="" type="{typ}" thread="1" file="">\r\n'
    )


def test_a_ccm_record_cut_at_rollover_is_one_record_of_the_older_file(tmp_path: Path) -> None:
    (tmp_path / "Sitecomp.lo_").write_text(ccm("before", 8) + HEAD, newline="")
    (tmp_path / "Sitecomp.log").write_text(TAIL + ccm("after", 11), newline="")
    files = [tmp_path / "Sitecomp.lo_", tmp_path / "Sitecomp.log"]
    stats = [FileStats(), FileStats()]
    got = [(i, e.message.splitlines()[0], e.severity, e.line) for i, e in parse_log(files, stats)]
    assert got == [
        (0, "before", 1, 1),
        (0, "Failed to install component SMS_DMP_UPLOADER: access is denied.", ERROR, 2),
        (1, "after", 1, 2),  # line numbers of the newer file stay its own
    ]
    assert [(s.entries, s.skipped_chars, s.truncated_tail) for s in stats] == [(2, 0, False), (1, 0, False)]
    # Read alone, each half is lost: what a reader of one file at a time saw.
    assert [e.message for e in parse_file(files[1])] == ["after"]
    ev = collect_logs([str(tmp_path)], TimeRule())
    [log] = ev.logs
    assert (log.entries, log.errors, log.first) == (3, 1, datetime(2026, 11, 26, 8, tzinfo=UTC))
    assert ev.truncated() == []  # nothing unread to report


def sms(message: str, second: int) -> str:
    return f"{message}$$<SMS_CLOUD_USERSYNC><11-26-2026 09:05:{second:02d}.000+000><thread=1 (0x1)>\r\n"


def test_a_long_record_cut_at_rollover_is_joined_whatever_the_read_size(tmp_path: Path) -> None:
    # A record of 600,000 characters (a stack trace, a dumped list) cut in the middle: the new file's
    # first 300,000 characters hold no record start of their own; they are still the tail of that one.
    long_head, long_tail = "x" * 300_000, "y" * 300_000
    (tmp_path / "ccm").mkdir()
    (tmp_path / "ccm" / "a.lo_").write_text(ccm("before", 8) + "<![LOG[" + long_head, newline="")
    (tmp_path / "ccm" / "a.log").write_text(long_tail + TAIL + ccm("after", 11), newline="")
    (tmp_path / "sms").mkdir()
    (tmp_path / "sms" / "b.lo_").write_text(sms("before", 1) + long_head, newline="")
    (tmp_path / "sms" / "b.log").write_text(long_tail + sms("", 2) + sms("after", 3), newline="")
    for folder in ("ccm", "sms"):
        files = sorted((tmp_path / folder).iterdir(), key=lambda p: p.suffix != ".lo_")
        stats = [FileStats(), FileStats()]
        got = [(i, len(e.message), e.line) for i, e in parse_log(files, stats)]
        joined = (
            len(long_head)
            + len(long_tail)
            + (len("Retry in the next polling cycle.") if folder == "ccm" else 0)
        )
        assert got == [(0, 6, 1), (0, joined, 2), (1, 5, 2)], folder
        assert [(s.entries, s.skipped_chars, s.truncated_tail) for s in stats] == [
            (2, 0, False),
            (1, 0, False),
        ]


def test_halves_that_do_not_fit_are_reported_not_joined(tmp_path: Path) -> None:
    (tmp_path / "x.lo_").write_text(ccm("before", 8) + "<![LOG[cut here", newline="")
    (tmp_path / "x.log").write_text("no record tail\r\n" + ccm("after", 11), newline="")
    ev = collect_logs([str(tmp_path)], TimeRule())
    [log] = ev.logs
    assert log.entries == 2
    notes = log.unread()
    assert set(notes) <= set(ev.truncated())  # what the scan's report lists under its sources
    assert any(
        n.endswith("x.lo_: ends inside a record (still being written, or cut): not read") for n in notes
    )
    assert any("x.log: 14 characters in 1 stretch between records not read" in n for n in notes)


def test_the_newest_entry_is_the_latest_time_not_the_last_line() -> None:
    [log] = collect_logs([str(FIXTURES / "out-of-order")], TimeRule()).logs
    assert log.last == datetime(2026, 11, 27, 22, tzinfo=UTC)  # the second line; the last is 14:00
    assert log.first == datetime(2026, 11, 27, 13, tzinfo=UTC)


def test_a_time_holding_a_newline_is_no_time_and_the_log_is_still_read(tmp_path: Path) -> None:
    # A damaged record alone in its batch: timing it by bias once took the source down (min of nothing).
    record = ccm("damaged", 9).replace('time="09:00:00.000+000"', 'time="10:00:00+300\n10:00:00"')
    (tmp_path / "x.log").write_text(record, newline="")
    [log] = collect_logs([str(tmp_path)], TimeRule()).logs
    assert (log.entries, log.first, log.last) == (1, None, None)


def test_same_named_logs_in_two_folders_are_two_logs(tmp_path: Path) -> None:
    for site, hour in (("a", 8), ("b", 9)):
        (tmp_path / site).mkdir()
        (tmp_path / site / "smsts.log").write_text(ccm("boom", hour, typ=3), newline="")
    ev = collect_logs([str(tmp_path / "a"), str(tmp_path / "b")], TimeRule())
    assert [(s.name, s.errors) for s in ev.logs] == [("smsts.log", 1), ("smsts.log", 1)]
    assert [ev.label(s) for s in ev.logs] == [
        str(tmp_path / "a" / "smsts.log"),
        str(tmp_path / "b" / "smsts.log"),
    ]
    assert [[r.file for r in ev.problems_of(s)] for s in ev.logs] == [
        [str(tmp_path / "a" / "smsts.log")],
        [str(tmp_path / "b" / "smsts.log")],
    ]
    only = collect_logs([str(tmp_path / "a")], TimeRule())
    assert only.label(only.logs[0]) == "smsts.log"  # one log of that name: its name is enough


def test_the_logs_command_says_what_it_did_not_read_and_which_folder(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "IntuneManagementExtension.log").write_text(
        ccm("one", 8) + "interleaved fragment]LOG]!>\r\n" + ccm("two", 9), newline=""
    )
    r = CliRunner().invoke(app, ["logs", str(tmp_path / "a"), str(FIXTURES / "not-configmgr")])
    assert r.exit_code == 0, r.output
    out = " ".join(r.stdout.split())
    assert "characters in 1 stretch between records not read" in out
    assert "dpkg.log: not a ConfigMgr log (no ConfigMgr record, no time in it): not judged" in out
    assert str(tmp_path / "a") in out and "not judged" in out
