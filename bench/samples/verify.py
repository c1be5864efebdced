"""Reading the written samples back, independently of the project's parser, to prove their facts."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import datetime

from samples.server_logs import CUS_COMP

# --------------------------------------------------------------------------
# verification
# --------------------------------------------------------------------------

SMS_RE = re.compile(
    r"^(.*)  \$\$<([^>]*)><(\d{1,2}-\d{1,2}-\d{4} \d{2}:\d{2}:\d{2}\.\d+[+-]?\d*)>"
    r"<thread=\d+ \(0x[0-9A-F]+\)>$"
)
SMS_TS_RE = re.compile(r"(\d{1,2})-(\d{1,2})-(\d{4}) (\d{2}):(\d{2}):(\d{2})\.(\d+)([+-]\d+)?$")
CCM_TIME_RE = re.compile(r'\btime="(\d{2}):(\d{2}):(\d{2})\.(\d+)([+-]\d+)?"', re.IGNORECASE)
CCM_DATE_RE = re.compile(r'\bdate="(\d{1,2})-(\d{1,2})-(\d{4})"', re.IGNORECASE)
IPV4_RE = re.compile(r"(?<![\d.])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])")


def _dt(mo: str, d: str, y: str, h: str, mi: str, s: str, frac: str) -> datetime:
    return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), int((frac + "000000")[:6]))


def parse_sms(data: bytes) -> list[tuple[datetime, str, str]]:
    if data.startswith(b"\xef\xbb\xbf"):
        raise AssertionError("SMS files are written without a BOM")
    text = data.decode("utf-8")
    if not text.endswith("\r\n"):
        raise AssertionError("missing final CRLF")
    out = []
    for n, line in enumerate(text[:-2].split("\r\n"), 1):
        if "\r" in line or "\n" in line:
            raise AssertionError(f"line {n}: stray CR/LF")
        m = SMS_RE.match(line)
        if not m:
            raise AssertionError(f"line {n} does not match the SMS regex: {line!r}")
        ts = SMS_TS_RE.match(m.group(3))
        if not ts:
            raise AssertionError(f"line {n}: bad timestamp")
        out.append((_dt(*ts.groups()[:7]), m.group(2), m.group(1)))
    return out


def parse_ccm(text: str) -> list[tuple[datetime, str, str]]:
    """Returns (local time, attribute text, message) per record; a truncated head
    fragment is returned with the message prefixed by '<fragment>'."""
    chunks = text.split("<![LOG[")
    out = []
    for i, chunk in enumerate(chunks):
        if i == 0 and not chunk:
            continue
        msg, sep, rest = chunk.partition("]LOG]!><")
        if not sep:
            raise AssertionError(f"record {i}: no terminator")
        attrs, gt, tail = rest.partition(">")
        if not gt or tail not in ("", "\r\n"):
            raise AssertionError(f"record {i}: unexpected trailer {tail!r}")
        tm, dm = CCM_TIME_RE.search(attrs), CCM_DATE_RE.search(attrs)
        if not tm or not dm:
            raise AssertionError(f"record {i}: no time/date")
        t = _dt(*dm.groups(), *tm.groups()[:4])
        out.append((t, attrs, ("<fragment>" + msg) if i == 0 else msg))
    return out


def assert_increasing(times: list[datetime], what: str) -> None:
    for a, b in itertools.pairwise(times):
        if b <= a:
            raise AssertionError(f"{what}: timestamps not increasing ({a} -> {b})")


def check_no_crlf_violations(text: str, what: str) -> None:
    if re.search(r"(?<!\r)\n", text) or re.search(r"\r(?!\n)", text):
        raise AssertionError(f"{what}: line endings are not pure CRLF")


@dataclass
class CycleStats:
    starts: int = 0
    done: int = 0
    errors: int = 0
    last_done: datetime | None = None  # time of the last "UserDeltaSync:-" line
    last_done_start: datetime | None = None  # start of that cycle
    first_error: datetime | None = None


def cycle_stats(lines: list[tuple[datetime, str, str]]) -> CycleStats:
    st = CycleStats()
    started: datetime | None = None
    for t, comp, msg in lines:
        if comp != CUS_COMP:
            raise AssertionError("unexpected component")
        if msg.startswith("Starting user delta sync"):
            st.starts += 1
            started = t
        elif msg.startswith("UserDeltaSync:-"):
            st.done += 1
            st.last_done, st.last_done_start = t, started
        elif msg.startswith("ERROR:"):
            st.errors += 1
            st.first_error = st.first_error or t
    return st
