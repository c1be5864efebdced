"""Writing the report files of a result: each complete or absent, one failure never stops the others."""

from __future__ import annotations

from pathlib import Path

from reports import format_of
from scanner.files import ReportWriteError, report_folder, write_atomic
from scanner.model import ScanResult


def write_reports(result: ScanResult, formats: list[str], outdir: Path) -> list[Path]:
    """Each file is complete or absent; unknown names are refused before anything is written. A file
    that cannot be written (a folder that is a file, no permission, a CSV open in Excel on Windows)
    does not stop the others: ReportWriteError lists it after they are written."""
    chosen = [format_of(f) for f in dict.fromkeys(formats)]
    report_folder(outdir)
    written: list[Path] = []
    problems: list[str] = []
    for f in chosen:
        try:
            written.append(write_atomic(outdir / f.filename, f.render(result)))
        except OSError as exc:  # WriteError: one line naming the file
            problems.append(str(exc))
    if problems:
        raise ReportWriteError(written, problems)
    return written
