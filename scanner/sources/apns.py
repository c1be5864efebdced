"""The apns source: the Apple push (APNs) certificate iOS management depends on, read from its file."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scanner import credentials
from scanner.config import ApnsConfig, Config
from scanner.errors import PreflightError
from scanner.evidence.apns import ApnsEvidence
from scanner.sources.parse.certs import cert_info

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")


class ApnsError(PreflightError):
    """The certificate file cannot be read; the message names the file and variable, never a password."""


def collect_apns(cfg: Config) -> ApnsEvidence:
    ap = cfg.apns or ApnsConfig()
    if not ap.certificate:
        raise ApnsError(
            "[apns] certificate is empty: give the APNs certificate's file (PEM, DER or .p12/.pfx)"
        )
    path = Path(ap.certificate)
    path = cfg.base_dir / path if cfg.base_dir and not path.is_absolute() else path
    now = datetime.now(UTC)
    try:
        fmt, der = read_certificate(path, ap.password_env)
    except ApnsError as exc:
        return ApnsEvidence(file=str(path), read_at=now, error=str(exc))
    return _describe(str(path), now, fmt, der)


def read_certificate(path: Path, password_env: str = "") -> tuple[str, bytes]:
    """(format, DER of the certificate) from a PEM, DER or PKCS#12 file."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ApnsError(f"{path}: cannot read ({exc.strerror or exc})") from None
    if b"-----BEGIN CERTIFICATE-----" in data:
        try:
            return "pem", x509.load_pem_x509_certificates(data)[0].public_bytes(Encoding.DER)
        except ValueError as exc:
            raise ApnsError(f"{path}: damaged PEM certificate ({exc})") from None
    try:
        x509.load_der_x509_certificate(data)
        return "der", data
    except ValueError:
        pass
    return "pkcs12", _pkcs12(path, data, password_env)


def _pkcs12(path: Path, data: bytes, password_env: str) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

    if not (data[:1] == b"\x30" and b"\x02\x01\x03" in data[:8]):  # PFX: a SEQUENCE starting with version 3
        raise ApnsError(f"{path}: not a certificate file (PEM, DER or PKCS#12)")
    if password_env:
        prompt = f"Password for {path.name}: "
        secret = credentials.password(password_env, "apns", prompt, lambda why: ApnsError(f"{path}: {why}"))
        tries: tuple[bytes | None, ...] = (secret.encode("utf-8"),)
    else:
        tries = (None, b"")  # no password, or an empty one: tools write either
    for password in tries:
        try:
            key_cert = pkcs12.load_key_and_certificates(data, password)
        except ValueError:
            continue
        cert = key_cert[1] or next(iter(key_cert[2]), None)
        if cert is None:
            raise ApnsError(f"{path}: the PKCS#12 file holds no certificate")
        return cert.public_bytes(Encoding.DER)
    if password_env:
        raise ApnsError(
            f"{path}: cannot open the PKCS#12 file with the password in {password_env} "
            "(named by [apns] password_env): wrong password, or a damaged file"
        )
    raise ApnsError(
        f"{path}: the PKCS#12 file is protected by a password: name the environment variable holding it "
        "in [apns] password_env"
    )


def _describe(file: str, read_at: datetime, fmt: str, der: bytes) -> ApnsEvidence:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    cert = x509.load_der_x509_certificate(der)

    def first(name: Any, oid: Any) -> str:
        values = name.get_attributes_for_oid(oid)
        return str(values[0].value) if values else ""

    cn = first(cert.subject, NameOID.COMMON_NAME)
    email = first(cert.subject, NameOID.EMAIL_ADDRESS) or (m.group(0) if (m := _EMAIL.search(cn)) else "")
    return ApnsEvidence(
        file=file,
        read_at=read_at,
        format=fmt,
        certificate=cert_info(der),
        topic=first(cert.subject, NameOID.USER_ID),
        apple_id=email,
        issuer_organization=first(cert.issuer, NameOID.ORGANIZATION_NAME),
    )
