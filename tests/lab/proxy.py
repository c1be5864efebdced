"""A real HTTP CONNECT proxy on 127.0.0.1 for the endpoints source: Debian's tinyproxy.

tinyproxy (Debian package tinyproxy-bin: the binary without the system service; tested with 1.11.1)
runs in the foreground (``-d``) from a generated config in a temp folder, on a free port, listening
on and allowing only 127.0.0.1. Started as root it runs as ``nobody`` (it never needs a privilege).
Options make it behave like the proxies customers have:

* ``user`` / ``password``: Basic authentication (letters, digits, ``-._`` only: tinyproxy's grammar);
  without credentials every request gets 407, with wrong ones 401 (tinyproxy's quirk);
* ``connect_ports``: the only ports CONNECT may reach; another port gets 403 "Access violation";
* ``allow_hosts``: an allow-list of host names (regular expressions); any other host gets 403 "Filtered".

tinyproxy resolves the target names itself (the system resolver): use names it resolves to 127.0.0.1,
such as ``localhost``. Its log (stdout) records every request line, so tests can prove the scanner
went through it.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

HOST = "127.0.0.1"


class LabUnavailable(RuntimeError):
    """tinyproxy is not installed; the message (one line) names the package."""


def find_tinyproxy() -> str:
    found = shutil.which("tinyproxy") or next(
        (p for p in ("/usr/bin/tinyproxy", "/usr/sbin/tinyproxy") if os.access(p, os.X_OK)), None
    )
    if not found:
        raise LabUnavailable("tinyproxy missing: install the Debian package tinyproxy-bin")
    return found


@dataclass
class ProxyServer:
    port: int
    log: Path
    proc: subprocess.Popen[bytes] = field(repr=False)
    host: str = HOST

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def requests(self) -> list[str]:
        """The request lines tinyproxy received, e.g. 'CONNECT localhost:8443 HTTP/1.1'."""
        text = self.log.read_text(encoding="utf-8", errors="replace")
        return re.findall(r"Request \(file descriptor \d+\): (.+)", text)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


def _listening(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection((HOST, port), timeout=0.2):
        return True
    return False


def tinyproxy_config(
    port: int, *, user: str, password: str, connect_ports: tuple[int, ...], filter_file: Path | None
) -> str:
    lines = [f"Port {port}", f"Listen {HOST}", "Timeout 30", f"Allow {HOST}", "LogLevel Info"]
    lines += ["MaxClients 100", "DisableViaHeader Yes"]
    lines += [f"ConnectPort {p}" for p in connect_ports]
    if user:
        lines.append(f"BasicAuth {user} {password}")
    if filter_file is not None:
        lines += [f'Filter "{filter_file}"', "FilterDefaultDeny Yes", "FilterExtended Yes"]
    return "\n".join(lines) + "\n"


def start_tinyproxy(
    root: Path,
    *,
    user: str = "",
    password: str = "",
    connect_ports: tuple[int, ...] = (),
    allow_hosts: tuple[str, ...] | None = None,
    timeout: float = 10.0,
) -> ProxyServer:
    binary = find_tinyproxy()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)  # tinyproxy runs as nobody and reads its files from here
    filter_file = None
    if allow_hosts is not None:
        filter_file = root / "allow.txt"
        filter_file.write_text("".join(f"{h}\n" for h in allow_hosts), encoding="utf-8")
        filter_file.chmod(0o644)
    log = root / "tinyproxy.log"
    for _attempt in range(5):
        port = _free_port()
        conf = root / "tinyproxy.conf"
        conf.write_text(
            tinyproxy_config(
                port, user=user, password=password, connect_ports=connect_ports, filter_file=filter_file
            ),
            encoding="utf-8",
        )
        conf.chmod(0o644)
        as_root = hasattr(os, "geteuid") and os.geteuid() == 0
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [binary, "-d", "-c", str(conf)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                user="nobody" if as_root else None,
                group="nogroup" if as_root else None,
            )
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline and not _listening(port):
            time.sleep(0.02)
        server = ProxyServer(port=port, log=log, proc=proc)
        if proc.poll() is None and _listening(port):
            return server
        server.stop()
        text = log.read_text(encoding="utf-8", errors="replace")
        if "in use" not in text:
            raise RuntimeError(f"tinyproxy did not start (exit {proc.returncode}): {text.strip()[-500:]}")
    raise RuntimeError("tinyproxy did not start: no free port on 127.0.0.1 after 5 tries")


class ProxyLab:
    """Starts tinyproxy instances on demand and stops them all at the end of the test."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="mdm-lab-proxy-"))
        self.root.chmod(0o755)  # mkdtemp makes it private; tinyproxy (nobody) reads below it
        self._servers: list[ProxyServer] = []

    def start(self, **options: object) -> ProxyServer:
        server = start_tinyproxy(self.root / f"p{len(self._servers)}", **options)  # type: ignore[arg-type]
        self._servers.append(server)
        return server

    def close(self) -> None:
        for s in self._servers:
            s.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def proxy_lab() -> Iterator[ProxyLab]:
    from tests.lab import require

    require(find_tinyproxy)
    lab = ProxyLab()
    try:
        yield lab
    finally:
        lab.close()
