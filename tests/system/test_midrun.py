"""The fault matrix, part two: faults *during* a run (test_faults.py has the connection-time ones).

Each case breaks something after the run has started talking to it — a server that dies after the
first page, a body cut short, a log rotated under the reader, the scheduler's stop, a full disk — and
checks what an admin relies on: the run ends within its bound, says what happened in plain words,
never judges half the data, keeps every other source's results and leaves no half-written file.
The outcomes are recorded in bench/README.md ("Faults in the middle of a run").
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from scanner.store import load_result
from scanner.unattended.history import LOCK_NAME, runs
from tests.conftest import SAMPLES
from tests.system.test_faults import REPORTS  # what a complete run writes

MIDRUN: dict[tuple[str, str], str] = {}  # (area, fault) -> outcome, for bench/README.md
ENV = {**os.environ, "PYTHONPATH": str(SAMPLES.parent)}


def scanner(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "scanner", *(str(a) for a in args)]


def assert_whole_or_absent(folder: Path) -> list[str]:
    """Every report in `folder` is complete; none half-written; returns the names present."""
    import xml.etree.ElementTree as ET

    if not folder.exists():
        return []
    names = sorted(p.name for p in folder.iterdir())
    assert not [n for n in names if n.endswith(".tmp")], names  # no temporary file left behind
    for name in names:
        path = folder / name
        if name.endswith(".json"):
            json.loads(path.read_text(encoding="utf-8"))
        elif name == "report.html":
            assert path.read_text(encoding="utf-8").rstrip().endswith("</html>")
        elif name.endswith(".xml"):
            ET.parse(path)
        elif name.endswith((".md", ".csv")):
            assert path.read_text(encoding="utf-8-sig").endswith("\n"), name
    return names


# --- the run itself: a stop from the scheduler ------------------------------------------------------


def _silent_listener() -> socket.socket:
    """A server that takes the connection and never says a word: the run waits inside a source."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(64)
    return s


