"""Run history and its lock, through the command line as a scheduled task drives them."""

from __future__ import annotations

import itertools
import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from scanner.cli import app
from scanner.unattended.lock import LockBusy, RunLock
from scanner.unattended.run import history
from tests.conftest import SAMPLES
from tests.reports.conftest import T0, failed, scan

REPO = Path(__file__).resolve().parents[2]


def cli(*args: str | Path) -> Result:
    return CliRunner().invoke(app, [str(a) for a in args])


def config(tmp_path: Path, logs: Path = SAMPLES / "broken", extra: str = "") -> Path:
    path = tmp_path / f"{logs.name}.toml"
    path.write_text(
        f"[site]\ncompany = 'Contoso'\n[logs]\npaths = ['{logs}']\n"
        "[checks.'logs.cloudusersync_stale']\nrelative_to = 'newest'\n" + extra,
        encoding="utf-8",
    )
    return path


def run_scan(cfg: Path, out: Path, *extra: str | Path) -> Result:
    return cli("scan", "-c", cfg, "-o", out, "-f", "json,md", *extra)


def test_save_keeps_the_newest_n_with_windows_safe_names(tmp_path: Path) -> None:
    folder = tmp_path / "h"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    saved = []
    for i in range(5):
        result = replace(scan(failed("upn.x")), started=T0 + timedelta(hours=i))
        saved.append(history.save(folder, result, keep=3)[0])
    same_second = history.save(folder, replace(scan(), started=T0 + timedelta(hours=4)), keep=3)[0]
    names = [p.name for p in history.runs(folder)]
    assert names == [saved[3].name, saved[4].name, same_second.name]
    assert same_second.name == "result-20261125T220000Z-2.json"
    assert all(":" not in n for n in names)
    assert (folder / "notes.txt").exists()  # only our own files are pruned
    assert history.previous(folder).path == same_second


def test_history_compares_with_the_previous_run_and_prunes(tmp_path: Path) -> None:
    hist = tmp_path / "hist"
    broken = config(tmp_path, extra=f"[history]\ndir = '{hist}'\nkeep = 2\n")
    first = run_scan(broken, tmp_path / "o1")
    assert first.exit_code == 1 and "Since" not in first.stdout
    # Second run over the healthy logs: the broken logs' findings are resolved.
    healthy = config(tmp_path, SAMPLES / "healthy", f"[history]\ndir = '{hist}'\nkeep = 2\n")
    second = run_scan(healthy, tmp_path / "o2")
    assert second.exit_code == 0, second.output
    assert re.search(r"Since result-\S+\.json .*: \d+ resolved", second.stdout), second.stdout
    changes = json.loads((tmp_path / "o2" / "result.json").read_text(encoding="utf-8"))["changes"]
    before = json.loads((tmp_path / "o1" / "result.json").read_text(encoding="utf-8"))
    opened = {f["fingerprint"] for x in before["results"] for f in x["findings"] if not f["accepted"]}
    opened -= {f["fingerprint"] for x in before["results"] for f in x["findings"] if f["severity"] == "info"}
    assert {f["fingerprint"] for f in changes["resolved"]} == opened and changes["new"] == []
    assert "## What changed since the last run" in (tmp_path / "o2" / "report.md").read_text(encoding="utf-8")
    third = run_scan(broken, tmp_path / "o3", "--keep", "1")  # the command line wins over [history] keep
    assert third.exit_code == 1
    assert len(history.runs(hist)) == 1
    changes = json.loads((tmp_path / "o3" / "result.json").read_text(encoding="utf-8"))["changes"]
    assert {f["fingerprint"] for f in changes["new"]} == opened


def test_a_corrupt_previous_result_is_one_warning_and_the_run_goes_on(tmp_path: Path) -> None:
    hist = tmp_path / "hist"
    cfg = config(tmp_path)
    assert run_scan(cfg, tmp_path / "o1", "--history", hist).exit_code == 1
    [prev] = history.runs(hist)
    prev.write_text('{"schema_version": 1, "results": [', encoding="utf-8")  # cut off mid-write
    r = run_scan(cfg, tmp_path / "o2", "--history", hist)
    assert r.exit_code == 1, r.output
    warnings = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(warnings) == 1 and warnings[0].startswith("mdm-preflight: warning: previous result unusable")
    assert prev.name in warnings[0]
    assert json.loads((tmp_path / "o2" / "result.json").read_text(encoding="utf-8"))["changes"] is None
    assert len(history.runs(hist)) == 2  # this run is kept; the next one compares with it
    again = run_scan(cfg, tmp_path / "o3", "--history", hist)
    assert again.exit_code == 1 and again.stderr.strip() == "" and "Since" in again.stdout


def test_a_given_baseline_that_cannot_be_read_stops_before_scanning(tmp_path: Path) -> None:
    bad = tmp_path / "old.json"
    bad.write_text("not json", encoding="utf-8")
    r = run_scan(config(tmp_path), tmp_path / "out", "--baseline", bad)
    assert r.exit_code == 2 and "old.json" in r.stderr and not (tmp_path / "out").exists()


def test_baseline_compares_with_a_given_result(tmp_path: Path) -> None:
    assert run_scan(config(tmp_path, SAMPLES / "healthy"), tmp_path / "o1").exit_code == 0
    r = run_scan(config(tmp_path), tmp_path / "o2", "--baseline", tmp_path / "o1" / "result.json")
    assert r.exit_code == 1 and "Since result.json" in r.stdout
    changes = json.loads((tmp_path / "o2" / "result.json").read_text(encoding="utf-8"))["changes"]
    assert changes["baseline"] == "result.json" and changes["new"] and not changes["resolved"]


