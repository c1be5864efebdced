"""The server-format ($$<) fast path: what it reads equals the record-by-record path, on the usual shape
and on every shape it must hand to the general way (headers not ending their line, long stamps, CRs, "$$<"
in messages, texts at the cap)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scanner.sources.parse import cmfast, cmlog
from scanner.sources.parse.cmfast import severities
from scanner.sources.parse.cmlog import FileStats, parse_file
from scanner.sources.parse.severity import text_severity

PIECES = ["error", "Failed", "status code 404", "a", " ", "~", "~ x", "\r\n", "\n", "\r", "\x1f", "\0", "x y"]
PIECES += ["é", "١٢"]  # a chunk that is not ASCII is read with the other expression
message = st.lists(st.sampled_from(PIECES), max_size=6).map("".join)
DOLLARS = ["$", "$$<", "$$<a><b><thread=1>"]  # in one message of some files: the general way for that chunk
# Stamps at the fast expression's bounds (a date of 127, a time of 128, 256 in all) and past them.
STAMPS = [
    "11-24-2026 09:05:12.347+300",
    "11-24-2026",
    " 09:05:12",
    "11-24-2026 09:05:12 +300",
    "1" * 127 + " " + "2" * 128,
    "1" * 128 + " 2",
    "1 " + "2" * 129,
    "1" * 200,
    "1" * 300,
    "1" * 150 + " " + "2" * 120,
    "1" * 10 + " " + "2" * 200,
    "1" * 100 + " " + "2" * 156,
    "١١-24-2026 ٠٩:05:12",
]
# What follows a header: its line end, or not.
AFTER = ["\r\n", "\r\n", "\r\n", "\n", "\r", "", " ", " junk\r\n", "\r\n\r\n", "\rX", "\r\r\n"]


def sms(msg: str, stamp: str, after: str) -> str:
    return f"{msg}  $$<SMS_X><{stamp}><thread=4512 (0x11A0)>{after}"


def parse_both(path: Path) -> tuple[tuple[list[cmlog.Entry], FileStats], tuple[list[cmlog.Entry], FileStats]]:
    fast_stats, slow_stats = FileStats(), FileStats()
    fast = list(parse_file(path, fast_stats))
    with pytest.MonkeyPatch.context() as mp:  # the record-by-record path for every chunk
        mp.setattr(cmlog, "sms_batch", lambda *_: None)
        slow = list(parse_file(path, slow_stats))
    return (fast, fast_stats), (slow, slow_stats)


@settings(max_examples=300, deadline=None)
@given(
    records=st.lists(
        st.tuples(message, st.sampled_from(STAMPS), st.sampled_from(AFTER)), min_size=1, max_size=20
    ),
    dollars=st.none() | st.tuples(st.integers(min_value=0, max_value=19), st.sampled_from(DOLLARS)),
    chunk=st.sampled_from([7, 50, 300, 1 << 20]),
    cap=st.sampled_from([4, 30, 1 << 20]),
    tail=st.sampled_from(["", "tail"]),
)
def test_the_fast_path_reads_what_the_record_by_record_path_reads(
    tmp_path_factory: pytest.TempPathFactory,
    records: list[tuple[str, str, str]],
    dollars: tuple[int, str] | None,
    chunk: int,
    cap: int,
    tail: str,
) -> None:
    if dollars:
        k, text = dollars
        records[k % len(records)] = (text, *records[k % len(records)][1:])
    path = tmp_path_factory.mktemp("sms") / "x.log"
    first = sms("start " * 500, STAMPS[0], "\r\n")  # text enough that NULs and \x1f do not make it binary
    path.write_text(first + "".join(sms(*r) for r in records) + tail, encoding="utf-8", newline="")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cmlog, "CHUNK_CHARS", chunk)
        mp.setattr(cmlog, "MAX_RECORD_CHARS", cap)
        (fast, fast_stats), (slow, slow_stats) = parse_both(path)
    assert fast == slow
    assert fast_stats == slow_stats


SHAPES = [
    "\rabc",
    "\nabc",
    "\r\n\r\nabc",
    "a\rb",
    "a\r\nb",
    "ab\r",
    "ab\r\n ",
    "a~",
    "a ~",
    "a~ b~\r\nc",
    "~",
]
SHAPES += ["\t a \t"]


@pytest.mark.parametrize("chunk", [7, 1 << 20])
def test_texts_of_every_shape(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    path = tmp_path / "x.log"
    path.write_text("".join(sms(m, STAMPS[0], "\r\n") for m in ["first", *SHAPES]), newline="")
    monkeypatch.setattr(cmlog, "CHUNK_CHARS", chunk)
    (fast, fast_stats), (slow, slow_stats) = parse_both(path)
    assert fast == slow and fast_stats == slow_stats
    assert [e.message for e in fast[1:4]] == ["abc", "abc", "abc"] and fast[-1].message == "\t a"
    assert [e.line for e in fast[:5]] == [1, 2, 4, 7, 8]


@pytest.mark.parametrize("size", range(24, 33))
def test_texts_at_the_cap_are_cut_as_the_record_by_record_path_cuts_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int
) -> None:
    """The cap counts the line end before a text (the fast path's texts start after it)."""
    path = tmp_path / "x.log"
    stamp = STAMPS[0]
    path.write_text("".join(sms("a" * k, stamp, "\r\n") for k in [3, size, 3, size, size]), newline="")
    monkeypatch.setattr(cmlog, "MAX_RECORD_CHARS", 30)
    (fast, fast_stats), (slow, slow_stats) = parse_both(path)
    assert fast == slow and fast_stats == slow_stats


@pytest.mark.parametrize("eol", ["\r\n", "\n"])
@pytest.mark.parametrize("chunk", [0, 1, 2])
def test_the_usual_log_stays_on_the_fast_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, eol: str, chunk: int
) -> None:
    """Multi-line messages, tildes, blank lines and chunk ends anywhere (in a header, between CR and
    LF): no chunk goes record by record."""
    texts = ["Starting user delta sync", "SQL>>>>> select 1~", f"Exception:{eol}   at Foo()", "", "x ~ y"]
    stamps = [f"11-24-2026 09:05:{k % 60:02}.347+300" for k in range(400)]
    body = "".join(sms(texts[k % 5], stamps[k], eol + eol * (k % 7 == 3)) for k in range(400))
    path = tmp_path / "x.log"
    path.write_text(body, encoding="utf-8", newline="")
    # Chunks of 997 characters, and of sizes that end the first chunk right after a header, or inside its
    # line end.
    monkeypatch.setattr(
        cmlog, "CHUNK_CHARS", [997, body.index(">", 500) + 1, body.index(eol, 500) + 1][chunk]
    )
    sms_batch = cmfast.sms_batch

    def fast_only(*args: Any) -> object:
        got = sms_batch(*args)
        assert got is not None, "a chunk went record by record"
        return got

    with monkeypatch.context() as mp:
        mp.setattr(cmlog, "sms_batch", fast_only)
        fast = list(parse_file(path))
    (_, _), (slow, _) = parse_both(path)
    assert fast == slow and len(fast) == 400
    assert fast[2].message == "Exception:\n   at Foo()" and fast[1].message == "SQL>>>>> select 1"


@settings(max_examples=200, deadline=None)
@given(st.lists(message, max_size=20), st.integers(min_value=1, max_value=3))
def test_severities_of_repeated_texts_are_text_severity_of_each(texts: list[str], times: int) -> None:
    texts = texts * times + ["error " * 60 + "x", "x" * 400]  # repeated, and too long to be remembered
    for _ in range(2):  # the second time, from what the first remembered
        assert severities(texts) == [text_severity(t) for t in texts]


def test_severities_remember_short_texts_only() -> None:
    """Memory stays bounded whatever the log: a long text is never kept."""
    texts = [f"{k} failed " + "x" * 100_000 for k in range(50)] + ["short failed", "short"] * 3
    assert severities(texts) == [text_severity(t) for t in texts]
    assert "short failed" in cmfast._KNOWN and max(map(len, cmfast._KNOWN)) <= 300
