"""Facts read out of Cloudusersync.log and Sitecomp.log: sync cycles, user failures, installs.

These extractors only record what the log says; the checks decide what is healthy.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import compress
from typing import Any

from scanner.evidence.logs import ComponentEvent, SyncCycle, SyncFacts, UserAdded, UserFailure
from scanner.sources.parse.cmfast import containing
from scanner.sources.parse.cmlog import ERROR, WARNING, Entry

KEEP_CYCLES = 2000  # about a week of five-minute cycles
KEEP_EVENTS = 5000
Clock = Callable[[], datetime | None]  # the entry's time, computed only when a fact needs it
Fields = dict[str, Any]  # a fact's fields, its time a Clock until it is made


_START = re.compile(r"Starting user (?:delta |full )?sync", re.I)
# A count is at most 18 digits: int() of thousands (a damaged log) raises, and none is a real count.
_N = r"(\d{1,18})(?!\d)"
_RECEIVED = re.compile(
    rf"Total received users to add from SCCM = {_N}, Total Successfully added users to Cloud = {_N}", re.I
)
_TO_REMOVE = re.compile(rf"Total received users from SCCM to be removed from cloud = {_N}", re.I)
_REMOVED = re.compile(rf"Successfully removed users from cloud {_N}", re.I)
_DONE = re.compile(rf"UserDeltaSync:-\s*Users Added = {_N}, Users Removed = {_N}", re.I)
# "Failed to add user <user>; reason <reason>": the head, then the first "; reason " after it. One
# expression with a lazy user part rescanned the message from every "Failed to add user" (quadratic).
_FAILED_USER = re.compile(r"Failed to (add|remove) user ", re.I)
_REASON = re.compile(r"; reason ", re.I)
_TO_ADD = re.compile(r"NotifyAccountAddition - SCCM user to add = ", re.I)
# The literal tests of feed: a record with none of these that is no error or warning changes nothing.
_SYNC_WORDS = ("tarting user", "ailed to", "otifyAccount", "otal received", "from cloud", "DeltaSync")
_SITECOMP_WORDS = ("omponent", "STATMSG", "nstallation")


@dataclass(slots=True)
class UserSyncReader:
    """Follows Cloudusersync.log cycle by cycle.

    A log holds tens of thousands of cycles and keeps the most recent: what is kept is held as the fields
    of its fact, with the entry's clock for its time, and made a fact (timed) only in facts()."""

    cycles: deque[Fields] = field(default_factory=lambda: deque(maxlen=KEEP_CYCLES))  # of SyncCycle
    failures: deque[Fields] = field(default_factory=lambda: deque(maxlen=KEEP_EVENTS))  # of UserFailure
    added: deque[Fields] = field(default_factory=lambda: deque(maxlen=KEEP_EVENTS))  # of UserAdded
    cycles_seen: int = 0
    last_completed: datetime | None = None
    _open: Fields | None = None  # the open cycle's, its start a clock
    _to_add: dict[str, Fields] = field(default_factory=dict)  # sent to add in the open cycle, not failed

    def wanted(self, messages: list[str], severities: list[int]) -> list[int]:
        """The indexes of the records feed may learn from, in order (the others it would ignore)."""
        found = containing(messages, _SYNC_WORDS)
        found.update(compress(range(len(severities)), map(WARNING.__le__, severities)))
        return sorted(found)

    def feed(self, e: Entry, clock: Clock, file: str) -> None:
        msg = e.message
        if "user" not in msg and "User" not in msg:  # every line this reader wants names users
            self._problem(e)
            return
        # Literal tests first: case-insensitive regexes cost microseconds, and this runs per entry.
        if "tarting user" in msg and _START.search(msg):
            self._close()
            self._open = {"file": file, "line": e.line, "started": clock}
            return
        if "ailed to" in msg and (m := _FAILED_USER.search(msg)) and (r := _REASON.search(msg, m.end() + 1)):
            user, reason = msg[m.end() : r.start()].strip(), msg[r.end() :].strip().rstrip(".")
            self._to_add.pop(user.lower(), None)
            action = m[1].lower()
            self.failures.append(
                {
                    "user": user,
                    "action": action,
                    "reason": reason,
                    "time": clock,
                    "file": file,
                    "line": e.line,
                }
            )
            return
        if self._open is None:
            return
        if "otifyAccount" in msg and (m := _TO_ADD.search(msg)):
            user = msg[m.end() :].strip()
            self._to_add[user.lower()] = {"user": user, "time": clock, "file": file, "line": e.line}
        elif "otal received" in msg and (m := _RECEIVED.search(msg)):
            self._open.update(received=int(m[1]), added=int(m[2]))
        elif "otal received" in msg and (m := _TO_REMOVE.search(msg)):
            self._open["to_remove"] = int(m[1])
        elif "from cloud" in msg and (m := _REMOVED.search(msg)):
            self._open["removed"] = int(m[1])
        elif "DeltaSync" in msg and _DONE.search(msg):
            self._open["completed"] = clock() or self._open["started"]()
            self._close()
        else:
            self._problem(e)

    def _problem(self, e: Entry) -> None:
        """An error or warning inside a cycle: what ended a cycle that never completed."""
        cycle = self._open
        if e.severity < WARNING or cycle is None:
            return
        if e.severity == ERROR:
            cycle["errors"] = cycle.get("errors", 0) + 1
            cycle["last_error"] = e.message[:300]
        elif "last_error" not in cycle:  # a warning says what went wrong when no error does
            cycle["last_error"] = e.message[:300]

    def facts(self) -> SyncFacts:
        self._close()
        return SyncFacts(
            cycles=tuple(SyncCycle(**{**c, "started": c["started"]()}) for c in self.cycles),
            cycles_seen=self.cycles_seen,
            last_completed=self.last_completed,
            failures=tuple(UserFailure(**{**f, "time": f["time"]()}) for f in self.failures),
            added=tuple(UserAdded(**{**a, "time": a["time"]()}) for a in self.added),
        )

    def _close(self) -> None:
        cycle = self._open
        if cycle is not None:
            self.cycles.append(cycle)
            self.cycles_seen += 1
            done = cycle.get("completed")
            if done and (self.last_completed is None or done > self.last_completed):
                self.last_completed = done
            # Users sent to add with no failure in a completed cycle were added, when the counts agree.
            if done and cycle.get("added", len(self._to_add)) >= len(self._to_add):
                self.added.extend(self._to_add.values())
            self._to_add = {}
            self._open = None


