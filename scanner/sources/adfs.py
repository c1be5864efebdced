"""The adfs source: AD FS probed from outside as a device would, certificate validation on."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from scanner.config import AdfsConfig
from scanner.errors import PreflightError
from scanner.evidence.adfs import AdfsEvidence
from scanner.sources.net.web import fetch, http_client, probe_tls
from scanner.sources.parse.fedmeta import parse_metadata

METADATA_PATH = "/FederationMetadata/2007-06/FederationMetadata.xml"
PAGES = {  # evidence field -> path on the federation service
    "mex": "/adfs/services/trust/mex",
    "idp_signon": "/adfs/ls/IdpInitiatedSignon.aspx",
    "openid": "/adfs/.well-known/openid-configuration",
}
MAX_METADATA = 5_000_000  # real metadata is tens of kB; more is a broken or hostile server
MAX_PAGE = 256_000
# The IdP-initiated page, when enabled, is a form listing sign-in choices; disabled, AD FS shows an error.
_SIGNON_FORM = re.compile(rb"<form\b[^>]*>.*?(idp_|signin|sign in|signon)", re.I | re.S)
_ERROR_PAGE = re.compile(rb"errorText|An error occurred|MSIS\d{4}", re.I)


class AdfsSourceError(PreflightError):
    """The [adfs] section cannot be used; one line naming what to fix."""


def collect_adfs(cfg: AdfsConfig, timeout: float, base: Path | None = None) -> AdfsEvidence:
    url = urlparse(cfg.url.strip())
    if url.scheme != "https" or not url.hostname:
        raise AdfsSourceError(f"[adfs] url {cfg.url!r}: use https://<federation service name>")
    host, port = url.hostname.lower(), url.port or 443
    origin = f"https://{host}" + (f":{port}" if port != 443 else "")
    probe_url = cfg.probe_url or f"http://{host}/adfs/probe"
    ca_file = str(base / cfg.ca_file) if base and cfg.ca_file else cfg.ca_file
    checked_at = datetime.now(UTC)
    # Everything at once: a silent server costs one timeout, not one per request.
    with (
        http_client(timeout=timeout, ca_file=ca_file, resolve=cfg.resolve, verify=cfg.verify_tls) as client,
        ThreadPoolExecutor(max_workers=6) as pool,
    ):
        tls = pool.submit(
            probe_tls, host, port, timeout=timeout, address=_pin(cfg.resolve, host), ca_file=ca_file
        )
        meta = pool.submit(fetch, client, origin + METADATA_PATH, max_bytes=MAX_METADATA, timeout=timeout)
        probe = pool.submit(fetch, client, probe_url, max_bytes=MAX_PAGE, timeout=timeout)
        pages = {
            k: pool.submit(fetch, client, origin + p, max_bytes=MAX_PAGE, timeout=timeout)
            for k, p in PAGES.items()
        }
        metadata_http, body = meta.result()
        signon, signon_body = pages["idp_signon"].result()
        return AdfsEvidence(
            url=cfg.url,
            host=host,
            port=port,
            checked_at=checked_at,
            verify_tls=cfg.verify_tls,
            tls=tls.result(),
            metadata_http=metadata_http,
            metadata=parse_metadata(body)
            if metadata_http.status == 200 and not metadata_http.truncated
            else None,
            probe=probe.result()[0],
            mex=pages["mex"].result()[0],
            idp_signon=signon,
            idp_signon_form=signon.status == 200 and _is_signon_form(signon_body),
            openid=pages["openid"].result()[0],
        )


def _pin(resolve: dict[str, str], host: str) -> str:
    return next((v for k, v in resolve.items() if k.lower() == host), "")


def _is_signon_form(body: bytes) -> bool:
    return bool(_SIGNON_FORM.search(body)) and not _ERROR_PAGE.search(body)
