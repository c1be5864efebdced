"""Federation metadata: the entity id and the signing and encryption certificates, read with defusedxml."""

from __future__ import annotations

import base64
import binascii

from scanner.evidence.adfs import FederationMetadata
from scanner.sources.parse.certs import CertInfo, cert_info

MD = "urn:oasis:names:tc:SAML:2.0:metadata"
DS = "http://www.w3.org/2000/09/xmldsig#"


def parse_metadata(body: bytes) -> FederationMetadata:
    """Any bytes in, a value out: hostile XML (DTDs, entity expansion, external entities) is refused."""
    from xml.etree.ElementTree import ParseError

    import defusedxml.ElementTree as det
    from defusedxml import DefusedXmlException

    if not body.strip():
        return FederationMetadata(error="the document is empty")
    try:
        root = det.fromstring(body, forbid_dtd=True)
    except DefusedXmlException as exc:
        return FederationMetadata(
            error=f"refused: the document declares a DTD or entities ({type(exc).__name__})"
        )
    except (ParseError, LookupError, ValueError) as exc:  # also an unknown or multi-byte declared encoding
        return FederationMetadata(error=f"not XML: {exc}")
    if root.tag != f"{{{MD}}}EntityDescriptor":
        return FederationMetadata(error=f"not federation metadata: the root element is <{_local(root.tag)}>")
    signing: dict[str, CertInfo] = {}
    encryption: dict[str, CertInfo] = {}
    roles = []
    for role in root:
        roles.append(_local(role.tag))
        for key in role.iter(f"{{{MD}}}KeyDescriptor"):
            use = key.get("use", "signing")  # no use attribute: the key serves both purposes
            for text in key.iter(f"{{{DS}}}X509Certificate"):
                info = _certificate(text.text or "")
                bucket = encryption if use == "encryption" else signing
                bucket.setdefault(info.thumbprint or info.error, info)
    return FederationMetadata(
        entity_id=root.get("entityID", ""),
        signing=tuple(sorted(signing.values(), key=lambda c: c.not_after)),
        encryption=tuple(sorted(encryption.values(), key=lambda c: c.not_after)),
        roles=tuple(dict.fromkeys(roles)),
    )


def _certificate(text: str) -> CertInfo:
    try:
        der = base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        der = b""
    return cert_info(der)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
