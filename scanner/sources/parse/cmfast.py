"""The log parser's fast path: the complete records of a chunk in one regular-expression pass, as columns.

The record-by-record path of cmlog reads anything; this one reads the regular case (every record
complete, canonical and under the caps) with per-chunk C-level passes (`split`/`findall`, `map`) instead
of Python statements per record, and says None where its assumptions do not hold, so that the chunk goes
the other way. Both give the same records, line numbers and statistics (bench/logs_equal.py).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import partial
from itertools import accumulate, compress, repeat
from operator import add, contains
from typing import Any, NamedTuple

from scanner.sources.parse.severity import INFO, text_severity

MAX_ATTR_CHARS = 64 << 10  # the attributes of a CCM record (real ones take about 100)

# The fields of an SMS header are bounded and hold no "<": a failed try costs a few hundred
# characters, not a scan to the end of the buffer for every "$$<" (quadratic on hostile input).
SMS = re.compile(r"\$\$<([^<>\n]{0,256})><([^<>\n]{0,256})><thread=(\d{0,32})[^<>\n]{0,256}>")
# The same headers, the time stamp split at its first blank into date and time; it also matches stamps of
# up to 513 characters, which SMS does not: sms_batch leaves a chunk holding one to the other path.
_SMS_SPLIT = re.compile(
    r"\$\$<([^<>\n]{0,256})><([^<>\n ]{0,256}) ?([^<>\n]{0,256})><thread=(\d{0,32})[^<>\n]{0,256}>"
)
SMS_LONGEST = 3 + 256 + 2 + 256 + 9 + 32 + 256 + 1
TILDE = re.compile(r"~(?=\s|$)")  # a continuation mark of a server-format message
# What ends one canonical CCM record and starts the next: "]LOG]!><" attributes ">" blank "<![LOG[". A
# try starts only at "]LOG]!><"; an attribute value stops at 4 Ki characters (a longer one goes the
# other way: seven of them stay under MAX_ATTR_CHARS).
_OPEN, _TERM = "<![LOG[", "]LOG]!><"
_V = '"([^"]{0,4096})"'
_CCM = re.compile(
    rf'\]LOG\]!><time={_V} date={_V} component={_V} context="[^"]{{0,4096}}" type="(\d*)" thread="(\d*)" '
    rf"file={_V}>(?:\r?\n|(\s*))<!\[LOG\["  # the usual line end makes no string: None
)
_CCM_ATTRS_MAX = 7 * 4096 + len('time="" date="" component="" context="" type="" thread="" file=""')
_TYPED = {"2": 2, "3": 3}
_SEVERITY_WORDS = ("error", "fail", "warn", "status")  # text_severity's first test: none of them, INFO
_KNOWN: dict[str, int] = {}  # text_severity of short texts with one of them: a log repeats its lines
_KNOWN_SIZE, _KNOWN_CHARS = 4096, 300


class Entry(NamedTuple):
    message: str
    component: str
    date: str  # raw, as written: "11-26-2026" or "3-5-2026"
    time: str  # raw, as written: "09:05:12.347+300", "13:59:35.6721099"
    severity: int  # ERROR, WARNING or INFO
    thread: str
    source: str  # the source-code file attribute of CCM records
    line: int  # 1-based line in the log file where the record starts
    typed: bool = False  # the severity is the record's own type attribute, not read from its text


_entry = partial(tuple.__new__, Entry)  # an Entry from a row tuple, without a Python frame


@dataclass(slots=True)
class Batch:
    """Consecutive records of one file as columns, one list per field of Entry."""

    messages: list[str]
    components: list[str]
    dates: list[str]
    times: list[str]
    severities: list[int]
    threads: list[str]
    sources: list[str]
    lines: list[int]
    typed: list[bool]

    @classmethod
    def of(cls, entries: list[Entry]) -> Batch:
        columns = [list(c) for c in zip(*entries, strict=True)] if entries else [[] for _ in Entry._fields]
        return cls(*columns)

    def __len__(self) -> int:
        return len(self.messages)

    def rows(self) -> Iterator[Entry]:
        return map(_entry, zip(*self.columns(), strict=True))

    def entry(self, k: int, chars: int | None = None) -> Entry:
        """The k-th record; with chars, its message cut to that many characters."""
        return Entry(
            self.messages[k][:chars],
            self.components[k],
            self.dates[k],
            self.times[k],
            self.severities[k],
            self.threads[k],
            self.sources[k],
            self.lines[k],
            self.typed[k],
        )

    def columns(self) -> tuple[list[Any], ...]:
        return (
            self.messages,
            self.components,
            self.dates,
            self.times,
            self.severities,
            self.threads,
            self.sources,
            self.lines,
            self.typed,
        )


def containing(texts: list[str], words: Iterable[str], *, lower: bool = False) -> set[int]:
    """The indexes of the texts that hold one of the words (lower: in their lower case), all at once:
    one joined copy and str.find, a Python step per hit only. No word may hold a newline."""
    joined = "\n".join(texts)
    if lower:
        joined, before = joined.lower(), len(joined)
        if len(joined) != before:  # a character whose lower case is longer: no common offsets
            return {k for k, text in enumerate(texts) if any(w in text.lower() for w in words)}
    ends = list(accumulate(map((1).__add__, map(len, texts))))  # where each text's successor starts
    hits: set[int] = set()
    find = joined.find
    for word in words:
        at = find(word)
        while at >= 0:
            k = bisect_right(ends, at)
            hits.add(k)
            at = find(word, ends[k])
    return hits


def severities(texts: list[str]) -> list[int]:
    """text_severity of each text; most hold none of the words it looks for, and are information."""
    found, known = [INFO] * len(texts), _KNOWN
    for k in containing(texts, _SEVERITY_WORDS, lower=True):
        text = texts[k]
        sev = known.get(text)
        if sev is None:
            sev = text_severity(text)
            if len(text) <= _KNOWN_CHARS:
                if len(known) >= _KNOWN_SIZE:
                    known.clear()
                known[text] = sev
        found[k] = sev
    return found


def sms_batch(buf: str, scan_from: int, line: int, cap: int) -> tuple[Batch, str, int] | None:
    """The records of buf whose header is in it: (them, the text after the last header, the line where
    that text starts). None when there is none or one is over the cap (characters): the record-by-record
    path then."""
    parts = _SMS_SPLIT.split(buf[scan_from:] if scan_from else buf)
    n = len(parts) // 5
    if not n:
        return None
    if scan_from:
        parts[0] = buf[:scan_from] + parts[0]
    raws, dates, times = parts[0:-1:5], parts[2::5], parts[3::5]
    if max(map(len, raws)) > cap or max(map(len, dates)) + 1 + max(map(len, times)) > 256:
        return None
    newlines = list(map(str.count, raws, repeat("\n")))  # headers hold none
    heads = list(map(str.lstrip, raws, repeat("\r\n")))
    starts = list(accumulate(newlines, initial=line))  # the line where each raw text starts
    lines = starts[1:]  # where the next one starts, less the newlines after the head: mostly none
    for k in [k for k, h in enumerate(heads) if "\n" in h]:
        lines[k] -= heads[k].count("\n")
    messages = list(map(str.rstrip, heads))
    for k in [k for k, m in enumerate(messages) if "~" in m or "\r" in m]:
        m = messages[k]
        if "~" in m:
            m = TILDE.sub("\n", m).rstrip()
        messages[k] = m.replace("\r\n", "\n") if "\r" in m else m
    found = severities(messages)
    batch = Batch(messages, parts[1::5], dates, times, found, parts[4::5], [""] * n, lines, [False] * n)
    return batch, parts[-1], starts[-1]


def ccm_batch(buf: str, line: int, cap: int, attr_cap: int) -> tuple[Batch, str, int] | None:
    """The canonical records of buf: (them, the text from the "<![LOG[" after the last one, the line where
    that starts). None when there is none, or text between them, or an attribute holds a newline, or a
    message is over the cap or attr_cap is under what the fast path allows (characters)."""
    parts = _CCM.split(buf)  # head, (time, date, component, type, thread, file, blank, message)..., with
    n = len(parts) // 8  # each message after the attributes that end the one before: the last is the rest
    if not n or attr_cap < _CCM_ATTRS_MAX:
        return None
    lead, _, first = parts[0].partition(_OPEN)
    rest = parts[-1]
    # Each message holds no "]LOG]!><" (it ends at the first), and the head is blank: the records follow
    # one another with nothing between them. A message holding "<![LOG[" reads the same either way.
    used = len(buf) - len(rest)
    if lead.strip() or buf.count(_TERM, 0, used) != n:
        return None
    messages = [first, *parts[8:-1:8]]
    if len(buf) > cap and max(map(len, messages)) > cap:
        return None
    blanks = parts[7::8]
    leads = _newlines([lead, *blanks[:-1]])  # before each record: mostly one
    newlines = leads.copy()  # before each record and in its message
    multiline = list(compress(range(n), map(contains, messages, repeat("\n"))))
    for k in multiline:  # "\r\n" only in a message holding a newline
        newlines[k] += messages[k].count("\n")
        if "\r" in messages[k]:
            messages[k] = messages[k].replace("\r\n", "\n")
    end = _newlines(blanks[-1:])[0]
    if sum(newlines) + end != buf.count("\n", 0, used):  # a newline inside the attributes
        return None
    starts = list(accumulate(newlines, initial=line))
    lines = list(map(add, starts, leads))  # map stops at the last record
    types = parts[4::8]
    found = list(map(_TYPED.get, types, repeat(INFO)))
    typed = [True] * n
    if "" in types:
        for k in [k for k, t in enumerate(types) if not t]:
            found[k], typed[k] = text_severity(messages[k]), False
    times, dates, comps, threads, sources = parts[1::8], parts[2::8], parts[3::8], parts[5::8], parts[6::8]
    batch = Batch(messages, comps, dates, times, found, threads, sources, lines, typed)
    return batch, _OPEN + rest, starts[-1] + end


def _newlines(blanks: list[str | None]) -> list[int]:
    """The newlines of each blank text between records (None: one line end), counted in C but for a few."""
    found = [1] * len(blanks)
    if (empty := blanks.count("")) + blanks.count(None) < len(blanks):  # others: each counted
        return [1 if blank is None else blank.count("\n") for blank in blanks]
    k = -1
    for _ in range(empty):
        k = blanks.index("", k + 1)
        found[k] = 0
    return found
