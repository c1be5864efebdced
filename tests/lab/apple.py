"""Apple push (APNs) certificates made by the tests: a test CA named like Apple's, and MDM push
certificates shaped like the ones the Apple Push Certificates Portal issues (UID = the topic
com.apple.mgmt.External.<uuid>, CN = APSP:<uuid>), written as PEM, DER or PKCS#12."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

APPLE_CA = (
    ("CN", "Apple Application Integration 2 Certification Authority"),
    ("OU", "Apple Certification Authority"),
    ("O", "Apple Inc."),
    ("C", "US"),
)


@dataclass(frozen=True)
class Issued:
    cert: Any  # cryptography x509.Certificate
    key: Any
    topic: str


def _name(parts: tuple[tuple[str, str], ...]) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    oids = {
        "CN": NameOID.COMMON_NAME,
        "OU": NameOID.ORGANIZATIONAL_UNIT_NAME,
        "O": NameOID.ORGANIZATION_NAME,
        "C": NameOID.COUNTRY_NAME,
        "UID": NameOID.USER_ID,
        "E": NameOID.EMAIL_ADDRESS,
    }
    return x509.Name([x509.NameAttribute(oids[k], v) for k, v in parts])


def push_certificate(
    *,
    days: float = 365,
    topic: str | None = None,
    apple_id: str = "",
    issuer: tuple[tuple[str, str], ...] = APPLE_CA,
) -> Issued:
    """An MDM push certificate valid for `days` more days, issued by a fresh test CA named `issuer`."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    now = datetime.now(UTC)
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())
    ident = str(uuid.uuid4())
    topic = f"com.apple.mgmt.External.{ident}" if topic is None else topic
    subject = [("UID", topic), ("CN", f"APSP:{ident}"), ("C", "US")]
    if apple_id:
        subject.insert(2, ("E", apple_id))
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(tuple(subject)))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=365 - days if days < 365 else 1))
        .not_valid_after(now + timedelta(days=days))
        .sign(ca_key, hashes.SHA256())
    )
    return Issued(cert=cert, key=key, topic=topic)


def write(issued: Issued, path: Path, *, password: str | None = None) -> Path:
    """PEM (.pem), DER (.cer) or PKCS#12 (.p12, with the key; encrypted when a password is given)."""
    from cryptography.hazmat.primitives.serialization import (
        BestAvailableEncryption,
        Encoding,
        NoEncryption,
        pkcs12,
    )

    if path.suffix == ".pem":
        path.write_bytes(issued.cert.public_bytes(Encoding.PEM))
    elif path.suffix == ".cer":
        path.write_bytes(issued.cert.public_bytes(Encoding.DER))
    else:
        crypt = BestAvailableEncryption(password.encode()) if password else NoEncryption()
        path.write_bytes(pkcs12.serialize_key_and_certificates(b"apns", issued.key, issued.cert, None, crypt))
    return path
