"""HTTPS the way a device sees it: the TLS chain a server sends, and bounded, read-only HTTP requests."""

from __future__ import annotations

import base64
import socket
import ssl
import time
from dataclasses import dataclass, replace
from typing import Any

from scanner.errors import PreflightError
from scanner.evidence.web import HttpInfo, TlsInfo
from scanner.sources.parse.certs import cert_info

MAX_HEADER = 16_384  # bytes of a proxy's CONNECT answer we read before calling it garbage


class NetError(PreflightError):
    """A network step failed; the message is plain words without secrets."""


class ProxyRefused(NetError):
    """The proxy answered CONNECT with something other than 200 (407: it wants credentials)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True, slots=True, kw_only=True)
class Proxy:
    host: str
    port: int
    user: str = ""
    password: str = ""  # from the environment at run time; never stored in evidence

    def __repr__(self) -> str:  # a proxy in a traceback or a log must not show its password
        return f"Proxy({self.host}:{self.port}, user={self.user!r})"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


def probe_tls(
    host: str,
    port: int,
    *,
    timeout: float,
    address: str = "",
    ca_file: str = "",
    proxy: Proxy | None = None,
) -> TlsInfo:
    """Handshake with validation; when it fails, once more without, to read the certificate anyway."""
    t0 = time.monotonic()
    base = TlsInfo(host=host, port=port, address=address, proxy=f"{proxy.host}:{proxy.port}" if proxy else "")
    strict = ssl.create_default_context(cafile=ca_file or None)
    times: dict[str, Any] = {}
    t1 = t0
    try:
        with _connect(host, port, address, timeout, proxy, times) as raw:
            t1 = time.monotonic()
            with strict.wrap_socket(raw, server_hostname=host) as s:
                times["handshake_seconds"] = time.monotonic() - t1
                return replace(_seen(base, s, t0, verified=True), **times)
    except ssl.SSLCertVerificationError as exc:
        why = str(exc.verify_message or exc.reason or exc)
        times["handshake_seconds"] = time.monotonic() - t1
    except (OSError, NetError) as exc:
        return replace(_failed(base, exc, timeout, t0), **times)
    lax = ssl.create_default_context()
    lax.check_hostname, lax.verify_mode = False, ssl.CERT_NONE  # only to read what it sends; nothing is sent
    try:
        with (
            _connect(host, port, address, timeout, proxy, {}) as raw,
            lax.wrap_socket(raw, server_hostname=host) as s,
        ):
            seen = _seen(base, s, t0, verified=False)
    except (OSError, NetError) as exc:
        seen = _failed(base, exc, timeout, t0)
    return replace(seen, verify_error=why, **times)


def _seen(base: TlsInfo, s: ssl.SSLSocket, t0: float, *, verified: bool) -> TlsInfo:
    peer = s.getpeername()
    return replace(
        base,
        address=str(peer[0]),
        protocol=s.version() or "",
        verified=verified,
        chain=tuple(cert_info(d) for d in _chain(s, "get_unverified_chain")),
        verified_chain=tuple(cert_info(d) for d in _chain(s, "get_verified_chain")) if verified else (),
        seconds=time.monotonic() - t0,
    )


def _chain(s: ssl.SSLSocket, which: str) -> list[bytes]:
    """DER certificates; public in Python 3.13, on the private SSL object before."""
    get = getattr(s, which, None) or getattr(getattr(s, "_sslobj", None), which, None)
    certs = get() if get else None
    if not certs:
        leaf = s.getpeercert(binary_form=True)
        return [leaf] if leaf else []
    return [c if isinstance(c, bytes) else c.public_bytes(ssl._ssl.ENCODING_DER) for c in certs]  # type: ignore[attr-defined]


def _failed(base: TlsInfo, exc: BaseException, timeout: float, t0: float) -> TlsInfo:
    status = exc.status if isinstance(exc, ProxyRefused) else 0
    return replace(base, error=describe(exc, timeout), seconds=time.monotonic() - t0, proxy_status=status)


def _connect(
    host: str, port: int, address: str, timeout: float, proxy: Proxy | None, times: dict[str, Any]
) -> socket.socket:
    """TCP to the server (or through the proxy's tunnel); `times` receives how long each step took."""
    t0 = time.monotonic()
    if proxy is None:
        sock = socket.create_connection((address or host, port), timeout=timeout)
        times["connect_seconds"] = time.monotonic() - t0
        return sock
    sock = socket.create_connection((proxy.host, proxy.port), timeout=timeout)
    times["connect_seconds"] = time.monotonic() - t0
    try:
        _tunnel(sock, host, port, proxy)
    except BaseException:
        times["tunnel_seconds"] = time.monotonic() - t0 - times["connect_seconds"]
        sock.close()
        raise
    times["tunnel_seconds"] = time.monotonic() - t0 - times["connect_seconds"]
    times["proxy_status"] = 200
    return sock


def _tunnel(sock: socket.socket, host: str, port: int, proxy: Proxy) -> None:
    """HTTP CONNECT: the proxy opens a TCP tunnel to host:port, or says why not."""
    where = f"{proxy.host}:{proxy.port}"
    lines = [f"CONNECT {host}:{port} HTTP/1.1", f"Host: {host}:{port}"]
    if proxy.user:
        token = base64.b64encode(f"{proxy.user}:{proxy.password}".encode()).decode()
        lines.append(f"Proxy-Authorization: Basic {token}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = sock.recv(4096)
        if not chunk:
            raise NetError(f"the proxy {where} closed the connection without answering")
        head += chunk
        if len(head) > MAX_HEADER:
            raise NetError(f"the proxy {where} sent no HTTP answer")
    status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/") or not parts[1].isdigit():
        raise NetError(f"the proxy {where} sent no HTTP answer")
    code = int(parts[1])
    if code in (401, 407) and proxy.user:  # tinyproxy, for one, answers wrong credentials with 401
        raise ProxyRefused(f"the proxy {where} rejected the credentials of {proxy.user!r} ({code})", code)
    if code == 407:
        raise ProxyRefused(f"the proxy {where} requires authentication (407); set user and password_env", 407)
    if code != 200:
        raise ProxyRefused(f"the proxy {where} refused {host}:{port}: {status_line[9:].strip()}", code)


def describe(exc: BaseException, timeout: float) -> str:
    """An exception from a connection or request, in the words an admin would use."""
    seen: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in seen:
        seen.append(e)
        e = e.__cause__ or e.__context__
    for e in seen:
        if isinstance(e, NetError):
            return str(e)
        if isinstance(e, ssl.SSLCertVerificationError):
            return f"the TLS certificate is not trusted: {e.verify_message or e.reason}"
        if isinstance(e, ConnectionRefusedError):
            return "connection refused"
        if isinstance(e, socket.gaierror):
            return "the name does not resolve"
        if isinstance(e, TimeoutError | socket.timeout) or type(e).__name__.endswith("Timeout"):
            return f"no answer within {timeout:g} s"
        if isinstance(e, ConnectionResetError):
            return "the connection was reset"
        if isinstance(e, ssl.SSLError):
            return f"the TLS handshake failed: {e.reason or e}"
    name = type(exc).__name__
    if name in ("RemoteProtocolError", "LocalProtocolError"):
        return f"not an HTTP answer ({exc})"
    return f"{name}: {exc}" if str(exc) else name


def http_client(
    *,
    timeout: float,
    ca_file: str = "",
    resolve: dict[str, str] | None = None,
    verify: bool = True,
    proxy: Proxy | None = None,
) -> Any:
    """An httpx client: validation on unless told otherwise; `resolve` pins names like curl --resolve."""
    import httpx

    context: ssl.SSLContext | bool = ssl.create_default_context(cafile=ca_file or None) if verify else False
    kwargs: dict[str, Any] = {"verify": context, "trust_env": False}
    if proxy is not None:
        auth = (proxy.user, proxy.password) if proxy.user else None
        kwargs["proxy"] = httpx.Proxy(proxy.url, auth=auth)
        transport = httpx.HTTPTransport(**kwargs)
    else:
        transport = _pinned(dict(resolve or {}), **kwargs)
    return httpx.Client(transport=transport, timeout=httpx.Timeout(timeout), follow_redirects=False)


def _pinned_transport_class() -> type:
    import httpcore
    import httpx

    class PinnedBackend(httpcore.SyncBackend):
        def __init__(self, pins: dict[str, str]) -> None:
            self.pins = {k.lower(): v for k, v in pins.items()}

        def connect_tcp(self, host: str, port: int, *args: Any, **kwargs: Any) -> Any:
            return super().connect_tcp(self.pins.get(host.lower(), host), port, *args, **kwargs)

    class PinnedTransport(httpx.HTTPTransport):
        """httpx has no resolver hook: swap the connection pool for one whose backend honours the pins.

        The URL keeps the real name, so SNI and the certificate check use it."""

        def __init__(self, pins: dict[str, str], **kwargs: Any) -> None:
            super().__init__(**kwargs)
            if pins:
                verify = kwargs.get("verify")
                self._pool = httpcore.ConnectionPool(
                    ssl_context=verify if isinstance(verify, ssl.SSLContext) else _no_verify(),
                    network_backend=PinnedBackend(pins),
                )

    return PinnedTransport


def _no_verify() -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
    return ctx


def _pinned(pins: dict[str, str], **kwargs: Any) -> Any:
    return _pinned_transport_class()(pins, **kwargs)


def fetch(
    client: Any, url: str, *, max_bytes: int, timeout: float, headers: dict[str, str] | None = None
) -> tuple[HttpInfo, bytes]:
    """GET a URL and read at most max_bytes; every failure becomes HttpInfo.error, never an exception."""
    t0 = time.monotonic()
    body = bytearray()
    try:
        with client.stream("GET", url, headers=headers) as resp:
            for chunk in resp.iter_bytes():
                body += chunk
                if len(body) > max_bytes or time.monotonic() - t0 > 2 * timeout:
                    break
            info = HttpInfo(
                url=url,
                status=resp.status_code,
                content_type=resp.headers.get("content-type", ""),
                location=resp.headers.get("location", "") if resp.is_redirect else "",
                truncated=len(body) > max_bytes,
                size=min(len(body), max_bytes),
                seconds=time.monotonic() - t0,
                retry_after=_retry_after(resp) if resp.status_code in (429, 503) else 0.0,
            )
            if not info.truncated and time.monotonic() - t0 > 2 * timeout:
                info = replace(info, truncated=True, error=f"the body took longer than {2 * timeout:g} s")
            return info, bytes(body[:max_bytes])
    except Exception as exc:  # any failure of the request is a fact about the server, reported as such
        return HttpInfo(url=url, error=describe(exc, timeout), seconds=time.monotonic() - t0), b""


def _retry_after(resp: Any) -> float:
    """Retry-After in seconds (an HTTP date is rare from these services and read as one second)."""
    value = resp.headers.get("retry-after", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return 1.0 if value else 0.0
    return min(seconds, 86400.0) if seconds > 0 else 0.0  # nan and negatives: no wait asked
