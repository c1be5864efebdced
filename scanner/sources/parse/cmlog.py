"""Streaming parser for ConfigMgr logs: the CMTrace (CCM) format and the server ($$<) format."""

from __future__ import annotations

import codecs
import itertools
import re
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path

from scanner.errors import PreflightError
from scanner.evidence.logs import MAX_RECORD_CHARS
from scanner.sources.parse.cmfast import (
    MAX_ATTR_CHARS,
    SMS,
    SMS_LONGEST,
    Batch,
    Entry,
    ccm_batch,
    sms_batch,
    sms_text,
)
from scanner.sources.parse.cmtime import entry_time
from scanner.sources.parse.severity import ERROR, INFO, WARNING, text_severity

__all__ = ["Batch", "Entry", "FileStats", "LogReadError", "entry_time", "parse_batches", "parse_file"]

CHUNK_CHARS = 1 << 18  # characters per read: bounds memory, keeps a batch in cache (1 Mi: 20% slower)
JOIN_CHARS = MAX_RECORD_CHARS + 1024  # read of a file's head, for the record the file before ended in
SNIFF_BYTES = 1 << 16

SEVERITY_NAMES = {ERROR: "error", WARNING: "warning", INFO: "info"}

# A CCM record: "<![LOG[" message "]LOG]!><" attributes ">". The message runs to the first
# "]LOG]!><". Canonical attribute order is the fast path; anything else falls back to name=value pairs.
_OPEN, _TERM = "<![LOG[", "]LOG]!><"
_CCM_ATTRS = re.compile(
    r'(?:time="([^"]*)" date="([^"]*)" component="([^"]*)" '
    r'context="[^"]*" type="(\d*)" thread="(\d*)" file="([^"]*)"|([^>]*))>'
)
# A name starts at a word boundary: from inside a long run of letters every start would backtrack
# over the rest of the run (quadratic; 20 KB of attributes took 5 s).
_ATTR = re.compile(r'(?<![A-Za-z])([A-Za-z]+)\s*=\s*"([^"]*)"')
_SMS, _SMS_LONGEST = SMS, SMS_LONGEST
_CONTROL_BYTES = [b for b in range(32) if b not in (9, 10, 12, 13, 27)]


class LogReadError(PreflightError):
    """A file that cannot be read as a log: missing, unreadable, or binary."""


@dataclass(slots=True)
class FileStats:
    """What the parser saw in one file, for provenance and for honest reporting."""

    format: str = "plain"  # ccm | sms | plain
    encoding: str = "utf-8"
    size: int = 0
    entries: int = 0
    skipped_chars: int = 0  # text between records that was not a record (truncated head, junk)
    truncated_tail: bool = False  # the file ended inside a record (still being written, or cut)
    truncated_records: int = 0  # records longer than MAX_RECORD_CHARS, kept cut to that length
    truncated_chars: int = 0  # characters cut from them
    truncated_line: int = 0  # the line where the first of them starts
    skipped_fragments: int = 0  # the stretches of skipped text
    skipped_line: int = 0  # the line where the first of them starts
    problem: str = ""  # why the file could not be read (parse_log goes on with the next file)


def sniff(path: Path) -> tuple[str, str]:
    """(encoding, format) of a log file, from its first bytes."""
    try:
        with path.open("rb") as fh:
            head = fh.read(SNIFF_BYTES)
    except OSError as exc:
        raise LogReadError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    encoding = _encoding(path, head)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(head)
    if "<![LOG[" in text or ']LOG]!><time="' in text:
        return encoding, "ccm"
    if "$$<" in text:
        return encoding, "sms"
    return encoding, "plain"


def _encoding(path: Path, head: bytes) -> str:
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.count(0) > len(head) // 4 and head[0::2].count(0) < len(head) // 50:
        return "utf-16-le"
    if sum(head.count(b) for b in _CONTROL_BYTES) > len(head) // 20:
        raise LogReadError(f"{path}: binary file, not a ConfigMgr log; give the path of a .log or .lo_ file")
    # A few NUL bytes are text: a crash can leave NUL padding in the middle of a real log.
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return "cp1252"  # ANSI logs written by older components
    return "utf-8"


