"""Real DNS servers on 127.0.0.1 for the scanner's DNS checks: dnsmasq serving seeded zones, plus two
tiny Python servers, one that never answers (timeouts) and one that answers REFUSED to everything.

dnsmasq (Debian package dnsmasq-base, tested with 2.90) runs in the foreground (``-k``) from a generated
config in a temp folder (config, pid file, query log, stderr), without upstream servers, /etc/hosts or
/etc/resolv.conf (``no-resolv``, ``no-hosts``), on a free port (UDP and TCP). Started as root it drops
to ``nobody`` by itself. It runs in authoritative mode for ``Records.auth_zones``:

* every in-zone answer has aa=1; SOA and NS are answered (SOA ``ns1.<first zone>``, NS ``ns1`` and
  ``ns2``; ``ns1.<first zone>`` also gets an A record 127.0.0.1, which dnsmasq needs for a sane NS);
* unknown names in a zone -> NXDOMAIN with the SOA; a name without the asked type -> NODATA with the SOA;
  an empty non-terminal (``eu.contoso.com`` when only ``enterpriseenrollment.eu.contoso.com`` exists)
  -> NODATA;
* names outside the zones -> REFUSED (not authoritative, and there is nothing to forward to);
* a CNAME whose target lies outside the zones is answered with the bare CNAME (for CNAME *and* A
  queries) and never looked up upstream; an in-zone target is followed (``adfs.fabrikam.com`` -> CNAME
  ``sts.contoso.com`` + its A record);
* every TTL is 600 (dnsmasq's ``auth-ttl``).
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.lab import unavailable

HOST = "127.0.0.1"
SOA_SERIAL = 2024010101
TTL = 600  # dnsmasq's auth-ttl: every authoritative answer carries it
RECORD_TYPES = ("A", "AAAA", "CNAME", "TXT", "MX")

# A record: (name, type, value). Value by type: A/AAAA/CNAME a str; TXT a str or a tuple of str (one
# record made of several strings); MX a tuple (priority, host).
TxtValue = str | tuple[str, ...]
MxValue = tuple[int, str]
Record = tuple[str, str, str | tuple[str, ...] | MxValue]


class LabUnavailable(RuntimeError):
    """Something the lab needs is not installed; the message (one line) names the package."""


@dataclass(frozen=True)
class Records:
    """What a dnsmasq server publishes, plus the zones it is authoritative for."""

    records: tuple[Record, ...] = ()
    auth_zones: tuple[str, ...] = ()

    def replacing(self, name: str, rtype: str, value: str | tuple[str, ...] | MxValue) -> Records:
        """A copy where every (name, rtype) record is replaced by one record with ``value``."""
        kept = tuple(r for r in self.records if (r[0].lower(), r[1].upper()) != (name.lower(), rtype.upper()))
        return Records(records=(*kept, (name, rtype, value)), auth_zones=self.auth_zones)

    def without(self, name: str, rtype: str) -> Records:
        kept = tuple(r for r in self.records if (r[0].lower(), r[1].upper()) != (name.lower(), rtype.upper()))
        return Records(records=kept, auth_zones=self.auth_zones)


# --- seed data -----------------------------------------------------------------------------------------

MS_TXT = "MS=ms12345678"
# 255 is the longest single TXT string: the SPF is published as two strings of one record.
SPF_PARTS = (
    "v=spf1 include:spf.protection.outlook.com include:_spf.salesforce.com include:mail.zendesk.com"
    " include:servers.mcsv.net include:sendgrid.net include:_spf.google.com ip4:192.0.2.0/24"
    " ip4:198.51.100.0/24 ip4:203.0.113.0/24 ip4:192.0.2.10 ip4:192.0.2.11",
    " ip4:192.0.2.12 ip4:192.0.2.13 ip6:2001:db8::/32 -all",
)
SPF = "".join(SPF_PARTS)
CONTOSO_MX = (0, "contoso-com.mail.protection.outlook.com")
FABRIKAM_MX = (32767, "ms87654321.msv1.invalid")
ENROLLMENT_TARGET = "enterpriseenrollment-s.manage.microsoft.com"
LEGACY_ENROLLMENT_TARGET = "manage.microsoft.com"
REGISTRATION_TARGET = "enterpriseregistration.windows.net"
WRONG_ENROLLMENT_TARGET = "enroll.example.net"
INTERNAL_ENROLLMENT_TARGET = "enrollment.corp.contoso.local"
STS_ADDRESS = "127.0.0.10"  # data only: never contact it
STS_ADDRESS6 = "fd00::10"  # data only (a unique local address)
NS1_ADDRESS = "127.0.0.1"
AUTH_ZONES = ("contoso.com", "fabrikam.com", "contoso-missing.com")
MISSING_NAME = "gone.contoso-missing.com"  # NXDOMAIN

PUBLIC_RECORDS = Records(
    records=(
        ("contoso.com", "TXT", MS_TXT),
        ("contoso.com", "TXT", SPF_PARTS),
        ("contoso.com", "MX", CONTOSO_MX),
        ("enterpriseenrollment.contoso.com", "CNAME", ENROLLMENT_TARGET),
        ("enterpriseregistration.contoso.com", "CNAME", REGISTRATION_TARGET),
        ("sts.contoso.com", "A", STS_ADDRESS),
        ("sts.contoso.com", "AAAA", STS_ADDRESS6),
        ("fabrikam.com", "MX", FABRIKAM_MX),  # verified through an MX record instead of TXT
        ("enterpriseenrollment.fabrikam.com", "CNAME", LEGACY_ENROLLMENT_TARGET),
        ("adfs.fabrikam.com", "CNAME", "sts.contoso.com"),  # AD FS behind a CNAME
        ("enterpriseenrollment.eu.contoso.com", "CNAME", WRONG_ENROLLMENT_TARGET),
    ),
    auth_zones=AUTH_ZONES,
)
# Split horizon: inside, enrollment points to an on-premises name.
INTERNAL_RECORDS = PUBLIC_RECORDS.replacing(
    "enterpriseenrollment.contoso.com", "CNAME", INTERNAL_ENROLLMENT_TARGET
)


# --- servers -------------------------------------------------------------------------------------------


@dataclass
class DnsServer:
    """A running server on ``host``:``port`` (UDP and TCP). ``stop()`` is idempotent."""

    kind: str  # "dnsmasq", "silent" or "refusing"
    port: int
    log: Path
    host: str = HOST
    pid: int | None = None
    started_in: float = 0.0  # seconds until the first answer (dnsmasq) or until bound (Python)
    _stop: Callable[[], None] = field(default=lambda: None, repr=False)

    def stop(self) -> None:
        self._stop()
        self._stop = lambda: None

    def resolver(self, lifetime: float = 2.0):  # -> dns.resolver.Resolver (dnspython imported lazily)
        """A dnspython resolver asking only this server (not /etc/resolv.conf)."""
        import dns.resolver

        r = dns.resolver.Resolver(configure=False)
        r.nameservers = [self.host]
        r.port = self.port
        r.timeout = r.lifetime = lifetime
        return r


def find_dnsmasq() -> str:
    found = shutil.which("dnsmasq") or next(
        (p for p in ("/usr/sbin/dnsmasq", "/sbin/dnsmasq") if os.access(p, os.X_OK)), None
    )
    if not found:
        raise LabUnavailable("dnsmasq missing: install the Debian package dnsmasq-base")
    return found


def check_requirements() -> str:
    """The dnsmasq binary, or LabUnavailable naming what is missing."""
    try:
        import dns.message  # noqa: F401
    except ImportError:
        raise LabUnavailable("dnspython missing: pip install dnspython") from None
    return find_dnsmasq()


def free_port() -> int:
    """A port free on 127.0.0.1 for both TCP and UDP (at the time of asking)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind((HOST, 0))
            port = int(t.getsockname()[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                try:
                    u.bind((HOST, port))
                except OSError:
                    continue
                return port
    raise RuntimeError("no port free for both TCP and UDP on 127.0.0.1")


def _name(name: str) -> str:
    n = name.strip().rstrip(".").lower()
    if not n or any(c in n for c in ',"\\/ \t\r\n#') or not n.isascii():
        raise ValueError(f"bad DNS name for dnsmasq: {name!r}")
    return n


def _txt_string(s: str) -> str:
    if not s.isascii() or not s.isprintable() or "\\" in s or len(s.encode()) > 255:
        raise ValueError(f"TXT string unsupported (non-ASCII, backslash or >255 bytes): {s!r}")
    return '"' + s.replace('"', '\\"') + '"'


def txt_record_arg(name: str, strings: tuple[str, ...]) -> str:
    """A ``--txt-record`` option for one TXT record of many strings (each at most 255 bytes).

    On the command line dnsmasq takes quotes literally: the strings go bare, so no commas or quotes.
    """
    for s in strings:
        if any(c in s for c in ',"\\ ') or _txt_string(s) == "":
            raise ValueError(f"TXT string unsupported on the command line: {s!r}")
    return f"--txt-record={_name(name)}," + ",".join(strings)


def dnsmasq_config(records: Records, *, port: int, root: Path) -> str:
    """The dnsmasq.conf text for ``records`` (validated: one CNAME per name and nothing else beside it)."""
    lines = [
        f"port={port}",
        f"listen-address={HOST}",
        "bind-interfaces",
        "no-resolv",
        "no-hosts",
        "no-poll",
        f"pid-file={root / 'dnsmasq.pid'}",
        "log-queries",
        f"log-facility={root / 'dnsmasq.log'}",
        "local-ttl=300",
    ]
    zones = [_name(z) for z in records.auth_zones]
    if zones:
        ns1, ns2 = f"ns1.{zones[0]}", f"ns2.{zones[0]}"
        # The address is required: without it dnsmasq 2.90 answers NS with garbage.
        lines += [f"auth-server={ns1},{NS1_ADDRESS}", *(f"auth-zone={z}" for z in zones)]
        lines += [f"auth-soa={SOA_SERIAL},hostmaster.{zones[0]},1200,180,1209600", f"auth-sec-servers={ns2}"]
        lines.append(f"host-record={ns1},{NS1_ADDRESS}")
    cnames: set[str] = set()
    others: set[str] = set()
    for name, rtype, value in records.records:
        n, t = _name(name), rtype.upper()
        if t in ("A", "AAAA"):
            if not isinstance(value, str):
                raise ValueError(f"{t} {name}: value must be an address string")
            lines.append(f"host-record={n},{value}")
        elif t == "CNAME":
            if n in cnames:
                raise ValueError(f"two CNAMEs for {name}")
            cnames.add(n)
            lines.append(f"cname={n},{_name(str(value))}")
        elif t == "TXT":
            parts = (value,) if isinstance(value, str) else tuple(value)
            lines.append(f"txt-record={n}," + ",".join(_txt_string(str(p)) for p in parts))
        elif t == "MX":
            if isinstance(value, str) or len(value) != 2:
                raise ValueError(f"MX {name}: value must be (priority, host)")
            prio, host = value
            lines.append(f"mx-host={n},{_name(str(host))},{int(prio)}")
        else:
            raise ValueError(f"record type {rtype!r} unsupported; use one of {RECORD_TYPES}")
        if t != "CNAME":
            others.add(n)
    if cnames & others:
        raise ValueError(f"a CNAME cannot sit beside other records: {sorted(cnames & others)}")
    return "\n".join(lines) + "\n"


def _answers(port: int, timeout: float = 0.05) -> bool:
    import dns.exception
    import dns.message
    import dns.query

    try:
        dns.query.udp(dns.message.make_query(".", "SOA"), HOST, port=port, timeout=timeout)
        return True
    except (dns.exception.Timeout, OSError):
        return False


def start_dnsmasq(
    tmp: Path, records: Records, *, timeout: float = 10.0, args: tuple[str, ...] = ()
) -> DnsServer:
    """Start dnsmasq for ``records`` with its files in ``tmp``; returns once it answers on UDP.

    ``args`` go on dnsmasq's command line: a config line is cut at 1,024 characters, an argument is
    not (``txt_record_arg`` publishes a TXT record of up to 64 KB that way)."""
    binary = check_requirements()
    began = time.perf_counter()
    root = Path(tmp).resolve()
    root.mkdir(parents=True, exist_ok=True)
    conf, err = root / "dnsmasq.conf", root / "dnsmasq.stderr"
    for _attempt in range(5):
        port = free_port()
        conf.write_text(dnsmasq_config(records, port=port, root=root), encoding="utf-8")
        with err.open("wb") as stderr:
            proc = subprocess.Popen(
                [binary, "-k", f"--conf-file={conf}", *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,  # its TCP children share its process group: stop() ends them all
            )
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline and not _answers(port):
            time.sleep(0.01)
        if proc.poll() is None and _answers(port):
            return DnsServer(
                kind="dnsmasq",
                port=port,
                log=root / "dnsmasq.log",
                pid=proc.pid,
                started_in=time.perf_counter() - began,
                _stop=functools.partial(_stop_process, proc),
            )
        _stop_process(proc)
        text = err.read_text(encoding="utf-8", errors="replace").strip()
        if "in use" not in text:
            raise RuntimeError(f"dnsmasq did not start (exit {proc.returncode}): {text or 'no answer'}")
    raise RuntimeError("dnsmasq did not start: no free port on 127.0.0.1 after 5 tries")


def _stop_process(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM to our dnsmasq's own process group (by its id), SIGKILL if it lingers."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)
    with contextlib.suppress(ProcessLookupError, PermissionError):  # TCP children outliving the parent
        os.killpg(proc.pid, signal.SIGKILL)


class _PyServer:
    """UDP + TCP on one port; ``reply(wire) -> wire | None`` (None: stay silent, keep TCP open)."""

    def __init__(self, reply: Callable[[bytes], bytes | None], log: Path) -> None:
        self.reply, self.log = reply, log
        self.done = threading.Event()
        self.lock = threading.Lock()
        self.held: list[socket.socket] = []
        for _ in range(5):
            port = free_port()
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                udp.bind((HOST, port))
                tcp.bind((HOST, port))
            except OSError:
                udp.close()
                tcp.close()
                continue
            break
        else:
            raise RuntimeError("no port free for both TCP and UDP on 127.0.0.1")
        tcp.listen(16)
        udp.settimeout(0.05)
        tcp.settimeout(0.05)
        self.port, self.udp, self.tcp = port, udp, tcp
        self.threads = [threading.Thread(target=f, daemon=True) for f in (self._udp_loop, self._tcp_loop)]
        for t in self.threads:
            t.start()

    def _note(self, proto: str, wire: bytes) -> None:
        with self.lock, self.log.open("a", encoding="utf-8") as f:
            f.write(f"{time.time():.3f} {proto} {len(wire)} bytes\n")

    def _udp_loop(self) -> None:
        while not self.done.is_set():
            try:
                wire, peer = self.udp.recvfrom(65535)
            except (TimeoutError, OSError):
                continue
            self._note("udp", wire)
            out = self.reply(wire)
            if out is not None:
                self.udp.sendto(out, peer)

    def _tcp_loop(self) -> None:
        while not self.done.is_set():
            try:
                conn, _ = self.tcp.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._tcp_conn, args=(conn,), daemon=True).start()

    def _tcp_conn(self, conn: socket.socket) -> None:
        conn.settimeout(0.05)
        buf = b""
        with self.lock:
            self.held.append(conn)
        while not self.done.is_set():
            try:
                chunk = conn.recv(65535)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                break
            buf += chunk
            while len(buf) >= 2 and len(buf) >= 2 + int.from_bytes(buf[:2], "big"):
                size = int.from_bytes(buf[:2], "big")
                wire, buf = buf[2 : 2 + size], buf[2 + size :]
                self._note("tcp", wire)
                out = self.reply(wire)
                if out is not None:
                    conn.sendall(len(out).to_bytes(2, "big") + out)
        conn.close()

    def stop(self) -> None:
        self.done.set()
        for t in self.threads:
            t.join(2)
        self.udp.close()
        self.tcp.close()
        with self.lock:
            for c in self.held:
                c.close()


def _start_py(kind: str, tmp: Path, reply: Callable[[bytes], bytes | None]) -> DnsServer:
    began = time.perf_counter()
    root = Path(tmp).resolve()
    root.mkdir(parents=True, exist_ok=True)
    log = root / f"{kind}.log"
    server = _PyServer(reply, log)
    return DnsServer(
        kind=kind, port=server.port, log=log, started_in=time.perf_counter() - began, _stop=server.stop
    )


def start_silent(tmp: Path) -> DnsServer:
    """Receives queries over UDP and TCP and never answers: clients time out."""
    return _start_py("silent", tmp, lambda wire: None)


def _refuse(wire: bytes) -> bytes | None:
    import dns.exception
    import dns.message
    import dns.rcode

    try:
        query = dns.message.from_wire(wire)
    except dns.exception.DNSException:
        return None
    response = dns.message.make_response(query)
    response.set_rcode(dns.rcode.REFUSED)
    return response.to_wire()


def start_refusing(tmp: Path) -> DnsServer:
    """Answers every query REFUSED (UDP and TCP), like a server that does not serve us."""
    return _start_py("refusing", tmp, _refuse)


# --- fixtures ------------------------------------------------------------------------------------------


def _serve(prefix: str, start: Callable[[Path], DnsServer], needs_dnsmasq: bool) -> Iterator[DnsServer]:
    missing = ""
    try:
        if needs_dnsmasq:
            check_requirements()
        else:
            import dns.message  # noqa: F401
    except (LabUnavailable, ImportError) as exc:
        missing = str(exc) if isinstance(exc, LabUnavailable) else "dnspython missing: pip install dnspython"
    if missing:  # outside the except block: a one-line message, no chained traceback
        unavailable(missing)
    root = Path(tempfile.mkdtemp(prefix=f"mdm-lab-{prefix}-"))
    server: DnsServer | None = None
    try:
        server = start(root)
        yield server
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def dns_public() -> Iterator[DnsServer]:
    """dnsmasq serving PUBLIC_RECORDS (the Internet's view)."""
    yield from _serve("dns-public", lambda p: start_dnsmasq(p, PUBLIC_RECORDS), True)


@pytest.fixture(scope="session")
def dns_internal() -> Iterator[DnsServer]:
    """dnsmasq serving INTERNAL_RECORDS (split horizon: enrollment points inside)."""
    yield from _serve("dns-internal", lambda p: start_dnsmasq(p, INTERNAL_RECORDS), True)


@pytest.fixture(scope="session")
def dns_silent() -> Iterator[DnsServer]:
    yield from _serve("dns-silent", start_silent, False)


@pytest.fixture(scope="session")
def dns_refusing() -> Iterator[DnsServer]:
    yield from _serve("dns-refusing", start_refusing, False)
