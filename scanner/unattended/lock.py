"""A lock file, so two overlapping scheduled runs never share a history folder (Windows and POSIX)."""

from __future__ import annotations

import json
import os
import secrets
import socket
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType

from scanner.errors import PreflightError

STALE_AFTER = 2 * 3600.0  # seconds; every scan is bounded by its timeouts, so an older lock is left over
POLL = 0.2
BREAK_STALE_AFTER = 30.0  # seconds; a takeover takes milliseconds, so an older marker is left over


class LockBusy(PreflightError):
    """Another run holds the lock past the wait; the message names it."""


class RunLock:
    """Created with O_EXCL (atomic on NTFS, SMB and POSIX file systems); removed on exit.

    Each lock carries a random token. A run removes only a lock holding its own token, and a stale
    lock is taken over only by the one run that creates the `.break` marker (O_EXCL again) and
    finds the very lock it judged stale still there, so racing runs never delete a fresh lock.
    """

    def __init__(self, path: Path, wait: float) -> None:
        self.path = path
        self.wait = wait
        self.took_over = ""  # the stale lock this run replaced, for the log
        self.token = secrets.token_hex(16)

    def __enter__(self) -> RunLock:
        deadline = time.monotonic() + self.wait
        while True:
            denied: PermissionError | None = None
            try:
                if self._create():
                    return self
            except PermissionError as exc:  # Windows: a lock file being deleted, or a read-only folder
                denied = exc
            holder = _read(self.path)
            if denied is None and (why := _stale(holder, self.path)) and _break(self.path, holder):
                self.took_over = why
                continue
            if time.monotonic() >= deadline:
                if denied is not None:
                    raise denied
                raise LockBusy(
                    f"{self.path}: another mdm-preflight run ({_describe(holder)}) is using this history "
                    f"folder; waited {self.wait:g} s"
                )
            time.sleep(POLL)

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        if _read(self.path).get("token") == self.token:  # never a lock that another run took over
            _remove(self.path)  # if a waiter holds it open that long, the next run finds our PID ended

    def _create(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        info = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": datetime.now(UTC).isoformat(),
            "token": self.token,
        }
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(info, fh)
        return True


def _break(path: Path, judged: dict[str, object]) -> bool:
    """Remove the stale lock `judged` — only it, and only one racer at a time."""
    marker = path.with_name(path.name + ".break")
    try:
        fd = os.open(marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        try:
            if time.time() - marker.stat().st_mtime > BREAK_STALE_AFTER:
                _remove(marker)  # left by a run that died mid-takeover
        except FileNotFoundError:
            pass
        return False
    except PermissionError:
        return False
    os.close(fd)
    try:
        # Another racer may have broken the lock and created its own since we read it: only the
        # lock we judged, byte for byte, is removed. A damaged one (read as {}) is judged by age.
        return _read(path) == judged and bool(_stale(judged, path)) and _remove(path)
    finally:
        _remove(marker)


def _remove(path: Path, tries: int = 10) -> bool:
    """Windows refuses to delete a file another process has open (a waiter reading it): retry briefly."""
    for _ in range(tries):
        try:
            path.unlink(missing_ok=True)
            return True
        except PermissionError:
            time.sleep(POLL / 2)
    return False


def _read(path: Path) -> dict[str, object]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # being written right now, or damaged: age decides
    return data if isinstance(data, dict) else {}


def _stale(holder: dict[str, object], path: Path) -> str:
    """Why the lock is left over from a run that is gone ('' while it may be alive)."""
    try:
        age = time.time() - path.stat().st_mtime
    except FileNotFoundError:
        return "vanished"
    pid = holder.get("pid")
    if holder.get("host") == socket.gethostname() and isinstance(pid, int) and not _alive(pid):
        return f"process {pid} has ended"
    if age > STALE_AFTER:
        return f"lock is {age / 3600:.1f} h old"
    return ""


def _describe(holder: dict[str, object]) -> str:
    parts = [f"{k} {holder[k]}" for k in ("pid", "host", "started") if k in holder]
    return ", ".join(parts) or "unknown"


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":
        return _alive_windows(pid)
    try:
        os.kill(pid, 0)  # signal 0 only asks; on Windows os.kill would terminate, hence the branch
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process
    return True


def _alive_windows(pid: int) -> bool:
    import ctypes
    from ctypes import wintypes

    if sys.platform != "win32":  # narrows for the type checker; never reached elsewhere
        return True
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
    if not handle:
        return ctypes.get_last_error() == 5  # access denied: it exists
    try:
        code = wintypes.DWORD()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == 259  # STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)