def parse_file(path: Path, stats: FileStats | None = None) -> Iterator[Entry]:
    """The records of one file in order, reading it in bounded chunks (lazily: nothing is read before the
    first record is asked for). No Python frame per record: the batches' rows chained."""
    stats = stats if stats is not None else FileStats()
    return itertools.chain.from_iterable(map(Batch.rows, map(itemgetter(1), _records(path, 0, stats, None))))


def parse_log(paths: Sequence[Path], stats: Sequence[FileStats]) -> Iterator[tuple[int, Entry]]:
    """The records of one logical log's files (oldest first) as (index of the file, record).

    The files are read as one stream: a record whose head ends one file and whose tail starts the
    next (cut at rollover) is one record, of the file where it starts. A file that cannot be read
    gets its reason in `stats[i].problem`, and the next file starts afresh."""
    for i, batch in parse_batches(paths, stats):
        yield from zip(itertools.repeat(i), batch.rows())


def parse_batches(paths: Sequence[Path], stats: Sequence[FileStats]) -> Iterator[tuple[int, Batch]]:
    """parse_log's records as (index of the file, consecutive records of it as columns)."""
    before: _Carry | None = None
    for i, path in enumerate(paths):
        try:
            left = yield from _records(path, i, stats[i], before)
        except LogReadError as exc:
            stats[i].problem, left = str(exc), None
        except OSError as exc:  # a share that went away mid-read
            stats[i].problem, left = f"{path}: read failed ({exc.strerror or exc})", None
        before = left


@dataclass(slots=True)
class _Carry:
    """The unfinished record a file ended with, for the next file of the same log."""

    index: int
    stats: FileStats
    text: str
    line: int


def _records(
    path: Path, index: int, stats: FileStats, before: _Carry | None
) -> Generator[tuple[int, Batch], None, _Carry | None]:
    stats.encoding, stats.format = sniff(path)
    if before is not None and stats.format == "plain":  # a head longer than the sniff: the cut record's tail
        stats.format = before.stats.format
    try:
        stats.size = path.stat().st_size
        # newline="\n" keeps CRLF intact so line numbers and multi-line messages stay exact, and reads
        # without a newline decoder (newline="" has one, 40% of the read); Python opens with shared
        # read/write access, so a log being written can be read.
        fh = path.open("r", encoding=stats.encoding, errors="replace", newline="\n")
    except OSError as exc:
        raise LogReadError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    with fh:
        chunks: Iterator[str] = iter(lambda: fh.read(CHUNK_CHARS), "")
        if stats.format == "plain":
            plain = _parse_plain(chunks, stats)
            while entries := list(itertools.islice(plain, 8192)):
                yield index, Batch.of(entries)
            return None
        records = _ccm_records if stats.format == "ccm" else _sms_records
        fast = _ccm_fast if stats.format == "ccm" else _sms_fast
        st = _Stream()
        if before is not None and before.stats.format == stats.format:
            first = fh.read(JOIN_CHARS)  # the tail of a record cut at rollover is at most a record
            end = _head_end(first, stats.format)
            joined = _join(before, first[:end], records) if end else []
            if joined:
                yield before.index, Batch.of(joined)
                st.line, first = 1 + first.count("\n", 0, end), first[end:]
            chunks = itertools.chain([first], chunks)
        for chunk in chunks:
            st.buf += chunk
            for batch in fast(st, stats):
                if batch.messages:
                    yield index, batch
        _finish(st, stats)
    return _Carry(index, stats, st.buf, st.line) if stats.truncated_tail and not st.cut_chars else None


def _head_end(first: str, fmt: str) -> int:
    """Where the first record of its own begins in a file's first chunk: before it, the tail of a cut one."""
    if fmt == "sms":
        m = _SMS.search(first)
        return m.end() if m else 0
    start = first.find(_OPEN)
    if start < 0:  # no record starts here: all of it is a tail, if it is all of the file
        return len(first) if len(first) < JOIN_CHARS else 0
    return start


def _join(before: _Carry, head: str, records: Callable[[_Stream, FileStats], Iterator[Entry]]) -> list[Entry]:
    """The record cut at rollover, from the end of one file and the head of the next; [] if they don't fit."""
    scratch = FileStats(format=before.stats.format)
    st = _Stream(buf=before.text + head, line=before.line)
    joined = list(records(st, scratch))
    if joined:
        _finish(st, scratch)
        prev = before.stats
        prev.entries += scratch.entries
        prev.skipped_chars += scratch.skipped_chars
        prev.skipped_fragments += scratch.skipped_fragments
        prev.truncated_records += scratch.truncated_records
        prev.truncated_chars += scratch.truncated_chars
        prev.truncated_tail = scratch.truncated_tail
    return joined