def hold_lock(folder: Path, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the history lock for `seconds`; returns once it holds it."""
    code = (
        "import sys, time; from pathlib import Path; from scanner.unattended.lock import RunLock\n"
        f"with RunLock(Path({str(folder / history.LOCK_NAME)!r}), 0):\n"
        f"    print('held', flush=True); time.sleep({seconds})\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_run_waits_then_fails_with_exit_5(tmp_path: Path) -> None:
    hist = tmp_path / "hist"
    cfg = config(tmp_path, extra=f"[history]\ndir = '{hist}'\nlock_wait = 1\n")
    holder = hold_lock(hist, 30)
    try:
        t0 = time.monotonic()
        r = run_scan(cfg, tmp_path / "out", "--log-file", tmp_path / "run.log")
        took = time.monotonic() - t0
    finally:
        holder.kill()
        holder.wait()
    assert r.exit_code == 5, r.output
    assert 1 <= took < 5
    [line] = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert "another mdm-preflight run" in line and f"pid {holder.pid}" in line and "nothing scanned" in line
    assert not (tmp_path / "out").exists() and history.runs(hist) == []
    assert "another mdm-preflight run" in (tmp_path / "run.log").read_text(encoding="utf-8")


def test_a_second_run_waits_for_the_first_to_finish(tmp_path: Path) -> None:
    hist = tmp_path / "hist"
    cfg = config(tmp_path, extra=f"[history]\ndir = '{hist}'\nlock_wait = 20\n")
    holder = hold_lock(hist, 1.5)
    t0 = time.monotonic()
    r = run_scan(cfg, tmp_path / "out")
    took = time.monotonic() - t0
    holder.wait()
    assert r.exit_code == 1, r.output
    assert took >= 1.0 and len(history.runs(hist)) == 1
    assert not (hist / history.LOCK_NAME).exists()


def test_a_lock_left_by_an_ended_process_is_taken_over(tmp_path: Path) -> None:
    hist = tmp_path / "hist"
    hist.mkdir()
    lock = {"pid": dead_pid(), "host": socket.gethostname(), "started": "2026-11-26T01:00:00+00:00"}
    (hist / history.LOCK_NAME).write_text(json.dumps(lock), encoding="utf-8")
    r = run_scan(config(tmp_path), tmp_path / "out", "--history", hist)
    assert r.exit_code == 1, r.output
    assert "took it over" in r.stderr and f"process {lock['pid']} has ended" in r.stderr
    assert len(history.runs(hist)) == 1 and not (hist / history.LOCK_NAME).exists()


def test_an_old_lock_from_another_host_is_stale_a_fresh_one_is_not(tmp_path: Path) -> None:
    path = tmp_path / history.LOCK_NAME
    path.write_text(json.dumps({"pid": 1, "host": "other-host.contoso.com"}), encoding="utf-8")
    with pytest.raises(LockBusy, match=re.escape("other-host.contoso.com")):
        RunLock(path, wait=0.3).__enter__()
    old = time.time() - 3 * 3600
    os.utime(path, (old, old))
    with RunLock(path, wait=0) as lock:
        assert "h old" in lock.took_over
        assert json.loads(path.read_text(encoding="utf-8"))["pid"] == os.getpid()
    assert not path.exists()


def dead_pid() -> int:
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(gone.stdout)


def test_runs_racing_for_a_stale_lock_never_hold_it_together(tmp_path: Path) -> None:
    # Six runs start at the same instant and all find the lock of an ended process. Each must
    # hold the lock alone: taking a stale lock over must not delete a lock a racer just created.
    path = tmp_path / history.LOCK_NAME
    stale = {"pid": dead_pid(), "host": socket.gethostname(), "started": "2026-11-26T01:00:00+00:00"}
    path.write_text(json.dumps(stale), encoding="utf-8")
    start = time.time() + 1.5
    code = (
        "import sys, time; from pathlib import Path; from scanner.unattended.lock import RunLock\n"
        f"time.sleep(max(0, {start} - time.time()))\n"
        f"with RunLock(Path({str(path)!r}), 30):\n"
        "    t0 = time.time(); time.sleep(0.15); print(t0, time.time(), flush=True)\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code], cwd=REPO, stdout=subprocess.PIPE, text=True)
        for _ in range(6)
    ]
    spans = sorted(tuple(map(float, p.communicate(timeout=60)[0].split())) for p in procs)
    assert len(spans) == 6 and all(p.returncode == 0 for p in procs)
    overlaps = [(a, b) for a, b in itertools.pairwise(spans) if b[0] < a[1]]
    assert not overlaps, f"two runs held the lock at once: {overlaps}"
    assert not path.exists()


def test_a_run_never_removes_a_lock_that_is_not_its_own(tmp_path: Path) -> None:
    # Taken over while this run was slow (say, suspended past STALE_AFTER): the new holder's
    # lock stays when this run ends.
    path = tmp_path / history.LOCK_NAME
    with RunLock(path, wait=0):
        other = {
            "pid": dead_pid() + 1,
            "host": "other-host.contoso.com",
            "started": "2026-11-27T00:00:00+00:00",
        }
        path.write_text(json.dumps(other), encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == other


def test_a_history_folder_that_cannot_be_created_is_one_line(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    r = run_scan(config(tmp_path), tmp_path / "out", "--history", blocker / "hist")
    assert r.exit_code == 2 and "history folder" in r.stderr and "Traceback" not in r.output
