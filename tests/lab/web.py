"""Real HTTP(S) servers on 127.0.0.1 with a trustme test CA, for the AD FS and endpoint sources.

A `WebLab` issues certificates (any names and dates, with or without an intermediate CA), starts
threaded HTTP or HTTPS servers that serve fixed routes, and keeps an access log of every request
(method and path), so tests can prove the scanner only reads. Servers that misbehave on purpose —
one that accepts and never answers, one that answers with bytes that are not HTTP — are here too.
Federation metadata with real X.509 signing certificates comes from `federation_metadata`.
"""

from __future__ import annotations

import base64
import contextlib
import http.server
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

Body = bytes | Callable[[], Iterator[bytes]]  # fixed bytes, or a generator for huge or slow bodies
HOST = "sts.contoso.test"


@dataclass(frozen=True)
class Route:
    status: int = 200
    body: Body = b""
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class Served:
    port: int
    stop: Callable[[], None]
    log: list[tuple[str, str]] = field(default_factory=list)  # (method, path) of every request

    @property
    def methods(self) -> set[str]:
        return {m for m, _ in self.log}


@dataclass(frozen=True)
class Request:
    """What a stand-in's answer may depend on: the whole request as the client sent it."""

    method: str
    path: str  # with the query
    headers: dict[str, str]  # names in lower case
    body: bytes


App = Callable[[Request], Route]  # a stand-in that answers from the request, not from a fixed table


def _handler(routes: dict[str, Route] | App, log: list[tuple[str, str]]) -> type:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # quiet; the log list is the record
            pass

        def _route(self) -> Route:
            if callable(routes):
                size = int(self.headers.get("Content-Length") or 0)
                headers = {k.lower(): v for k, v in self.headers.items()}
                return routes(
                    Request(self.command, self.path, headers, self.rfile.read(size) if size else b"")
                )
            return routes.get(self.path.split("?")[0].lower()) or Route(status=404, body=b"not found")

        def _any(self) -> None:
            log.append((self.command, self.path))
            route = self._route()
            body = route.body
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            for k, v in route.headers:
                self.send_header(k, v)
            if isinstance(body, bytes):
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
                return
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for chunk in body():
                    self.wfile.write(chunk)
            except OSError:  # the client stopped reading: expected when it caps the size
                pass
            self.close_connection = True

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_OPTIONS = do_PATCH = _any

    return Handler


class WebLab:
    def __init__(self, tmp: Path) -> None:
        import trustme

        self.tmp = tmp
        self.ca = trustme.CA(organization_name="mdm-preflight test CA")
        self.ca_file = tmp / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        self._stops: list[Callable[[], None]] = []

    def cert(
        self,
        *names: str,
        days: float = 365,
        not_before: datetime | None = None,
        ca: object | None = None,
        intermediate: bool = False,
    ) -> object:
        """A leaf certificate for names (default the AD FS host), valid for `days` from now."""
        now = datetime.now(UTC)
        issuer = ca or self.ca
        if intermediate:
            issuer = issuer.create_child_ca()  # type: ignore[attr-defined]
        start = not_before or now - timedelta(days=30)
        return issuer.issue_cert(  # type: ignore[attr-defined]
            *(names or (HOST,)), not_before=start, not_after=now + timedelta(days=days)
        )

    def serve(
        self, routes: dict[str, Route] | App, cert: object | None = None, *, leaf_only: bool = False
    ) -> Served:
        """HTTP when cert is None, else HTTPS with the leaf and (unless leaf_only) its intermediates."""
        log: list[tuple[str, str]] = []
        table = routes if callable(routes) else {k.lower(): v for k, v in routes.items()}
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(table, log))
        server.daemon_threads = True
        if cert is not None:
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            if leaf_only:
                key = self.tmp / f"key-{id(cert)}.pem"
                crt = self.tmp / f"leaf-{id(cert)}.pem"
                cert.private_key_pem.write_to_path(str(key))  # type: ignore[attr-defined]
                cert.cert_chain_pems[0].write_to_path(str(crt))  # type: ignore[attr-defined]
                ctx.load_cert_chain(str(crt), str(key))
            else:
                cert.configure_cert(ctx)  # type: ignore[attr-defined]
            server.socket = ctx.wrap_socket(server.socket, server_side=True)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        thread.start()

        def stop() -> None:
            server.shutdown()
            server.server_close()

        self._stops.append(stop)
        return Served(port=server.server_address[1], stop=stop, log=log)

    def silent(self) -> Served:
        """Accepts connections and never says a word: the client's timeout is all that ends it."""
        return self._raw(lambda conn: None)

    def garbage(self) -> Served:
        """Answers every connection with bytes that are neither TLS nor HTTP."""
        return self._raw(lambda conn: conn.sendall(b"\x00\xffSSH-2.0-not-what-you-expected\r\n" * 4))

    def _raw(self, greet: Callable[[socket.socket], None]) -> Served:
        listener = socket.create_server(("127.0.0.1", 0))
        held: list[socket.socket] = []
        done = threading.Event()

        def accept() -> None:
            listener.settimeout(0.05)
            while not done.is_set():
                try:
                    conn, _ = listener.accept()
                except (TimeoutError, OSError):
                    continue
                held.append(conn)
                with contextlib.suppress(OSError):
                    greet(conn)

        threading.Thread(target=accept, daemon=True).start()

        def stop() -> None:
            done.set()
            for c in held:
                c.close()
            listener.close()

        self._stops.append(stop)
        return Served(port=listener.getsockname()[1], stop=stop)

    def close(self) -> None:
        for stop in reversed(self._stops):
            with contextlib.suppress(OSError):
                stop()


def signing_cert(cn: str, *, days: float, created_days_ago: float = 300) -> bytes:
    """A self-signed token-signing certificate (DER) like AD FS makes, expiring in `days`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=created_days_ago))
        .not_valid_after(now + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    return cert.public_bytes(Encoding.DER)


def federation_metadata(
    signing: list[bytes],
    encryption: bytes | None = None,
    entity_id: str = f"http://{HOST}/adfs/services/trust",
) -> bytes:
    """Federation metadata shaped like AD FS publishes it: the signing keys in the STS role and the IdP."""

    def key(use: str, der: bytes) -> str:
        b64 = base64.b64encode(der).decode()
        return (
            f'<KeyDescriptor use="{use}"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#">'
            f"<X509Data><X509Certificate>{b64}</X509Certificate></X509Data></KeyInfo></KeyDescriptor>"
        )

    keys = "".join(key("signing", d) for d in signing) + (key("encryption", encryption) if encryption else "")
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        f'<EntityDescriptor ID="_1" entityID="{entity_id}" xmlns="urn:oasis:names:tc:SAML:2.0:metadata">'
        '<RoleDescriptor xsi:type="fed:SecurityTokenServiceType" '
        'protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706">'
        f"{keys}</RoleDescriptor>"
        '<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">'
        f"{''.join(key('signing', d) for d in signing)}"
        f'<SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" '
        f'Location="https://{HOST}/adfs/ls/"/></IDPSSODescriptor></EntityDescriptor>'
    ).encode()


@pytest.fixture
def web_lab(tmp_path: Path) -> Iterator[WebLab]:
    from tests.lab import require

    def check() -> None:
        try:
            import trustme  # noqa: F401
        except ImportError:
            raise RuntimeError("trustme is not installed (pip install -e .[test])") from None

    require(check)
    lab = WebLab(tmp_path)
    try:
        yield lab
    finally:
        lab.close()
