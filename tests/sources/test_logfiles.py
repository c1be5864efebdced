"""Configured log paths: files, folders, globs; rollover siblings read oldest first."""

from __future__ import annotations

from pathlib import Path

from scanner.sources.logfiles import resolve


def touch(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        (folder / n).write_text("x")


def test_lo_underscore_is_read_before_log_and_history_first(tmp_path: Path) -> None:
    touch(tmp_path, "Sitecomp.log", "sitecomp.lo_", "Sitecomp-20261124-101500.log", "notes.txt")
    [log] = resolve([str(tmp_path)]).logs
    assert log.name == "Sitecomp.log"
    assert [p.name for p in log.files] == ["Sitecomp-20261124-101500.log", "sitecomp.lo_", "Sitecomp.log"]


def test_files_globs_and_folders_mix_without_duplicates(tmp_path: Path) -> None:
    touch(tmp_path / "a", "Cloudusersync.log", "Cloudusersync.lo_", "dmpuploader.log")
    res = resolve(
        [str(tmp_path / "a" / "Cloud*"), str(tmp_path / "a"), str(tmp_path / "a" / "dmpuploader.log")]
    )
    assert [(g.name, len(g.files)) for g in res.logs] == [("Cloudusersync.log", 2), ("dmpuploader.log", 1)]
    assert res.missing == []


def test_missing_inputs_are_reported_not_fatal(tmp_path: Path) -> None:
    touch(tmp_path / "empty")
    res = resolve([str(tmp_path / "nope.log"), str(tmp_path / "*.log"), str(tmp_path / "empty")])
    assert res.logs == []
    assert [m.split(": ", 1)[1] for m in res.missing] == [
        "no such file or folder",
        "no file matches this pattern",
        "folder holds no .log or .lo_ files",
    ]


def test_relative_paths_resolve_against_the_base(tmp_path: Path) -> None:
    touch(tmp_path / "logs", "Sitecomp.log")
    assert [g.name for g in resolve(["logs"], base=tmp_path).logs] == ["Sitecomp.log"]


def test_unc_style_paths_are_not_joined_to_the_base(tmp_path: Path) -> None:
    res = resolve(["\\\\cm01\\SMS_EC1\\Logs"], base=tmp_path)
    assert res.missing and res.missing[0].startswith("\\\\cm01\\SMS_EC1\\Logs: ")


def test_double_star_reads_every_depth_and_a_pattern_naming_folders_reads_them(tmp_path: Path) -> None:
    touch(tmp_path / "cm01" / "Logs", "Sitecomp.log")
    touch(tmp_path / "cm02" / "Logs", "Sitecomp.log", "Sitecomp.lo_")
    touch(tmp_path / "cm02" / "Logs" / "old" / "2026", "dmpdownloader.log")
    deep = resolve([str(tmp_path / "**" / "*.lo*")])
    assert sorted(str(f.relative_to(tmp_path)) for g in deep.logs for f in g.files) == [
        "cm01/Logs/Sitecomp.log",
        "cm02/Logs/Sitecomp.lo_",
        "cm02/Logs/Sitecomp.log",
        "cm02/Logs/old/2026/dmpdownloader.log",
    ]
    folders = resolve([str(tmp_path / "cm0*" / "Logs")])
    assert [(g.name, len(g.files), g.path.parent.parent.name) for g in folders.logs] == [
        ("Sitecomp.log", 1, "cm01"),
        ("Sitecomp.log", 2, "cm02"),
    ]
    assert resolve([str(tmp_path / "**" / "*.txt")]).missing == [
        f"{tmp_path / '**' / '*.txt'}: no file matches this pattern"
    ]
