"""The email summary: build the message (HTML + text + reports attached) and send it over verified TLS."""

from __future__ import annotations

import base64
import email.policy
import smtplib
import ssl
import sys
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from scanner import credentials, formats
from scanner.config import EmailConfig
from scanner.errors import PreflightError
from scanner.model import ScanResult, Severity, Status

DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}
# Raw bytes of all attachments together. Base64 adds a third, and many servers refuse mail over 10 MB.
MAX_ATTACH = 7_000_000
_TYPES = {name: out.media_type for name, out in formats.ALL.items()}
_STATUS = {0: "OK", 1: "FAILED", 3: "INCOMPLETE"}
# CRLF as on the wire; headers fold at 200 so a subject starting with "<" is not folded before its first word.
_POLICY = email.policy.SMTP.clone(max_line_length=200)


class MailError(PreflightError):
    """The email could not be built or sent; the message is one line and never holds the password."""


@dataclass(frozen=True, slots=True)
class Attachment:
    fmt: str  # a report format name
    name: str  # file name in the message
    data: bytes
    path: Path | None  # where it is on disk, for the note when it is left out


def password(cfg: EmailConfig) -> str | None:
    """From the environment variable the config names; a prompt only when a person is there."""
    if not cfg.user:
        return None
    if not cfg.password_env and not sys.stdin.isatty():
        raise MailError("[email] user is set but password_env names no environment variable")
    return credentials.password(
        cfg.password_env, "email", f"Password for {cfg.user} on {cfg.smtp_host}: ", MailError
    )


def should_send(policy: str, code: int, result: ScanResult) -> tuple[bool, str]:
    """(send?, why) for the send policy; code is the scan's own exit code (0, 1 or 3)."""
    if policy == "always":
        return True, "send = always"
    if policy == "on_failure":
        return code != 0, "send = on_failure: " + ("the run did not pass" if code else "the run passed")
    if result.changes is None:
        return True, "send = on_change: no earlier run to compare with"
    changed = result.changes.any
    return changed, "send = on_change: " + ("something changed" if changed else "nothing changed")


def subject_values(result: ScanResult, code: int) -> dict[str, str | int]:
    found = result.open_findings()
    changes = result.changes
    values: dict[str, str | int] = {
        "company": result.company or "ConfigMgr",
        "site": result.site_code,
        "status": _STATUS.get(code, "FAILED"),
        "failed": sum(1 for r in result.results if r.status is Status.FAIL and r.open_findings),
        "errors": result.count(Status.ERROR),
        "open": sum(1 for f in found if f.is_problem),
        "new": len(changes.new) if changes else 0,
        "resolved": len(changes.resolved) if changes else 0,
        "accepted": sum(1 for r in result.results for f in r.findings if f.accepted is not None),
        "date": result.started.date().isoformat(),
    }
    for sev in Severity:
        values[sev.value] = sum(1 for f in found if f.severity is sev)
    return values


def subject(cfg: EmailConfig, result: ScanResult, code: int) -> str:
    text = cfg.subject.format(**subject_values(result, code))
    return " ".join(text.split())[:250]  # one header line: hostile names cannot add headers


def attachments(cfg: EmailConfig, result: ScanResult, written: list[Path]) -> list[Attachment]:
    """The report files this run wrote, byte for byte; a format not written is rendered for the mail."""
    from reports import render

    out = []
    by_name = {p.name: p for p in written}
    for fmt in cfg.attach:
        name = formats.ALL[fmt].filename
        path = by_name.get(name)
        if path is None and fmt == "pdf":
            continue  # only a browser prints one; the message says why it is missing
        data = path.read_bytes() if path else render(result, fmt).encode("utf-8")
        out.append(Attachment(fmt=fmt, name=name, data=data, path=path))
    return out


def build(
    cfg: EmailConfig,
    result: ScanResult,
    code: int,
    files: list[Attachment],
    *,
    cap: int | None = None,
    notes: tuple[str, ...] = (),
) -> EmailMessage:
    from reports.digest import digest, render_email_html, render_email_text

    chosen, left_out = fit(files, MAX_ATTACH if cap is None else cap)
    d = digest(result, (*left_out, *notes))
    return compose(cfg, subject(cfg, result, code), render_email_text(d), render_email_html(d), chosen)


def fit(files: list[Attachment], cap: int) -> tuple[list[Attachment], list[str]]:
    """The attachments within `cap` bytes, in order, and a note for each one left out."""
    chosen, left_out, total = [], [], 0
    for a in files:
        if total + len(a.data) > cap:
            where = f"; it is on disk at {a.path}" if a.path else ""
            left_out.append(
                f"{a.name} ({_size(len(a.data))}) is not attached: the attachments would pass the "
                f"{_size(cap)} limit{where}"
            )
            continue
        chosen.append(a)
        total += len(a.data)
    return chosen, left_out