def _ccm_fast(st: _Stream, stats: FileStats) -> Iterator[Batch]:
    """The chunk's canonical records in one pass; the rest (the last one, anything irregular) one by one."""
    got = None if st.cut_chars else ccm_batch(st.buf, st.line, MAX_RECORD_CHARS, MAX_ATTR_CHARS)
    if got is not None:
        batch, st.buf, st.line = got
        stats.entries += len(batch.messages)
        yield batch
    yield Batch.of(list(_ccm_records(st, stats)))


def _sms_fast(st: _Stream, stats: FileStats) -> Iterator[Batch]:
    got = None if st.cut_chars else sms_batch(st.buf, st.scan_from, st.line, MAX_RECORD_CHARS)
    if got is None:
        yield Batch.of(list(_sms_records(st, stats)))
        return
    batch, rest, line = got
    stats.entries += len(batch.messages)
    _sms_rest(st, rest, 0, line)
    yield batch


def _ccm_records(st: _Stream, stats: FileStats) -> Iterator[Entry]:
    # str.find from one record to the next: a regex search would restart at every "<![LOG[" of an
    # unfinished tail and scan to its end, quadratic in hostile input ("<![LOG[" repeated).
    buf, pos, line = st.buf, 0, st.line  # line: the line number at buf[pos]
    while True:
        start = buf.find(_OPEN, pos)
        term = buf.find(_TERM, start + 7) if start >= 0 else -1
        m = _CCM_ATTRS.match(buf, term + 8) if term >= 0 else None
        if m is None:
            break
        if start - pos > 2:
            _skipped(stats, buf[pos:start], line)
        at = line + buf.count("\n", pos, start)
        msg, extra = _capped(buf[start + 7 : term])
        time, date, comp, typ, thread, src, other = m.groups()
        if m.end() - term - 9 > MAX_ATTR_CHARS:
            time, date, comp, typ, thread, src = _attrs(buf[term + 8 : term + 8 + MAX_ATTR_CHARS])
            extra += m.end() - term - 9 - MAX_ATTR_CHARS
        elif other is not None:
            time, date, comp, typ, thread, src = _attrs(other)
        if "\r" in msg:
            msg = msg.replace("\r\n", "\n")
        sev = int(typ) if typ in ("2", "3") else (INFO if typ else text_severity(msg))
        stats.entries += 1
        yield Entry(msg, comp, date, time, sev, thread, src, at, bool(typ))
        pos = m.end()
        line = at + buf.count("\n", start, pos)
        if extra or st.cut_chars:
            line += st.truncated(stats, at, extra)
    if start < 0:  # no record begins in the rest: junk, but keep what may be the start of a marker
        keep = max(pos, len(buf) - len(_OPEN) + 1)
        _skipped(stats, buf[pos:keep], line)
        line += buf.count("\n", pos, keep)
        st.buf, st.line = buf[keep:], line
        return
    if start - pos > 2:
        _skipped(stats, buf[pos:start], line)
    st.line = line + buf.count("\n", pos, start)
    if term < 0:  # inside the message: keep its head and what may be the start of "]LOG]!><"
        st.buf = st.drop(buf, start, start + 7 + MAX_RECORD_CHARS, len(buf) - len(_TERM) + 1)
    else:  # inside the attributes
        st.buf = st.drop(buf, start, term + 8 + MAX_ATTR_CHARS, len(buf))


def _attrs(text: str) -> tuple[str, str, str, str, str, str]:
    a = {k.lower(): v for k, v in _ATTR.findall(text)}
    return (
        a.get("time", ""),
        a.get("date", ""),
        a.get("component", ""),
        a.get("type", ""),
        a.get("thread", ""),
        a.get("file", ""),
    )