_FLAGGED = re.compile(r"Component (\S+?) flagged for installation", re.I)
_INSTALLING = re.compile(r"Installing component (\S+?)(?:\.\.\.|\.|\s|$)", re.I)
_STATMSG = re.compile(rf"STATMSG: ID={_N} SEV=(\w)")
_COMP = re.compile(r'\bCOMP="([^"]*)"')  # the component the status message is about; ISTR0 names the server
_FAILED_INSTALL = re.compile(r"Failed to install component (\S+?)[:.,\s]", re.I)
_RETRY = re.compile(r"Installation failed and will be retried", re.I)
_INSTALLED_OK = 1015  # "Site Component Manager successfully installed this component"


@dataclass(slots=True)
class SiteCompReader:
    """Follows component installation in Sitecomp.log."""

    events: deque[ComponentEvent] = field(default_factory=lambda: deque(maxlen=KEEP_EVENTS))
    _current: str = ""  # component of the latest "Installing component" line

    def wanted(self, messages: list[str], severities: list[int]) -> list[int]:
        """The indexes of the records feed may learn from, in order (the others it would ignore)."""
        return sorted(containing(messages, _SITECOMP_WORDS))

    def feed(self, e: Entry, clock: Clock, file: str) -> None:
        msg = e.message
        if "omponent" not in msg and "STATMSG" not in msg and "nstallation" not in msg:
            return  # every line this reader wants says one of these
        action, comp = self._classify(msg)
        if action:
            comp = comp or self._current
            if action == "installing":
                self._current = comp
            if comp:
                self.events.append(
                    ComponentEvent(
                        component=comp.upper(),
                        action=action,
                        time=clock(),
                        file=file,
                        line=e.line,
                        message=msg[:300],
                    )
                )

    def _classify(self, msg: str) -> tuple[str, str]:
        if m := _FLAGGED.search(msg):
            return "flagged", m[1]
        if m := _INSTALLING.search(msg):
            return "installing", m[1]
        if m := _FAILED_INSTALL.search(msg + " "):
            return "failed", m[1]
        if _RETRY.search(msg):
            return "failed", ""
        if "STATMSG" in msg and (m := _STATMSG.search(msg)):
            found = _COMP.search(msg)
            comp = found[1].strip() if found else ""
            if int(m[1]) == _INSTALLED_OK:
                return "installed", comp
            if m[2].upper() == "E" and comp:
                return "failed", comp
        return "", ""