def compose(cfg: EmailConfig, title: str, text: str, html: str, files: list[Attachment]) -> EmailMessage:
    """A message to [email]'s recipients: plain text, an HTML alternative when given, files attached."""
    msg = EmailMessage(policy=_POLICY)
    msg["Subject"] = title
    msg["From"] = cfg.from_
    msg["To"] = ", ".join(cfg.to)
    if cfg.cc:
        msg["Cc"] = ", ".join(cfg.cc)
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid("mdm-preflight", domain=cfg.from_.rpartition("@")[2] or None)
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies to a robot
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    for a in files:
        maintype, subtype = _TYPES[a.fmt]
        # Base64 of the file's bytes: the attachment is the report, byte for byte.
        params = {} if maintype == "application" and subtype == "pdf" else {"charset": "utf-8"}
        msg.add_attachment(a.data, maintype=maintype, subtype=subtype, filename=a.name, params=params)
    return msg


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.0f} kB"


def send(cfg: EmailConfig, msg: EmailMessage, secret: str | None, timeout: float) -> None:
    """Deliver to every recipient or raise MailError; `timeout` bounds each SMTP operation."""
    port = cfg.port or DEFAULT_PORTS[cfg.security]
    where = f"{cfg.smtp_host}:{port}"
    try:
        _deliver(cfg, msg, secret, timeout, port)
    except MailError as exc:
        raise MailError(_scrub(f"{where}: {exc}", secret)) from None
    except Exception as exc:
        raise MailError(_scrub(f"{where}: {_why(exc, cfg, timeout)}", secret)) from None


def _deliver(cfg: EmailConfig, msg: EmailMessage, secret: str | None, timeout: float, port: int) -> None:
    ctx = ssl.create_default_context(cafile=cfg.ca_file or None)
    smtp: smtplib.SMTP
    if cfg.security == "tls":
        smtp = smtplib.SMTP_SSL(cfg.smtp_host, port, timeout=timeout, context=ctx)
    else:
        smtp = smtplib.SMTP(cfg.smtp_host, port, timeout=timeout)
    with smtp:
        smtp.ehlo()
        if cfg.security == "starttls":
            if not smtp.has_extn("starttls"):
                raise MailError("the server does not offer STARTTLS; nothing was sent (see [email] security)")
            smtp.starttls(context=ctx)
            smtp.ehlo()
        if cfg.user:
            smtp.login(cfg.user, secret or "")
        refused = smtp.send_message(msg, from_addr=cfg.from_, to_addrs=[*cfg.to, *cfg.cc])
    if refused:
        raise MailError(f"recipients refused: {', '.join(sorted(refused))}")


def _why(exc: Exception, cfg: EmailConfig, timeout: float) -> str:
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        return f"login refused for {cfg.user} ({exc.smtp_code} {_text(exc.smtp_error)})"
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return f"recipients refused: {', '.join(sorted(exc.recipients))}"
    if isinstance(exc, smtplib.SMTPSenderRefused):
        return f"sender {cfg.from_} refused ({exc.smtp_code} {_text(exc.smtp_error)})"
    if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code < 0:  # smtplib's "not a reply"
        return f"the server does not speak SMTP (it sent {_text(exc.smtp_error)[:60]!r})"
    if isinstance(exc, smtplib.SMTPResponseException):
        return f"server said {exc.smtp_code} {_text(exc.smtp_error)}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted ({exc.verify_message}); set [email] ca_file to your CA bundle"
    if isinstance(exc, ssl.SSLError):
        return f"TLS failed ({exc.reason or exc})"
    if isinstance(exc, TimeoutError) or isinstance(exc.__context__, TimeoutError):  # smtplib re-raises
        return f"no answer within {timeout:g} s"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused (is the mail server listening on this port?)"
    if isinstance(exc, smtplib.SMTPServerDisconnected):
        return f"the server closed the connection ({exc})"
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return f"{exc} (check [email] port and security; leave user empty for a relay without login)"
    if isinstance(exc, smtplib.SMTPException):
        return f"SMTP error: {exc}"
    if isinstance(exc, OSError):
        return f"cannot connect ({exc.strerror or exc})"
    return f"{type(exc).__name__}: {exc}"


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def _scrub(text: str, secret: str | None) -> str:
    """Servers may echo what they were sent: the password and its base64 forms never reach a log."""
    if not secret:
        return text
    forms = {secret, base64.b64encode(secret.encode()).decode()}
    for form in sorted(forms, key=len, reverse=True):
        text = text.replace(form, "********")
    return text
