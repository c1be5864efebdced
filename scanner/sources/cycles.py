"""The usual Cloudusersync cycles of a batch, found as columns: a kind per record, the cycles as spans.

Most of a Cloudusersync.log is cycles of one shape — its start, the users sent to add or failed, the four
counts and the end, one record each, nothing between them. Each record's kind comes from its message
(a log repeats its lines: mostly a dictionary look-up, in C); the cycles are then one regular-expression
pass over one character per record, which gives their records' indexes directly.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate, chain, repeat
from operator import itemgetter, methodcaller, sub
from typing import Any

from scanner.sources.parse.cmfast import Batch
from scanner.sources.parse.cmtime import plain_biases

_NOTIFY = "NotifyAccountAddition - SCCM user to add = "
# The lines of a usual cycle. Each is one that the record-by-record reader (logfacts.UserSyncReader._one)
# reads the same way: the same phrase first (a user or a reason holds no blank, so no other phrase),
# counts of at most 18 digits, no newline.
_LINE = re.compile(
    r"(Starting user (?:delta |full )?sync.*)"
    rf"|({_NOTIFY}\S+)"
    r"|(Failed to (?:add|remove) user [^\s;]+; reason \S*)"
    r"|(Total received users to add from SCCM = \d{1,18}, Total Successfully added users to Cloud = \d{1,18})"
    r"|(Total received users from SCCM to be removed from cloud = \d{1,18})"
    r"|(Successfully removed users from cloud \d{1,18})"
    r"|(UserDeltaSync:- Users Added = \d{1,18}, Users Removed = \d{1,18})"
)
_KIND = "?SNFRVMD"  # by the group of _LINE that matched
_FAILED = re.compile(r"Failed to (add|remove) user ([^\s;]+); reason (\S*)")  # a usual "failed" line
_SENT = len(_NOTIFY)  # where the user of a usual "sent to add" line starts
_USUAL = re.compile(r"(S[NF]*RVMD)")
_PHRASE = re.compile(r"([^.])")
# The reader's literal tests: a record with none of these that is no error or warning changes nothing.
_SYNC_WORDS = ("tarting user", "ailed to", "otifyAccount", "otal received", "from cloud", "DeltaSync")
_KNOWN: dict[str, str] = {}  # the kind of messages seen
_KNOWN_SIZE, _KNOWN_CHARS = 8192, 300

Clock = Callable[[str, str], datetime | None]
Numbered = tuple[list[int], range]  # the records facts come from, in order, and the facts' numbers


def kinds(messages: list[str]) -> str:
    """One character per message: S N F R V M D a line of a usual cycle (start, sent, failed, the three
    counts, done), x another with one of _SYNC_WORDS, "." one with none."""
    found = "".join(map(_KNOWN.get, messages, repeat("?")))
    if "?" not in found:
        return found
    chars, k = list(found), found.find("?")
    while k >= 0:
        chars[k] = _kind(messages[k])
        k = found.find("?", k + 1)
    return "".join(chars)


def _kind(message: str) -> str:
    if m := _LINE.fullmatch(message):
        kind = _KIND[m.lastindex or 0]
    else:
        kind = "x" if any(map(message.__contains__, _SYNC_WORDS)) else "."
    if len(message) <= _KNOWN_CHARS:
        if len(_KNOWN) >= _KNOWN_SIZE:
            _KNOWN.clear()
        _KNOWN[message] = kind
    return kind


def usual(found: str) -> tuple[list[int], list[int]]:
    """The usual cycles in the kinds of a batch's records: their first records, and the records after
    their last ones."""
    return _spans(_USUAL, found)


def outside(found: str, firsts: list[int], ends: list[int]) -> list[int]:
    """The records outside the usual cycles that hold one of _SYNC_WORDS."""
    gaps = map(found.__getitem__, map(slice, [0, *ends], [*firsts, len(found)]))
    blanks = map(".".__mul__, map(sub, ends, firsts))
    rest = "".join(chain.from_iterable(zip(gaps, chain(blanks, [""]), strict=True)))
    return _spans(_PHRASE, rest)[0]


def _spans(pattern: re.Pattern[str], text: str) -> tuple[list[int], list[int]]:
    """Where the matches of a pattern that is one group start and end: from the lengths of the pieces
    of a split (finditer's match object per match wakes the garbage collector, strings do not)."""
    at = list(accumulate(map(len, pattern.split(text)), initial=0))  # a piece between matches, a match...
    return at[1:-1:2], at[2::2]


_EDGES = ("00:00:00", "99:59:59.999999999")  # the first and last plain time of a day


def timed(dates: Sequence[str], times: Sequence[str], clock: Clock) -> bool:
    """Whether clock times every one of these records, found without timing each: every time is plain,
    and the first and last plain time of every date and bias are timed. A clock times the plain times of
    one date and bias in the order of their text, and those between two it times (cmtime.clock_time:
    only the ends of the calendar are out of reach)."""
    biases = plain_biases(times)
    return biases is not None and all(clock(d, t + b) for d in set(dates) for b in biases for t in _EDGES)


@dataclass(slots=True)
class Kept:
    """Facts of the usual cycles of the latest batches (cycles, failures, users added), as columns, by
    number. A reader keeps their numbers in its deques (an int is no work for the garbage collector, a
    tuple per fact is) and makes rows of the few it keeps in the end."""

    keep: int  # how many of the latest numbers may still be asked for
    issued: int = 0
    chunks: deque[tuple[int, str, tuple[list[Any], ...]]] = field(default_factory=deque)  # first, file

    def add(self, file: str, columns: tuple[list[Any], ...]) -> range:
        """Numbers for a batch's facts, a column per field."""
        first, self.issued = self.issued, self.issued + len(columns[0])
        if self.issued > first:
            self.chunks.append((first, file, columns))
        while self.chunks and self.chunks[0][0] + len(self.chunks[0][2][0]) <= self.issued - self.keep:
            self.chunks.popleft()
        return range(first, self.issued)

    def rows(self, kept: Iterable[Any]) -> Iterator[Any]:
        """The file and the fields of each fact kept by number; any other fact as it is."""
        chunks = list(self.chunks)
        starts = [first for first, _, _ in chunks]
        for fact in kept:
            if not isinstance(fact, int):
                yield fact
                continue
            at = bisect_right(starts, fact) - 1
            if at < 0:
                raise KeyError(fact)
            first, file, columns = chunks[at]
            yield (file, *map(itemgetter(fact - first), columns))


def users(
    b: Batch, found: str, file: str, spans: Iterable[tuple[int, int, bool]], failures: Kept, sent: Kept
) -> tuple[Numbered, Numbered]:
    """The users sent to add or failed in a batch's usual cycles (first record, record after the last,
    completed; found: the batch's kinds), read as the record-by-record reader reads them: the failures,
    and the users added (at the end of their cycles), numbered in failures and sent."""
    msgs, dates, times, lines, fullmatch = b.messages, b.dates, b.times, b.lines, _FAILED.fullmatch
    failed: list[int] = []  # the failures' records
    names: list[str] = []  # and their users, actions and reasons
    actions: list[str] = []
    reasons: list[str] = []
    added: list[int] = []  # the records that sent the users added
    closed: list[int] = []  # the records that closed their cycles
    for first, end, completed in spans:
        to_add: dict[str, int] = {}  # the record that last sent each, in the order first sent
        for k in range(first + 1, end - 4):
            if found[k] == "N":
                to_add[msgs[k][_SENT:].lower()] = k
            elif f := fullmatch(msgs[k]):
                to_add.pop(f[2].lower(), None)
                failed.append(k)
                actions.append(f[1])
                names.append(f[2])
                reasons.append(f[3])
        if to_add and completed and int(msgs[end - 4].rpartition(" ")[2]) >= len(to_add):
            added.extend(to_add.values())
            closed.extend(repeat(end - 1, len(to_add)))
    failed_numbers = failures.add(
        file,
        (
            names,
            actions,
            list(map(methodcaller("rstrip", "."), reasons)),
            list(map(dates.__getitem__, failed)),
            list(map(times.__getitem__, failed)),
            list(map(lines.__getitem__, failed)),
        ),
    )
    added_numbers = sent.add(
        file,
        (
            list(map(itemgetter(slice(_SENT, None)), map(msgs.__getitem__, added))),
            list(map(dates.__getitem__, added)),
            list(map(times.__getitem__, added)),
            list(map(lines.__getitem__, added)),
        ),
    )
    return (failed, failed_numbers), (closed, added_numbers)
