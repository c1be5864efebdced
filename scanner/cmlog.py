"""Streaming parser for ConfigMgr logs: the CMTrace (CCM) format and the server ($$<) format."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

CHUNK_CHARS = 1 << 20  # decoded characters per read: bounds memory whatever the file size
SNIFF_BYTES = 1 << 16
MAX_RECORD_CHARS = 8 << 20  # a "record" larger than this is garbage; skip past it

ERROR, WARNING, INFO = 3, 2, 1
SEVERITY_NAMES = {ERROR: "error", WARNING: "warning", INFO: "info"}

# Canonical attribute order is the fast path; anything else falls back to name=value pairs.
# The message is "anything up to ]LOG]!><", unrolled so the engine scans runs of non-"]" at C speed.
_CCM = re.compile(
    r"<!\[LOG\[([^\]]*(?:\](?!LOG\]!><)[^\]]*)*)\]LOG\]!><"
    r'(?:time="([^"]*)" date="([^"]*)" component="([^"]*)" '
    r'context="[^"]*" type="(\d*)" thread="(\d*)" file="([^"]*)"|([^>]*))>'
)
_ATTR = re.compile(r'([A-Za-z]+)\s*=\s*"([^"]*)"')
_SMS = re.compile(r"\$\$<([^>\n]*)><([^>\n]*)><thread=(\d*)[^>\n]*>")
_CONTROL_BYTES = [b for b in range(32) if b not in (9, 10, 12, 13, 27)]
_TILDE = re.compile(r"~(?=\s|$)")
_TIME = re.compile(r"(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d+))?\s*([+-]\d+)?$")


class LogReadError(Exception):
    """A file that cannot be read as a log: missing, unreadable, or binary."""


@dataclass(slots=True)
class Entry:
    message: str
    component: str
    date: str  # raw, as written: "11-26-2026" or "3-5-2026"
    time: str  # raw, as written: "09:05:12.347+300", "13:59:35.6721099"
    severity: int  # ERROR, WARNING or INFO
    thread: str
    source: str  # the source-code file attribute of CCM records
    line: int  # 1-based line in the log file where the record starts


@dataclass(slots=True)
class FileStats:
    """What the parser saw in one file, for provenance and for honest reporting."""

    format: str = "plain"  # ccm | sms | plain
    encoding: str = "utf-8"
    size: int = 0
    entries: int = 0
    skipped_chars: int = 0  # text between records that was not a record (truncated head, junk)
    truncated_tail: bool = False  # the file ended inside a record (still being written, or cut)


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
    """Yield the records of one file in order, reading it in bounded chunks."""
    stats = stats if stats is not None else FileStats()
    stats.encoding, stats.format = sniff(path)
    try:
        stats.size = path.stat().st_size
        # newline="" keeps CRLF intact so line numbers and multi-line messages stay exact;
        # Python opens with shared read/write access, so a log being written can be read.
        fh = path.open("r", encoding=stats.encoding, errors="replace", newline="")
    except OSError as exc:
        raise LogReadError(f"{path}: cannot read ({exc.strerror or exc})") from exc
    with fh:
        chunks = iter(lambda: fh.read(CHUNK_CHARS), "")
        if stats.format == "ccm":
            yield from _parse_ccm(chunks, stats)
        elif stats.format == "sms":
            yield from _parse_sms(chunks, stats)
        else:
            yield from _parse_plain(chunks, stats)


def _parse_ccm(chunks: Iterator[str], stats: FileStats) -> Iterator[Entry]:
    buf, line = "", 1  # line: the line number at buf[pos]
    for chunk in chunks:
        buf += chunk
        pos = 0
        for m in _CCM.finditer(buf):
            start = m.start()
            if start - pos > 2:
                stats.skipped_chars += len(buf[pos:start].strip())
            at = line + buf.count("\n", pos, start)
            msg, time, date, comp, typ, thread, src, other = m.groups()
            if other is not None:
                time, date, comp, typ, thread, src = _attrs(other)
            if "\r" in msg:
                msg = msg.replace("\r\n", "\n")
            sev = int(typ) if typ in ("2", "3") else (INFO if typ else _text_severity(msg))
            stats.entries += 1
            yield Entry(msg, comp, date, time, sev, thread, src, at)
            pos = m.end()
            line = at + buf.count("\n", start, pos)
        buf, line = _carry(buf, pos, line, "<![LOG[", stats)
    _finish(buf, stats)


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


def _parse_sms(chunks: Iterator[str], stats: FileStats) -> Iterator[Entry]:
    buf, line = "", 1  # line: the line number at buf[pos]
    for chunk in chunks:
        buf += chunk
        pos = 0
        for m in _SMS.finditer(buf):
            comp, stamp, thread = m.groups()
            start = m.start()
            raw = buf[pos:start]
            msg = raw.lstrip("\r\n")
            at = line + buf.count("\n", pos, start - len(msg))
            msg = msg.rstrip()
            if "~" in msg:
                msg = _TILDE.sub("\n", msg).rstrip()
            if "\r" in msg:
                msg = msg.replace("\r\n", "\n")
            date, _, time = stamp.partition(" ")
            stats.entries += 1
            yield Entry(msg, comp, date, time, _text_severity(msg), thread, "", at)
            line += buf.count("\n", pos, m.end())
            pos = m.end()
        buf, line = _carry(buf, pos, line, None, stats)
    _finish(buf, stats)


def _parse_plain(chunks: Iterator[str], stats: FileStats) -> Iterator[Entry]:
    line, rest = 0, ""
    for chunk in chunks:
        lines = (rest + chunk).split("\n")
        rest = lines.pop()
        for text in lines:
            line += 1
            text = text.rstrip("\r")
            if text.strip():
                stats.entries += 1
                yield Entry(text, "", "", "", _text_severity(text), "", "", line)
    if rest.strip():
        yield Entry(rest.rstrip("\r"), "", "", "", _text_severity(rest), "", "", line + 1)


def _carry(buf: str, pos: int, line: int, marker: str | None, stats: FileStats) -> tuple[str, int]:
    """Keep the unfinished tail of the buffer for the next chunk, bounded in size."""
    rest = buf[pos:]
    if len(rest) > MAX_RECORD_CHARS:
        cut = rest.find(marker, 1) if marker else -1
        cut = cut if cut > 0 else len(rest) - 64
        stats.skipped_chars += len(rest[:cut].strip())
        line += rest.count("\n", 0, cut)
        rest = rest[cut:]
    return rest, line


def _finish(buf: str, stats: FileStats) -> None:
    if buf.strip():
        stats.truncated_tail = True


def _text_severity(text: str) -> int:
    """CMTrace's rule for entries without a type: keywords, case-insensitive.

    "error" and "fail" mark errors, "warn" warnings. "failover" is routine, and every
    Cloudusersync.log cycle echoes its "raise failure status messages" setting: neither is a
    failure. Plain `in` tests on a lower-cased copy are ten times faster than a case-insensitive
    regex, and this runs once per entry.
    """
    low = text.lower()
    if "error" in low:
        return ERROR
    if "fail" in low and low.count("fail") > low.count("failover") + low.count("failure status"):
        return ERROR
    if "warn" in low:
        return WARNING
    return INFO


@lru_cache(maxsize=4096)
def _day(date: str) -> datetime | None:
    try:
        month, day, year = (int(p) for p in date.split("-"))
        return datetime(year, month, day, tzinfo=UTC)
    except ValueError:
        return None


def entry_time(entry: Entry, *, bias_sign: int = 1, missing_bias: int = 0) -> datetime | None:
    """The entry's time in UTC, or None when it has none or it cannot be read.

    ConfigMgr writes the Windows time-zone bias (UTC = local + bias minutes); bias_sign=-1 reads
    the number as an east-positive offset instead. A time without a zone part uses missing_bias.
    """
    day = _day(entry.date)
    m = _TIME.match(entry.time) if day else None
    if day is None or m is None:
        return None
    hours, minutes, seconds, fraction, bias = m.groups()
    micro = int((fraction or "0")[:6].ljust(6, "0"))
    offset = bias_sign * int(bias) if bias else missing_bias
    return day + timedelta(
        hours=int(hours), minutes=int(minutes) + offset, seconds=int(seconds), microseconds=micro
    )
