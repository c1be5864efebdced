"""Atomic file writes: a report is either complete on disk or not there at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from scanner.errors import PreflightError


class WriteError(PreflightError, OSError):
    """A file could not be written; its text is one line naming the file, why, and what to do."""

    def __str__(self) -> str:
        return str(self.args[0])


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write to a temporary file beside `path`, then rename it over `path`. Raises WriteError."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as exc:
        raise WriteError(cannot_write(path, exc)) from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise WriteError(cannot_write(path, exc)) from None
        raise
    return path


class ReportWriteError(PreflightError):
    """Some report files could not be written; the others were. One line per file that failed."""

    def __init__(self, written: list[Path], problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.written = written
        self.problems = problems


def cannot_write(path: Path, exc: OSError) -> str:
    """One line: which file, why, and what to do."""
    if isinstance(exc, FileExistsError | NotADirectoryError):  # mkdir or mkstemp met a file
        where = next((p for p in path.parents if p.exists()), path.parent)  # the file in the way
        return f"cannot write {path}: {where} is a file, not a folder; choose another folder with -o"
    return (
        f"cannot write {path}: {exc.strerror or exc}; close it if another program has it open "
        "(Excel locks CSV files), or choose another folder with -o"
    )


def report_folder(path: Path) -> Path:
    """The output folder, created if needed; one line when it cannot be (a file in the way, no rights)."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportWriteError(
            [],
            [f"cannot create the report folder {path}: {exc.strerror or exc}; choose another folder with -o"],
        ) from None
    return path


def check_report_folder(path: Path) -> None:
    """Before a scan: will `path` hold reports? Creates nothing (a run that stops early leaves no folder)."""
    probe = path
    while not probe.exists() and probe.parent != probe:
        probe = probe.parent
    problem = ""
    if not probe.is_dir():
        problem = f"{probe} is not a folder"
    elif not os.access(probe, os.W_OK):
        problem = f"{probe} is not writable"
    if problem:
        raise ReportWriteError(
            [], [f"cannot create the report folder {path}: {problem}; choose another folder with -o"]
        )


def read_text(
    path: Path, error: type[PreflightError], kind: str, *, hint: str = "", encoding: str = "utf-8"
) -> str:
    """A text file the user named, or `error` with one line: missing (with `hint`), unreadable, not text."""
    try:
        return path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise error(f"{path}: no such {kind} file{f' ({hint})' if hint else ''}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise error(f"{path}: not UTF-8 text; save the {kind} file as UTF-8") from None
