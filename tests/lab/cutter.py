"""A relay between the scanner and a real server that breaks the conversation in the middle, on purpose.

The connection-time faults (refused, silent, garbage) need no server behind them; the faults in the
middle of an answer do: the first page of users must be real for the second to go missing. `Relay`
terminates TLS with the server's own certificate and key (so the scanner's configuration is the
healthy one but for the port), opens its own TLS connection to the real server, and forwards the
conversation message by message — LDAP messages (BER) from the server are framed so a cut lands
exactly between two of them — until `cut` says so. Then it either resets the connection (RST, as a
firewall or a crashed server does) or goes silent and holds it open (a server that hangs).
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import ssl
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

LDAP_SEARCH_ENTRY, LDAP_SEARCH_DONE = 0x64, 0x65
PAGED_OID = b"1.2.840.113556.1.4.319"


def ber_length(buf: bytes) -> int:
    """The full size of the BER element at the start of `buf`, or 0 while it is incomplete."""
    if len(buf) < 2:
        return 0
    first = buf[1]
    if first < 0x80:
        size, head = first, 2
    else:
        n = first & 0x7F
        if len(buf) < 2 + n:
            return 0
        size, head = int.from_bytes(buf[2 : 2 + n], "big"), 2 + n
    return head + size if len(buf) >= head + size else 0


def ldap_op(message: bytes) -> int:
    """The protocolOp tag of an LDAPMessage: SEQUENCE { messageID INTEGER, protocolOp, ... }."""
    head = 2 + (message[1] & 0x7F if message[1] >= 0x80 else 0)
    return message[head + 2 + message[head + 1]]


def after_first_page() -> Callable[[bytes], bool]:
    """Cut before the first user of the second page of a paged search (RFC 2696)."""
    state = {"page_ended": False}

    def when(message: bytes) -> bool:
        op = ldap_op(message)
        if op == LDAP_SEARCH_DONE and PAGED_OID in message and not message.endswith(b"\x04\x00"):
            state["page_ended"] = True  # a page ended with a cookie: more pages follow
            return False
        return state["page_ended"] and op == LDAP_SEARCH_ENTRY

    return when


@dataclass
class Relay:
    upstream: tuple[str, int]
    cut: Callable[[bytes], bool]  # asked of every server message; True: break the conversation before it
    how: str = "reset"  # reset | silent
    server_ctx: ssl.SSLContext | None = None  # TLS towards the scanner (the real server's certificate)
    upstream_ctx: ssl.SSLContext | None = None
    upstream_name: str = ""
    port: int = 0
    cuts: int = 0  # conversations broken so far
    _held: list[socket.socket] = field(default_factory=list)
    _done: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._done.is_set():
            try:
                raw, _ = self._listener.accept()
            except (TimeoutError, OSError):
                continue
            threading.Thread(target=self._serve, args=(raw,), daemon=True).start()

    def _serve(self, raw: socket.socket) -> None:
        try:
            raw.settimeout(30)
            client = self.server_ctx.wrap_socket(raw, server_side=True) if self.server_ctx else raw
            up = socket.create_connection(self.upstream, timeout=30)
            if self.upstream_ctx is not None:
                up = self.upstream_ctx.wrap_socket(up, server_hostname=self.upstream_name or None)
        except OSError:
            raw.close()
            return
        self._held += [client, up]
        self._relay(client, up)

    def _relay(self, client: socket.socket, up: socket.socket) -> None:
        """One thread per conversation, so a cut never races a read in another thread (a socket closed
        while another thread waits in recv() is not released, and sends no RST, until that returns)."""
        sel = selectors.DefaultSelector()
        sel.register(client, selectors.EVENT_READ, "client")
        sel.register(up, selectors.EVENT_READ, "server")
        buf = b""
        while not self._done.is_set():
            ready = {key.data for key, _ in sel.select(0.05)}
            ready |= {n for n, s in (("client", client), ("server", up)) if _pending(s)}
            try:
                if "client" in ready:
                    data = client.recv(65536)
                    if not data:
                        return
                    up.sendall(data)
                if "server" not in ready:
                    continue
                chunk = up.recv(65536)
            except OSError:
                return
            if not chunk:
                with contextlib.suppress(OSError):
                    client.shutdown(socket.SHUT_RDWR)
                return
            buf += chunk
            while size := ber_length(buf):
                message, buf = buf[:size], buf[size:]
                if self.cut(message):
                    self._break(client, up)
                    return
                client.sendall(message)

    def _break(self, client: socket.socket, up: socket.socket) -> None:
        self.cuts += 1
        if self.how == "silent":
            return  # both stay open and quiet until the relay is closed
        client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        client.close()  # linger 0: an RST, not a polite FIN
        up.close()

    def close(self) -> None:
        self._done.set()
        self._listener.close()
        for s in self._held:
            with contextlib.suppress(OSError):
                s.close()


def _pending(s: socket.socket) -> bool:
    """Decrypted bytes TLS already holds: select() cannot see them."""
    return isinstance(s, ssl.SSLSocket) and s.pending() > 0


def tls_server_context(cert: str, key: str) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)
    return ctx
