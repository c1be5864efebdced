"""A real mail server on 127.0.0.1 for the email tests: aiosmtpd in-process, STARTTLS from a trustme CA,
AUTH required (only after TLS). Plus a listener that accepts connections and never says a word.

aiosmtpd 1.4.6 runs its own asyncio loop in a thread; ``Controller.start`` returns once it listens. The
server certificate names ``mail.contoso.test`` and ``127.0.0.1`` (smtplib verifies the address it
dialled). Every message received is parsed with ``email.policy.default`` and kept with the envelope.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import trustme
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

HOST = "127.0.0.1"
USER = "scanner"
# A canary: it must never show up in any output, log or file the scanner writes.
PASSWORD = "Canary-pw-7f3a9c!"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage
    tls: bool
    login: bytes | None


@dataclass
class Inbox:
    messages: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = email.message_from_bytes(
            envelope.original_content or envelope.content, policy=email.policy.default
        )
        assert isinstance(msg, EmailMessage)
        # session.ssl is only set by STARTTLS; implicit TLS shows on the transport.
        tls = session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), msg, tls, session.auth_data)
        )
        return "250 Message accepted for delivery"


def _auth(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (USER.encode(), PASSWORD.encode())
    return AuthResult(success=ok, handled=False, auth_data=data.login if ok else None)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class MailLab:
    port: int
    ca_file: Path  # the test CA's certificate: [email] ca_file
    inbox: Inbox

    def config(self, **overrides: Any) -> str:
        """An [email] section for this server (TOML), with keys overridden or added."""
        values: dict[str, Any] = {
            "smtp_host": HOST,
            "port": self.port,
            "security": "starttls",
            "user": USER,
            "password_env": "MDMP_TEST_SMTP_PASSWORD",
            "ca_file": str(self.ca_file),
            "from": "scanner@contoso.test",
            "to": ["admin@contoso.test"],
            "cc": ["audit@contoso.test"],
            "send": "always",
            "attach": ["html", "json"],
            **overrides,
        }
        lines = ["[email]"]
        for k, v in values.items():
            lines.append(f"{k} = {_toml(v)}")
        return "\n".join(lines) + "\n"


def _toml(v: Any) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_toml(x) for x in v) + "]"
    if isinstance(v, int):
        return str(v)
    return "'" + str(v) + "'"


@pytest.fixture(scope="session")
def test_ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def mail_lab(tmp_path: Path, test_ca: trustme.CA) -> Iterator[MailLab]:
    leaf = test_ca.issue_cert("mail.contoso.test", HOST)
    sctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(sctx)
    ca_file = tmp_path / "test-ca.pem"
    test_ca.cert_pem.write_to_path(str(ca_file))
    inbox = Inbox()
    port = free_port()
    ctrl = Controller(
        inbox,
        hostname=HOST,
        port=port,
        server_hostname="mail.contoso.test",
        tls_context=sctx,
        require_starttls=True,
        authenticator=_auth,
        auth_require_tls=True,
    )
    ctrl.start()
    try:
        yield MailLab(port=port, ca_file=ca_file, inbox=inbox)
    finally:
        ctrl.stop()


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A TCP listener that accepts and never answers: the SMTP greeting never comes."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind((HOST, 0))
    srv.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        srv.settimeout(0.1)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
                held.append(conn)  # keep it open, say nothing
            except TimeoutError:
                continue
            except OSError:
                return

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        yield int(srv.getsockname()[1])
    finally:
        stop.set()
        t.join(2)
        for c in held:
            c.close()
        srv.close()


@pytest.fixture
def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens: connections are refused."""
    return free_port()


@pytest.fixture
def relay_lab(tmp_path: Path) -> Iterator[MailLab]:
    """A plain relay on 127.0.0.1: no TLS offered, no login (an internal port-25 relay)."""
    inbox = Inbox()
    port = free_port()
    ctrl = Controller(inbox, hostname=HOST, port=port)
    ctrl.start()
    try:
        yield MailLab(port=port, ca_file=tmp_path / "none.pem", inbox=inbox)
    finally:
        ctrl.stop()


@pytest.fixture
def smtps_lab(tmp_path: Path, test_ca: trustme.CA) -> Iterator[MailLab]:
    """Implicit TLS (SMTPS, port 465 style) with AUTH, from the same test CA."""
    leaf = test_ca.issue_cert("mail.contoso.test", HOST)
    sctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    leaf.configure_cert(sctx)
    ca_file = tmp_path / "test-ca.pem"
    test_ca.cert_pem.write_to_path(str(ca_file))
    inbox = Inbox()
    port = free_port()
    ctrl = Controller(
        inbox,
        hostname=HOST,
        port=port,
        server_hostname="mail.contoso.test",
        ssl_context=sctx,
        authenticator=_auth,
        auth_require_tls=False,  # aiosmtpd counts only STARTTLS as TLS; this connection is TLS throughout
    )
    ctrl.start()
    try:
        yield MailLab(port=port, ca_file=ca_file, inbox=inbox)
    finally:
        ctrl.stop()