def _sms_records(st: _Stream, stats: FileStats) -> Iterator[Entry]:
    buf, pos, line = st.buf, 0, st.line  # line: the line number at buf[pos]
    for m in _SMS.finditer(buf, st.scan_from):
        comp, stamp, thread = m.groups()
        start = m.start()
        raw, extra = _capped(buf[pos:start])
        msg = raw.lstrip("\r\n")
        at = line + buf.count("\n", pos, pos + len(raw) - len(msg))
        msg = sms_text(msg.rstrip())
        date, _, time = stamp.partition(" ")
        stats.entries += 1
        yield Entry(msg, comp, date, time, text_severity(msg), thread, "", at)
        line += buf.count("\n", pos, m.end())
        pos = m.end()
        if extra or st.cut_chars:
            line += st.truncated(stats, at, extra)
    _sms_rest(st, buf, pos, line)


def _sms_rest(st: _Stream, buf: str, pos: int, line: int) -> None:
    """Keep buf[pos:], the text after the last header, bounded; line: the line where it starts."""
    # A header is at most _SMS_LONGEST characters: one starting earlier in the rest has failed for good.
    st.line = line
    st.buf = st.drop(buf, pos, pos + MAX_RECORD_CHARS, len(buf) - _SMS_LONGEST)
    st.scan_from = max(0, len(st.buf) - _SMS_LONGEST)
    if st.cut_chars:  # never join a header across the cut: one starting in the kept head has failed
        st.scan_from = max(st.scan_from, MAX_RECORD_CHARS)


def _parse_plain(chunks: Iterator[str], stats: FileStats) -> Iterator[Entry]:
    st = _Stream(line=0)  # line: the number of the last complete line
    for chunk in chunks:
        lines = (st.buf + chunk).split("\n")
        rest = lines.pop()
        for text in lines:
            st.line += 1
            text, extra = _capped(text.rstrip("\r"))
            if extra or st.cut_chars:
                st.truncated(stats, st.line, extra)
            if text.strip():
                stats.entries += 1
                yield Entry(text, "", "", "", text_severity(text), "", "", st.line)
        st.buf = st.drop(rest, 0, MAX_RECORD_CHARS, len(rest))
    text, extra = _capped(st.buf.rstrip("\r"))
    if extra or st.cut_chars:
        st.truncated(stats, st.line + 1, extra)
    if text.strip():
        stats.entries += 1
        yield Entry(text, "", "", "", text_severity(text), "", "", st.line + 1)


@dataclass(slots=True)
class _Stream:
    """The unparsed rest of a file between chunks, bounded: an over-long record loses its middle."""

    buf: str = ""
    line: int = 1  # the line number at buf[0]
    scan_from: int = 0  # where a record may begin in buf (sms: what came before was searched)
    cut_chars: int = 0  # dropped from the unfinished record at buf[0]
    cut_lines: int = 0  # newlines among them

    def drop(self, buf: str, start: int, head_end: int, tail_start: int) -> str:
        """buf[start:], less the part between head_end and tail_start when that is not empty.

        The kept tail is what may begin the marker that ends the record. Text made up across the
        join could, in a record already over the cap, form a spurious "]LOG]!><": accepted, as
        such a record is garbage either way."""
        if tail_start <= head_end:
            return buf[start:]
        self.cut_chars += tail_start - head_end
        self.cut_lines += buf.count("\n", head_end, tail_start)
        return buf[start:head_end] + buf[tail_start:]

    def truncated(self, stats: FileStats, line: int, extra: int) -> int:
        """Count the record just read as cut; the newlines dropped from it, for the line numbers."""
        stats.truncated_records += 1
        stats.truncated_chars += self.cut_chars + extra
        stats.truncated_line = stats.truncated_line or line
        lines, self.cut_chars, self.cut_lines = self.cut_lines, 0, 0
        return lines


def _skipped(stats: FileStats, text: str, line: int) -> None:
    """Text between records that is no record: counted, with where the first stretch starts."""
    chars = len(text.strip())
    if chars:
        stats.skipped_chars += chars
        stats.skipped_fragments += 1
        stats.skipped_line = stats.skipped_line or line + text.count("\n", 0, len(text) - len(text.lstrip()))


def _capped(text: str) -> tuple[str, int]:
    if len(text) <= MAX_RECORD_CHARS:
        return text, 0
    return text[:MAX_RECORD_CHARS], len(text) - MAX_RECORD_CHARS


def _finish(st: _Stream, stats: FileStats) -> None:
    if st.buf.strip() or st.cut_chars:
        stats.truncated_tail = True
    if st.cut_chars:  # the file ended inside an over-long record
        st.truncated(stats, st.line, 0)