def _wait_for(condition: object, what: str, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():  # type: ignore[operator]
        assert time.monotonic() < deadline, f"never {what}"
        time.sleep(0.01)


def _sleeping(pid: int) -> bool:
    """The run's main thread is in a timed sleep (the lock wait polls with time.sleep)."""
    try:
        return "nanosleep" in Path(f"/proc/{pid}/wchan").read_text(encoding="ascii")
    except OSError:
        return False


STOP_PHASES = ("collecting", "waiting-for-the-lock")


@pytest.mark.skipif(not hasattr(signal, "SIGTERM") or sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("phase", STOP_PHASES)
def test_sigterm_ends_the_run_within_2_s_with_143_a_line_the_lock_released_no_half_file(
    tmp_path: Path, phase: str
) -> None:
    """systemd's stop, `kill` and a scheduler's "stop the task" send SIGTERM: the run ends at once
    with 143 (128 + 15), says so in one line and in its log, and leaves the history folder usable."""
    history, out, log = tmp_path / "history", tmp_path / "out", tmp_path / "logs" / "scan.log"
    with _silent_listener() as silent:
        cfg = tmp_path / "c.toml"
        cfg.write_text(
            f"[scan]\ntimeout = 30\n[adfs]\nurl = 'https://sts.contoso.test:{silent.getsockname()[1]}'\n"
            "resolve = { 'sts.contoso.test' = '127.0.0.1' }\n"
            f"[logs]\npaths = ['{SAMPLES / 'healthy'}']\n[history]\nlock_wait = 60\n"
            "[tenant]\nlookup = false\n",
            encoding="utf-8",
        )
        args = scanner("scan", "-c", cfg, "--history", history, "--log-file", log, "-o")
        holder = None
        if phase == "waiting-for-the-lock":  # another run holds the folder; this one waits for it
            first = [*args, str(tmp_path / "first")]
            holder = subprocess.Popen(first, env=ENV, stderr=subprocess.DEVNULL)
            silent.settimeout(30)
            silent.accept()[0].close()
            assert (history / LOCK_NAME).exists()
        proc = subprocess.Popen(
            [*args, str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV, text=True
        )
        try:
            if holder is None:
                silent.settimeout(30)
                silent.accept()[0].close()  # the scan is collecting: it reached the server
            else:
                _wait_for(lambda: _sleeping(proc.pid), "waited for the lock")
            t0 = time.monotonic()
            proc.send_signal(signal.SIGTERM)
            _, errors = proc.communicate(timeout=20)
            took = time.monotonic() - t0
        finally:
            proc.kill()
            if holder is not None:
                holder.kill()
                holder.wait()
    assert proc.returncode == 143, errors
    assert took < 2.0, f"{took:.2f} s"
    assert errors.strip().splitlines()[-1] == (
        "mdm-preflight: stopped by SIGTERM; files already written are complete, the others were not written"
    )
    assert "Traceback" not in errors
    assert "stopped by SIGTERM" in log.read_text(encoding="utf-8")
    if holder is None:
        assert not (history / LOCK_NAME).exists()  # released: the next night's run does not wait
    else:
        assert (history / LOCK_NAME).exists()  # the other run's lock is not ours to remove
    assert_whole_or_absent(out)
    MIDRUN["run", f"SIGTERM while {phase.replace('-', ' ')}"] = f"{took:.2f} s, exit 143"


# --- the run itself: a full disk --------------------------------------------------------------------


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs of its own (root only), unmounted afterwards whatever happened."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root on Linux")
    mnt = tmp_path / "disk"
    mnt.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m,mode=755", "tmpfs", str(mnt)], check=True)
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(disk: Path, leave: int) -> None:
    """Fill the disk so that only `leave` bytes (whole pages) remain free."""
    st = os.statvfs(disk)
    free = st.f_bavail * st.f_frsize
    filler = disk / "filler.bin"
    with filler.open("wb") as fh:
        fh.truncate(0)
        fh.write(b"\0" * max(0, free - leave))
    assert os.statvfs(disk).f_bavail * st.f_frsize <= leave + st.f_frsize


DISK_CASES = {  # what is on the small disk, and how many bytes it has left when the run starts
    "reports": ("out", "html"),
    "reports-history-and-log": ("out history log", "html"),
    "everything-and-no-byte-left": ("out history log", "none"),
}


@pytest.mark.parametrize("case", list(DISK_CASES))
def test_a_full_disk_names_each_file_writes_what_fits_and_keeps_the_history_whole(
    tmp_path: Path, small_disk: Path, case: str
) -> None:
    """ENOSPC while the run writes: one line per file that did not fit, naming it and the cause; the
    others are written whole; the history's earlier results load as before and no lock is left."""
    demo = SAMPLES / "demo.toml"
    sizes = tmp_path / "sizes"
    subprocess.run(scanner("scan", "-c", demo, "-o", sizes, "-q"), env=ENV, check=False, capture_output=True)
    html = (sizes / "report.html").stat().st_size
    there, room = DISK_CASES[case]
    history = (small_disk if "history" in there else tmp_path) / "history"
    history.mkdir()
    earlier = history / "result-20261201T020000Z.json"
    shutil.copy(sizes / "result.json", earlier)
    log = (small_disk if "log" in there else tmp_path) / "logs" / "scan.log"
    out = small_disk / "out"
    # Room for the lock, the log, report.html and its trend section, not for result.json (70 KB and more).
    fill(small_disk, leave=(html // 4096 + 12) * 4096 if room == "html" else 0)  # + the trend, lock, log
    r = subprocess.run(
        scanner("scan", "-c", demo, "-o", out, "-q", "--history", history, "--log-file", log),
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and "Logging error" not in r.stderr, r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert load_result(earlier).results  # the history is as it was: the earlier result loads
    assert not (history / LOCK_NAME).exists() and not list(history.glob(".*"))
    present = assert_whole_or_absent(out)
    missing = [n for n in (*REPORTS, "evidence.json") if n not in present]
    if room == "none":  # nothing can be recorded: nothing is scanned, and the line says why
        assert lines[-1].startswith(f"mdm-preflight: error: history folder {history}: the disk is full")
        assert runs(history) == [earlier] and not present
        return
    assert "report.html" in present and "result.json" in missing, present
    for name in missing:
        [line] = [ln for ln in lines if f"cannot write {out / name}:" in ln]
        assert "the disk is full" in line and "free space" in line and "Excel" not in line, line
    if "history" in there:
        assert runs(history) == [earlier]
        assert [ln for ln in lines if "could not save the result" in ln and "disk is full" in ln], lines
    MIDRUN["run", f"disk full ({case.replace('-', ' ')})"] = f"exit 2, {len(missing)} files named"


# --- scanning in-process: one real scan per case ---------------------------------------------------


def scan_in_process(folder: Path, cfg: str, *args: str) -> tuple[int, float, dict[str, dict[str, Any]], str]:
    """A whole scan through the CLI: (exit code, seconds, results by check id, stderr)."""
    from typer.testing import CliRunner

    from scanner.cli import app

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scan.toml").write_text(cfg, encoding="utf-8")
    t0 = time.monotonic()
    r = CliRunner().invoke(
        app, ["scan", "-c", str(folder / "scan.toml"), "-o", str(folder / "out"), "-q", *args]
    )
    took = time.monotonic() - t0
    assert r.exception is None or isinstance(r.exception, SystemExit), r.exception
    present = assert_whole_or_absent(folder / "out")
    assert set(REPORTS) <= set(present), present
    data = json.loads((folder / "out" / "result.json").read_text(encoding="utf-8"))
    return r.exit_code, took, {x["check"]["id"]: x for x in data["results"]}, r.stderr


def needs(check_id: str) -> tuple[str, ...]:
    from scanner.registry import discover

    return discover(plugins=False).specs[check_id].info.needs


def assert_no_verdict(results: dict[str, dict[str, Any]], source: str, words: str) -> None:
    """Every check that reads `source` is an error saying `words`; the logs' checks ran as usual."""
    judged = [cid for cid, r in results.items() if source in needs(cid)]
    assert judged
    for cid in judged:
        if results[cid]["status"] == "skipped":  # it also needs a source this scan has not configured
            assert "no [" in results[cid]["reason"] and source not in results[cid]["reason"]
            continue
        assert results[cid]["status"] == "error", (cid, results[cid]["status"], results[cid]["reason"])
        assert words in results[cid]["reason"], (cid, results[cid]["reason"])
    others = [r for cid, r in results.items() if needs(cid) == ("logs",)]
    assert others and all(r["status"] in ("pass", "fail") for r in others)


HEALTHY_LOGS = f"[logs]\npaths = ['{SAMPLES / 'healthy'}']\n" + (
    '[checks."logs.cloudusersync_stale"]\nrelative_to = "newest"\n'
    "[tenant]\nlookup = false\n"  # no question to Microsoft's sign-in service: loopback only
)
TIMEOUT = 3


# --- Active Directory: the connection lost between pages --------------------------------------------


@pytest.mark.parametrize("how", ["reset", "silent"])
def test_directory_lost_between_pages_is_an_error_naming_how_many_users_never_a_verdict(
    tmp_path: Path, samba_lab: Any, how: str
) -> None:
    """A paged user search (5 per page) through a relay that resets the connection, or goes silent,
    before the second page: no check judges the first five users as if they were the directory."""
    from tests.lab.cutter import Relay, after_first_page, tls_server_context

    tls = samba_lab.root / "private" / "tls-test"
    relay = Relay(
        upstream=(samba_lab.host, samba_lab.ldaps_port),
        cut=after_first_page(),
        how=how,
        server_ctx=tls_server_context(str(tls / "cert.pem"), str(tls / "key.pem")),
        upstream_ctx=ssl.create_default_context(cafile=str(samba_lab.ca_file)),
        upstream_name=samba_lab.tls_name,
    )
    try:
        cfg = (
            f"[scan]\ntimeout = {TIMEOUT}\n[directory]\nurl = 'ldaps://127.0.0.1:{relay.port}'\n"
            f"user = '{samba_lab.reader_upn}'\npassword_env = 'MDMP_MIDRUN_LDAP_PW'\n"
            f"ca_file = '{samba_lab.ca_file}'\npage_size = 5\n" + HEALTHY_LOGS
        )
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("MDMP_MIDRUN_LDAP_PW", samba_lab.reader_password)
            code, took, results, _ = scan_in_process(tmp_path, cfg)
    finally:
        relay.close()
    assert relay.cuts == 1
    assert_no_verdict(results, "directory", "the connection was lost after 5 users (")
    if how == "silent":
        assert "no answer within the timeout" in results["upn.duplicate"]["reason"]
    assert code == 3 and took < TIMEOUT + 2, (code, took)
    MIDRUN["directory", f"{how} after the first page"] = f"{took:.1f} s, exit {code}"


# --- the site database: the connection or the query ends while rows are fetched ---------------------

SQL_USERS, SQL_STALL_AT = 30_000, 25_000  # the detail query stalls at this row, past the first batch


@pytest.fixture(scope="module")
def stalling_database(postgres_lab: Any) -> Iterator[str]:
    """cm_flt: the site database's view, except that reading Unique_User_Name0 (the per-user query reads
    it on every row, the documented query not at all) stalls at row SQL_STALL_AT, as a server under a
    lock or dying does."""
    from tests.lab.postgres import SQL_DIR

    with postgres_lab.admin_connect("postgres") as cn:
        cn.execute("DROP DATABASE IF EXISTS cm_flt WITH (FORCE)")
        cn.execute("CREATE DATABASE cm_flt")
        cn.execute(f"GRANT CONNECT ON DATABASE cm_flt TO {postgres_lab.reader_user}")
    first = 2063597569  # dbo.user_disc's first ResourceID
    with postgres_lab.admin_connect("cm_flt") as cn:
        cn.execute((SQL_DIR / "shim.sql").read_text(encoding="utf-8"))
        cn.execute((SQL_DIR / "schema.sql").read_text(encoding="utf-8"))
        cn.execute(
            "CREATE FUNCTION dbo.stall(v public.citext, id integer) RETURNS public.citext LANGUAGE plpgsql "
            f"STABLE AS $$ BEGIN IF id >= {first + SQL_STALL_AT - 1} THEN PERFORM pg_sleep(600); END IF; "
            "RETURN v; END $$"
        )
        cn.execute(
            "CREATE OR REPLACE VIEW dbo.v_r_user AS SELECT resourceid, 4 AS resourcetype, user_name0, "
            "dbo.stall(unique_user_name0, resourceid) AS unique_user_name0, user_principal_name0, "
            "full_user_name0, mail0, windows_nt_domain0 FROM dbo.user_disc"
        )
        cn.execute(
            "INSERT INTO dbo.user_disc (user_name0, unique_user_name0, user_principal_name0) "
            f"SELECT 'user' || i, 'CORP\\user' || i, 'user' || i || '@contoso.com' "
            f"FROM generate_series(1, {SQL_USERS}) AS i"
        )
        cn.execute(f"GRANT USAGE ON SCHEMA dbo TO {postgres_lab.reader_user}")
        cn.execute(f"GRANT SELECT ON ALL TABLES IN SCHEMA dbo TO {postgres_lab.reader_user}")
    yield "cm_flt"
    with postgres_lab.admin_connect("postgres") as cn:
        cn.execute("DROP DATABASE IF EXISTS cm_flt WITH (FORCE)")


def _stalled_backends(postgres_lab: Any) -> list[int]:
    with postgres_lab.admin_connect("postgres") as cn:
        rows = cn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = 'cm_flt' AND wait_event = 'PgSleep'"
        ).fetchall()
    return [int(r[0]) for r in rows]


@pytest.mark.parametrize("fault", ["backend-terminated", "statement-timeout"])
def test_site_database_lost_mid_fetch_is_an_error_naming_how_many_users_never_a_verdict(
    tmp_path: Path, postgres_lab: Any, stalling_database: str, fault: str
) -> None:
    """The per-user query streams (psqlODBC with UseDeclareFetch, as SQL Server's drivers do); at row
    25,000 the server stalls, then its backend is terminated (pg_terminate_backend) or its statement
    timeout cancels the query. The upn checks must not judge the 20,000 users read so far."""
    import threading

    conn = postgres_lab.connection_string(stalling_database) + ";UseDeclareFetch=1;Fetch=1000"
    cfg = (
        f"[scan]\ntimeout = {TIMEOUT}\n[site]\ncode = 'FLT'\nverified_domains = ['contoso.com']\n"
        f"[sql]\nconnection_string = '{conn}'\nuser = '{postgres_lab.reader_user}'\n"
        "password_env = 'MDMP_MIDRUN_SQL_PW'\n" + HEALTHY_LOGS
    )
    killed: list[int] = []
    stop = threading.Event()

    def terminate_when_stalled() -> None:
        while not stop.is_set() and not killed:
            for pid in _stalled_backends(postgres_lab):
                with postgres_lab.admin_connect("postgres") as cn:
                    cn.execute("SELECT pg_terminate_backend(?)", pid)
                killed.append(pid)
            time.sleep(0.05)

    with postgres_lab.admin_connect("postgres") as cn:
        limit = "'1s'" if fault == "statement-timeout" else "DEFAULT"
        cn.execute(
            f"ALTER ROLE {postgres_lab.reader_user} IN DATABASE cm_flt SET statement_timeout = {limit}"
        )
    worker = threading.Thread(target=terminate_when_stalled, daemon=True)
    if fault == "backend-terminated":
        worker.start()
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("MDMP_MIDRUN_SQL_PW", postgres_lab.reader_password)
            code, took, results, _ = scan_in_process(tmp_path, cfg)
    finally:
        stop.set()
        with postgres_lab.admin_connect("postgres") as cn:
            cn.execute(f"ALTER ROLE {postgres_lab.reader_user} IN DATABASE cm_flt RESET statement_timeout")
            cn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'cm_flt'")
    assert bool(killed) == (fault == "backend-terminated")
    cause = (
        "the server ended the session" if killed else "the server cancelled the query: its statement timeout"
    )
    assert_no_verdict(results, "sql", f"the answer stopped after 20,000 users ({cause}")
    assert code == 3 and took < TIMEOUT + 3, (code, took)
    MIDRUN["sql", fault.replace("-", " ") + " mid-fetch"] = f"{took:.1f} s, exit {code}"


# --- AD FS over HTTPS: the answer breaks off -------------------------------------------------------


class BrokenHttps:
    """An HTTPS server (certificate from the web lab's CA) that breaks every answer the same way:
    half the body then silence, half the body then a closed connection, or a reset right after the
    TLS handshake."""

    def __init__(self, web: Any, how: str, body: bytes) -> None:
        import threading

        self.how, self.body, self.held = how, body, []
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        web.cert("sts.contoso.test").configure_cert(self.ctx)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.done = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import threading

        self.listener.settimeout(0.05)
        while not self.done.is_set():
            try:
                raw, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._answer, args=(raw,), daemon=True).start()

    def _answer(self, raw: socket.socket) -> None:
        import struct

        try:
            raw.settimeout(10)
            conn = self.ctx.wrap_socket(raw, server_side=True)
            self.held.append(conn)
            if self.how == "reset-after-handshake":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                conn.close()
                return
            conn.recv(65536)  # the request
            head = f"HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {len(self.body)}\r\n\r\n"
            conn.sendall(head.encode() + self.body[: len(self.body) // 2])
            if self.how == "closed-mid-body":
                conn.close()
        except OSError:
            pass

    def close(self) -> None:
        self.done.set()
        self.listener.close()
        for c in self.held:
            with contextlib.suppress(OSError):
                c.close()


HTTP_CUTS = {  # fault -> (check id -> status), the words its reason or finding holds
    "silent-mid-body": (
        {"adfs.metadata": "error", "adfs.reachable": "pass"},
        f"nothing more within {TIMEOUT} s",
    ),
    "closed-mid-body": (
        {"adfs.metadata": "error", "adfs.reachable": "pass"},
        "the server closed the connection",
    ),
    "reset-after-handshake": (
        {"adfs.metadata": "fail", "adfs.reachable": "fail"},
        "closed or reset without an answer",
    ),
}


@pytest.mark.parametrize("fault", list(HTTP_CUTS))
def test_adfs_answer_cut_short_is_said_in_words_never_judged_as_bad_metadata(
    tmp_path: Path, web_lab: Any, fault: str
) -> None:
    """Federation metadata whose body stops halfway is not "unusable metadata" (a verdict on the
    server's content): it was not read, and the checks that need it say so. A server that resets
    every request after the handshake does not answer over HTTPS: that is the reachable check's
    finding."""
    from tests.lab.web import Route, federation_metadata, signing_cert

    meta = federation_metadata([signing_cert("ADFS Signing", days=300)])
    probe = web_lab.serve({"/adfs/probe": Route()})
    server = BrokenHttps(web_lab, fault, meta)
    cfg = (
        f"[scan]\ntimeout = {TIMEOUT}\n[adfs]\nurl = 'https://sts.contoso.test:{server.port}'\n"
        f"ca_file = '{web_lab.ca_file}'\nresolve = {{ 'sts.contoso.test' = '127.0.0.1' }}\n"
        f"probe_url = 'http://127.0.0.1:{probe.port}/adfs/probe'\n" + HEALTHY_LOGS
    )
    try:
        code, took, results, _ = scan_in_process(tmp_path, cfg)
    finally:
        server.close()
    expected, words = HTTP_CUTS[fault]
    for cid, status in expected.items():
        r = results[cid]
        said = r["reason"] + " ".join(f["message"] for f in r["findings"])
        assert r["status"] == status, (cid, r["status"], said)
        assert status == "pass" or words in said, (cid, said)
    if expected["adfs.metadata"] == "error":
        assert f"of {len(meta):,} bytes" in results["adfs.metadata"]["reason"]
        assert results["adfs.token_signing_expiry"]["status"] == "error"
    others = [r for cid, r in results.items() if needs(cid) == ("logs",)]
    assert others and all(r["status"] in ("pass", "fail") for r in others)
    assert took < TIMEOUT + 2.5, took
    MIDRUN["adfs", fault.replace("-", " ")] = f"{took:.1f} s, exit {code}"


# --- DNS: a TCP answer cut short; a server that dies between the two rounds of questions ------------


class BrokenDns:
    """A DNS server on 127.0.0.1 (UDP and TCP, one port). tcp-cut: every UDP answer is truncated (TC),
    and the TCP answer the resolver then asks for stops halfway. dies-later: answers like the public
    DNS lab behind it until the first question about `late`, then never again (the first round of
    questions, about the domains the configuration names, is whole; the second, about the UPN
    suffixes the site database reported, gets nothing)."""

    def __init__(self, how: str, upstream: tuple[str, int], late: str = "", on_drop: Any = None) -> None:
        import threading

        self.how, self.upstream, self.late, self.dead = how, upstream, late, False
        self.on_drop, self.asked = on_drop, set()  # lossy: the first try of each question is lost
        for _ in range(50):  # one port number free for both UDP and TCP
            self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            self.udp.bind(("127.0.0.1", 0))
            self.port = self.udp.getsockname()[1]
            try:
                self.tcp = socket.create_server(("127.0.0.1", self.port))
                break
            except OSError:  # taken for TCP (another test's connection): try another
                self.udp.close()
        else:
            raise RuntimeError("no port free for both UDP and TCP on 127.0.0.1")
        self.done = threading.Event()
        for target in (self._serve_udp, self._serve_tcp):
            threading.Thread(target=target, daemon=True).start()

    def _answer(self, query: bytes) -> bytes:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(5)
            s.sendto(query, self.upstream)
            return s.recv(65535)

    def _serve_udp(self) -> None:
        import dns.flags
        import dns.message

        self.udp.settimeout(0.05)
        while not self.done.is_set():
            try:
                query, client = self.udp.recvfrom(65535)
            except (TimeoutError, OSError):
                continue
            if self.how == "tcp-cut":
                reply = dns.message.make_response(dns.message.from_wire(query))
                reply.flags |= dns.flags.TC
                self.udp.sendto(reply.to_wire(), client)
                continue
            question = dns.message.from_wire(query).question[0]
            name = str(question.name).rstrip(".").lower()
            if self.how == "lossy":
                if (name, question.rdtype) not in self.asked:  # lost on the way; the retry gets through
                    self.asked.add((name, question.rdtype))
                    if self.on_drop is not None:
                        self.on_drop()
                    continue
                self.udp.sendto(self._answer(query), client)
                continue
            self.dead = self.dead or name == self.late or name.endswith("." + self.late)
            if not self.dead:
                self.udp.sendto(self._answer(query), client)

    def _serve_tcp(self) -> None:
        self.tcp.settimeout(0.05)
        while not self.done.is_set():
            try:
                conn, _ = self.tcp.accept()
            except (TimeoutError, OSError):
                continue
            with conn, contextlib.suppress(OSError):
                conn.settimeout(5)
                size = int.from_bytes(conn.recv(2), "big")
                whole = self._answer(conn.recv(size))
                conn.sendall(len(whole).to_bytes(2, "big") + whole[: len(whole) // 2])  # then closed

    def close(self) -> None:
        self.done.set()
        self.udp.close()
        self.tcp.close()


@pytest.mark.parametrize("fault", ["tcp-cut", "dies-later"])
def test_dns_answers_cut_or_stopping_midway_are_said_never_read_as_missing_records(
    tmp_path: Path, dns_public: Any, fault: str
) -> None:
    """No DNS answer that was cut short or never came is read as "the record is missing"."""
    users = tmp_path / "v_R_User.csv"
    users.write_text(
        "User_Name0,Unique_User_Name0,User_Principal_Name0\n"
        + "".join(f"u{i},CORP\\u{i},u{i}@fabrikam.com\n" for i in range(3)),
        encoding="utf-8",
    )
    server = BrokenDns(fault, (dns_public.host, dns_public.port), late="fabrikam.com")
    cfg = (
        f"[scan]\ntimeout = {TIMEOUT}\n[site]\nverified_domains = ['contoso.com']\n"
        f"[dns]\nnameservers = ['127.0.0.1:{server.port}']\n[sql]\ncsv = '{users}'\n" + HEALTHY_LOGS
    )
    try:
        code, took, results, _ = scan_in_process(tmp_path, cfg)
    finally:
        server.close()
    dns_checks = {cid: r for cid, r in results.items() if needs(cid) == ("dns",)}
    assert dns_checks
    if fault == "tcp-cut":  # nothing usable came back: the source failed, in words
        assert_no_verdict(results, "dns", "the answer over TCP (the UDP answer was truncated) was cut off")
        assert code == 1  # the site database's users on an unverified domain: its findings stand
    else:
        assert server.dead
        late = [f for r in dns_checks.values() for f in r["findings"] if "fabrikam.com" in f["target"]]
        assert late and all("could not be checked: TIMEOUT" in f["message"] for f in late), late
        early = results["dns.domain_resolves"]
        assert early["status"] == "pass" or "contoso.com" not in json.dumps(early["findings"])
    assert took < 2 * TIMEOUT + 2.5, took
    MIDRUN["dns", fault.replace("-", " ")] = f"{took:.1f} s, exit {code}"


# --- ConfigMgr logs: rotated, truncated or gone while they are read --------------------------------


def when_reading(path: Path, action: Any, past: int = 1 << 17) -> list[int]:
    """Run `action` once this process has read `path` past `past` bytes and still has it open: the
    parser is in the middle of it (Linux: /proc/self/fdinfo). Returns [position] once it fired."""
    import re
    import threading

    fired: list[int] = []

    def watch() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not fired:
            for fd in os.listdir("/proc/self/fd"):
                try:
                    if os.readlink(f"/proc/self/fd/{fd}") != str(path):
                        continue
                    info = Path(f"/proc/self/fdinfo/{fd}").read_text(encoding="ascii")
                except OSError:
                    continue
                if (pos := int(re.search(r"pos:\s*(\d+)", info)[1])) > past:  # type: ignore[index]
                    action()
                    fired.append(pos)
                    return
            time.sleep(0.001)

    threading.Thread(target=watch, daemon=True).start()
    return fired


def _big(text: str, size: int = 8 << 20) -> str:
    """The healthy log's records repeated to `size`: long enough to be caught in the middle."""
    return text * (size // len(text) + 1)


LOG_FAULTS = ("rotated", "truncated", "share-gone")


@pytest.mark.skipif(not Path("/proc/self/fdinfo").is_dir(), reason="watches the reader through /proc")
@pytest.mark.parametrize("fault", LOG_FAULTS)
def test_a_log_that_changes_while_read_is_read_again_or_not_judged(tmp_path: Path, fault: str) -> None:
    """ConfigMgr renames X.log to X.lo_ at its size limit and starts a new X.log; a log can be emptied;
    a share can go away. A read that overlapped the change never becomes a verdict on a mix of two
    states: the log is read again as it is now, or its checks say it was not read whole."""
    logs = tmp_path / "logs"
    shutil.copytree(SAMPLES / "healthy", logs)
    healthy = (SAMPLES / "healthy" / "Cloudusersync.log").read_text(encoding="utf-8")
    live, previous = logs / "Cloudusersync.log", logs / "Cloudusersync.lo_"
    broken = (SAMPLES / "broken" / "Cloudusersync.log").read_text(encoding="utf-8")
    previous.write_text(broken, encoding="utf-8")  # an older file with failures in it
    if fault == "share-gone":
        previous.write_text(_big(broken), encoding="utf-8")
        watched = previous
    else:
        live.write_text(_big(healthy), encoding="utf-8")
        watched = live
    newer = healthy[: healthy.index("\n", len(healthy) // 2) + 1]  # what the new file holds after the change

    def change() -> None:
        if fault == "rotated":
            os.replace(live, previous)
            live.write_text(newer, encoding="utf-8")
        elif fault == "truncated":
            with live.open("r+", encoding="utf-8") as fh:
                fh.truncate(0)
                fh.write(newer)
        else:
            shutil.rmtree(logs)

    cfg = f"[scan]\ntimeout = {TIMEOUT}\n[logs]\npaths = ['{logs}']\n[tenant]\nlookup = false\n" + (
        '[checks."logs.cloudusersync_stale"]\nrelative_to = "newest"\n'
    )
    size = watched.stat().st_size
    fired = when_reading(watched, change)
    code, took, results, _ = scan_in_process(tmp_path / "during", cfg)
    assert fired and fired[0] < size, f"the change came mid-read: {fired} of {size} bytes"
    sync = {cid: r for cid, r in results.items() if cid.startswith("logs.cloudusersync")}
    if fault == "share-gone":
        for cid, r in sync.items():
            assert r["status"] == "error", (cid, r["status"], r["reason"])
            assert "not read" in r["reason"] or "logs source failed" in r["reason"], r["reason"]
    else:  # exactly what a scan of the files as they are now says
        _, _, after, _ = scan_in_process(tmp_path / "after", cfg)
        for cid, r in sync.items():
            seen = (r["status"], r["examined"], [f["fingerprint"] for f in r["findings"]])
            now = (
                after[cid]["status"],
                after[cid]["examined"],
                [f["fingerprint"] for f in after[cid]["findings"]],
            )
            assert seen == now, cid
    assert took < 30, took
    MIDRUN["logs", fault.replace("-", " ") + " while read"] = f"{took:.1f} s, exit {code}"


# --- the clock: stepped while the run waits ---------------------------------------------------------


def step_clock(offset: Path, seconds: int) -> None:
    """A step of the clock 0.2 s from now, while the questions wait for their answers (a step landing
    between dnspython's reading of the clock and its wait would stretch that one wait: see
    bench/README.md); the new offset replaces the old at once, never an empty file between."""
    import threading

    def now() -> None:
        fresh = offset.with_name(f".{offset.name}.{threading.get_ident()}")  # each timer its own
        fresh.write_text(f"{seconds}\n", encoding="ascii")
        os.replace(fresh, offset)

    threading.Timer(0.2, now).start()


@pytest.mark.parametrize("step", [86400, -7200], ids=["a-day-forward", "two-hours-back"])
def test_a_clock_stepped_during_the_run_changes_no_result_and_no_duration(
    tmp_path: Path, dns_public: Any, clockjump: Path, step: int
) -> None:
    """The wall clock is stepped (an NTP correction) while DNS questions wait for their second try on a
    lossy link: every question is still answered within the timeout, measured on the monotonic clock,
    and the run's duration in the reports is the real one, not minus two hours or a day."""
    offset = tmp_path / "offset"
    outcomes = {}
    for name, jump in (("steady", 0), ("stepped", step)):
        offset.write_text("0\n", encoding="ascii")
        server = BrokenDns(
            "lossy", (dns_public.host, dns_public.port), on_drop=lambda j=jump: step_clock(offset, j)
        )
        cfg = tmp_path / f"{name}.toml"
        cfg.write_text(
            f"[scan]\ntimeout = {TIMEOUT}\n[site]\nverified_domains = ['contoso.com']\n"
            f"[dns]\nnameservers = ['127.0.0.1:{server.port}']\n" + HEALTHY_LOGS,
            encoding="utf-8",
        )
        env = {**ENV, "LD_PRELOAD": str(clockjump), "MDMP_CLOCK_OFFSET_FILE": str(offset)}
        t0 = time.monotonic()
        try:
            r = subprocess.run(
                scanner("scan", "-c", cfg, "-o", tmp_path / name, "-q"),
                env=env,
                capture_output=True,
                timeout=60,
            )
        finally:
            server.close()
        took = time.monotonic() - t0
        data = json.loads((tmp_path / name / "result.json").read_text(encoding="utf-8"))
        outcomes[name] = {
            x["check"]["id"]: (x["status"], [f["fingerprint"] for f in x["findings"]])
            for x in data["results"]
            if x["check"]["area"] == "dns"
        }
        assert r.returncode in (0, 1), r.stderr
        from datetime import datetime

        lasted = (
            datetime.fromisoformat(data["finished"]) - datetime.fromisoformat(data["started"])
        ).total_seconds()
        assert 0 <= lasted <= took, (name, lasted, took)
        suite = (tmp_path / name / "junit.xml").read_text(encoding="utf-8")
        assert 'time="-' not in suite
        assert took < 2 * TIMEOUT + 3, (name, took)
    assert sum(s == "pass" for s, _ in outcomes["steady"].values()) >= 4  # answered, on the retry
    assert "TIMEOUT" not in json.dumps(outcomes["stepped"])
    assert outcomes["stepped"] == outcomes["steady"]
    MIDRUN["clock", f"stepped {step:+d} s during a DNS retry"] = f"{took:.1f} s, exit {r.returncode}"


def test_zz_print_the_midrun_matrix() -> None:
    """The mid-run matrix as it ran (shown with -s; recorded in bench/README.md)."""
    print("\n| area | fault in the middle | outcome |\n|---|---|---|")
    for (area, fault), outcome in MIDRUN.items():
        print(f"| {area} | {fault} | {outcome} |")
