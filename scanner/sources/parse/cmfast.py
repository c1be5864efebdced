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
from itertools import accumulate, compress, repeat
from operator import add, contains, is_
from typing import Any, NamedTuple

from scanner.sources.parse.severity import INFO, text_severity

MAX_ATTR_CHARS = 64 << 10  # the attributes of a CCM record (real ones take about 100)

# The fields of an SMS header are bounded and hold no "<": a failed try costs a few hundred
# characters, not a scan to the end of the buffer for every "$$<" (quadratic on hostile input).
SMS = re.compile(r"\$\$<([^<>\n]{0,256})><([^<>\n]{0,256})><thread=(\d{0,32})[^<>\n]{0,256}>")
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


_new = tuple.__new__  # _new(Entry, row): an Entry from a row tuple, without a Python frame


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
        return map(_new, repeat(Entry), zip(*self.columns(), strict=True))

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
    """text_severity of each text; most hold none of the words it looks for, and are information.

    A log repeats its lines: the texts seen before are looked up all at once (`map` over a dict), and
    only the others searched for the words, each distinct text once."""
    known = _KNOWN
    found: list[int | None] = list(map(known.get, texts))
    if None not in found:
        return found  # type: ignore[return-value]
    unknown = list(compress(range(len(found)), map(is_, found, repeat(None))))
    fresh = dict.fromkeys(map(texts.__getitem__, unknown), INFO)
    words = list(fresh)
    for k in containing(words, _SEVERITY_WORDS, lower=True):
        fresh[words[k]] = text_severity(words[k])
    if len(unknown) * 8 < len(texts):
        for k in unknown:
            found[k] = fresh[texts[k]]
    else:
        found = list(map(fresh.get, texts, found))
    if len(fresh) <= _KNOWN_SIZE // 2:  # more new texts than that in one batch: a log that does not repeat
        if len(known) + len(fresh) > _KNOWN_SIZE:
            known.clear()
        known.update(compress(fresh.items(), map(_KNOWN_CHARS.__ge__, map(len, words))))
    return found  # type: ignore[return-value]


# The usual SMS header and the line end after it (or the end of the chunk, a CR before it). The stamp is
# read only when it takes at most 256 characters, split at its first blank as SMS reads it (a date of at
# most 127, a time of at most 128); any other header is not taken.
_USUAL = (
    r"\$\$<({a}{{0,256}})><({d}{{0,127}})(?: |(?=>))({a}{{0,128}})><thread=({n}{{0,32}}){a}{{0,256}}>"
    r"(?:\r?\n|\r?\Z)"
)
_SMS_USUAL = re.compile(_USUAL.format(a=r"[^<>\n]", d=r"[^<>\n ]", n=r"\d"))
# The same for ASCII text (str.isascii costs nothing): [^<>\n] spelt as the characters it takes, which sre
# tests in one table look-up instead of three steps, and [0-9] for \d, no Unicode look-up: 19% fewer
# instructions in the split.
_SMS_ASCII = re.compile(
    _USUAL.format(a=r"[\x00-\t\x0b-;=?-\x7f]", d=r"[\x00-\t\x0b-\x1f!-;=?-\x7f]", n="[0-9]")
)


def sms_split(text: str) -> list[str]:
    """text cut by the usual headers: the text before the first, then each header's component, date,
    time and thread and the text after it (from its line end)."""
    return (_SMS_ASCII if text.isascii() else _SMS_USUAL).split(text)


def _holding(joined: str, texts: list[str], chars: str) -> list[int]:
    """The indexes, in order, of the texts that hold one of the chars; always the first. joined: the texts
    concatenated. str.find between them, a Python step per text found only."""
    found = dict.fromkeys([0])
    ends: list[int] = []
    find = joined.find
    for ch in chars:
        at = find(ch)
        if at >= 0 and not ends:
            ends = list(accumulate(map(len, texts)))
        while at >= 0:
            k = bisect_right(ends, at)
            found[k] = None
            at = find(ch, ends[k])
    return sorted(found)


def sms_batch(buf: str, scan_from: int, line: int, cap: int) -> tuple[Batch, str, int] | None:
    """The records of buf whose header is in it: (them, the text after the last header, the line where
    that text starts). None when there is none, one is over the cap (characters), or a header is not of
    the usual shape (its stamp past the expression's bounds, not at the end of its line): the
    record-by-record path then.

    Each header takes the line end after it, so the text between two headers is the message with its
    trailing blanks; the few holding a line end, a CR or a tilde (str.find over the texts joined) are
    read one by one as the record-by-record path reads them, and the lines count one per record."""
    parts = sms_split(buf[scan_from:] if scan_from else buf)
    n = len(parts) // 5
    if not n:
        return None
    if scan_from:
        parts[0] = buf[:scan_from] + parts[0]
    raws, rest = parts[0:-1:5], parts[-1]
    joined = "".join(raws)
    if ("$" in joined and "$$<" in joined) or ("$$<" in rest and SMS.search(rest)):
        return None  # a header the fast expression did not take
    # The record-by-record path caps a text with the line end before it (up to two characters).
    if len(joined) > cap - 2 and max(map(len, raws)) > cap - 2:
        return None
    messages = list(map(str.rstrip, raws))
    steps: list[int] | None = None  # newlines from the start of each text to the start of the next
    leads: list[tuple[int, int]] = []
    for k in _holding(joined, raws, "\n\r~"):
        raw = raws[k]
        msg = raw.lstrip("\r\n")
        if newlines := raw.count("\n"):
            steps = steps or [1] * n
            steps[k] += newlines
            if len(msg) < len(raw):
                leads.append((k, raw.count("\n", 0, len(raw) - len(msg))))
        messages[k] = sms_text(msg.rstrip())
    lines = list(accumulate(steps, initial=line)) if steps else list(range(line, line + n + 1))
    end = lines.pop() - 1  # the line of the last header
    for k, lead in leads:
        lines[k] += lead
    found = severities(messages)
    comps, dates, times, threads = parts[1::5], parts[2::5], parts[3::5], parts[4::5]
    batch = Batch(messages, comps, dates, times, found, threads, [""] * n, lines, [False] * n)
    # The rest as the record-by-record path leaves it: from the last header's line end.
    used = len(buf) - len(rest)
    eol = 0 if buf[used - 1] == ">" else 1 + (buf[used - 2] == "\r")
    return batch, buf[used - eol :] if eol else rest, end


def sms_text(msg: str) -> str:
    """A server-format message as read, from its text between headers without the blanks around it:
    the tilde continuations as line ends, CRLF as LF."""
    if "~" in msg:
        msg = TILDE.sub("\n", msg).rstrip()
    return msg.replace("\r\n", "\n") if "\r" in msg else msg


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
