"""X.509 certificates as plain facts: names, dates, thumbprints — read with cryptography, never trusted."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from scanner.evidence.certs import CertInfo

UNREADABLE = "unreadable certificate"


def cert_info(der: bytes) -> CertInfo:
    """Facts of one DER certificate; damaged bytes give an info with `error` set, never an exception."""
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    try:
        cert = x509.load_der_x509_certificate(der)
        subject, issuer = cert.subject.rfc4514_string(), cert.issuer.rfc4514_string()
        not_before, not_after = cert.not_valid_before_utc, cert.not_valid_after_utc
    except (ValueError, TypeError, x509.InvalidVersion) as exc:  # InvalidVersion is no ValueError
        epoch = datetime.fromtimestamp(0).astimezone()
        return CertInfo(
            subject="", issuer="", not_before=epoch, not_after=epoch, error=f"{UNREADABLE}: {exc}"
        )
    return CertInfo(
        subject=subject,
        issuer=issuer,
        sans=_sans(cert),
        not_before=not_before,
        not_after=not_after,
        serial=f"{cert.serial_number:X}",
        thumbprint=hashlib.sha1(der, usedforsecurity=False).hexdigest().upper(),
        sha256=hashlib.sha256(der).hexdigest().upper(),
        self_signed=cert.subject == cert.issuer,
        is_ca=_extension(cert, x509.BasicConstraints, lambda v: bool(v.ca), False),
        server_auth=_extension(
            cert, x509.ExtendedKeyUsage, lambda v: ExtendedKeyUsageOID.SERVER_AUTH in v, None
        ),
    )


def _sans(cert: Any) -> tuple[str, ...]:
    from cryptography import x509

    def names(ext: Any) -> tuple[str, ...]:
        return (*ext.get_values_for_type(x509.DNSName), *map(str, ext.get_values_for_type(x509.IPAddress)))

    return _extension(cert, x509.SubjectAlternativeName, names, ())  # type: ignore[no-any-return]


def _extension(cert: Any, kind: type, read: Callable[[Any], Any], default: Any) -> Any:
    from cryptography import x509

    try:
        value = cert.extensions.get_extension_for_class(kind).value
    except (x509.ExtensionNotFound, ValueError):  # absent, or present but malformed
        return default
    except x509.DuplicateExtension:  # twice: no client can know which one counts
        return default
    try:
        return read(value)
    except x509.UnsupportedGeneralNameType:
        return default


def pem_or_der_certificates(data: bytes) -> list[bytes]:
    """Every certificate in a PEM bundle as DER; bytes without a PEM marker are taken as one DER."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding

    if b"-----BEGIN CERTIFICATE-----" not in data:
        return [data]
    return [c.public_bytes(Encoding.DER) for c in x509.load_pem_x509_certificates(data)]
