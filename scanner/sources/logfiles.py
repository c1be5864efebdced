"""Turn configured log paths (files, folders, globs, UNC paths) into ordered logical logs."""

from __future__ import annotations

import glob
import re
from dataclasses import dataclass, field
from pathlib import Path

LOG_SUFFIXES = (".log", ".lo_")
_GLOB_CHARS = re.compile(r"[*?\[]")
# "Sitecomp.log", "Sitecomp.lo_" (the previous file after rollover) and history copies
# such as "Sitecomp-20261124-101500.log" are one logical log, read oldest first.
_NAME = re.compile(r"^(?P<base>.+?)(?P<stamp>-\d{8}-\d{6})?\.(?P<ext>log|lo_)$", re.I)


@dataclass(slots=True)
class LogicalLog:
    """One log: its folder and name. Same-named logs in different folders are different logs."""

    name: str  # display name, e.g. "Cloudusersync.log"
    files: list[Path] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.name.lower()

    @property
    def path(self) -> Path:
        """The folder and the name: what tells this log from a namesake in another folder."""
        return self.files[0].parent / self.name


@dataclass(slots=True)
class Resolution:
    logs: list[LogicalLog]
    missing: list[str]  # "<path>: <why>" for configured paths that yielded no file


def resolve(paths: list[str] | tuple[str, ...], base: Path | None = None) -> Resolution:
    found: dict[Path, None] = {}
    missing: list[str] = []
    for raw in paths:
        files, problem = _expand(raw, base)
        if problem:
            missing.append(f"{raw}: {problem}")
        for f in files:
            found.setdefault(f, None)
    return Resolution(logs=group(list(found)), missing=missing)


def _expand(raw: str, base: Path | None) -> tuple[list[Path], str]:
    path = Path(raw).expanduser()
    if base is not None and not path.is_absolute() and not raw.startswith(("\\\\", "//")):
        path = base / path
    if _GLOB_CHARS.search(raw):
        # "**" is any depth of folders; a folder the pattern names is read like a configured folder.
        hits = sorted(Path(p) for p in glob.glob(str(path), recursive=True))
        try:
            files = [f for p in hits for f in ([p] if p.is_file() else _folder(p) if p.is_dir() else [])]
        except OSError as exc:
            return [], f"cannot read ({exc.strerror or exc})"
        return files, "" if files else "no file matches this pattern"
    try:
        if path.is_dir():
            files = _folder(path)
            return files, "" if files else "folder holds no .log or .lo_ files"
        if path.is_file():
            return [path], ""
    except OSError as exc:
        return [], f"cannot read ({exc.strerror or exc})"
    return [], "no such file or folder"


def _folder(path: Path) -> list[Path]:
    return sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in LOG_SUFFIXES)


def group(files: list[Path]) -> list[LogicalLog]:
    """Group rollover siblings; within a group order history copies, then .lo_, then .log."""
    groups: dict[tuple[Path, str], LogicalLog] = {}
    order: dict[Path, tuple[int, str]] = {}
    for f in files:
        m = _NAME.match(f.name)
        base, rank = (m["base"], _rank(m["stamp"], m["ext"])) if m else (f.name, (3, ""))
        name = f"{base}.log" if m else f.name
        key = (f.parent, name.lower())
        groups.setdefault(key, LogicalLog(name=name)).files.append(f)
        order[f] = rank
    for log in groups.values():
        log.files.sort(key=lambda p: order[p])
        # Prefer the live file's spelling for the display name.
        live = [p for p in log.files if p.suffix.lower() == ".log" and order[p][0] == 2]
        if live:
            log.name = live[0].name
    return sorted(groups.values(), key=lambda g: (g.key, str(g.files[0].parent)))


def _rank(stamp: str | None, ext: str) -> tuple[int, str]:
    if stamp:
        return (0, stamp)
    return (1, "") if ext.lower() == "lo_" else (2, "")
