"""The endpoints source: can this computer reach the Intune service over HTTPS, through its proxy?"""

from __future__ import annotations

import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from importlib.resources import files
from pathlib import Path
from urllib.parse import urlsplit

from scanner import credentials
from scanner.config import Config, EndpointsConfig
from scanner.errors import PreflightError
from scanner.evidence.endpoints import EndpointProbe, EndpointsEvidence
from scanner.sources.net.resolver import lookup
from scanner.sources.net.web import Proxy, fetch, http_client, probe_tls

DEFAULTS = "intune_endpoints.toml"  # package data in scanner/: the one list to update
MAX_BODY = 65_536  # bytes read of each answer: reachability needs the status, not the page
WORKERS = 32  # threads only wait on the network


class EndpointsError(PreflightError):
    """The endpoint list or the proxy setting cannot be used; the message names the key."""


def default_endpoints() -> list[tuple[str, str]]:
    """(address, purpose) pairs from the bundled list."""
    data = tomllib.loads(files("scanner.facts").joinpath(DEFAULTS).read_text(encoding="utf-8"))
    return [(e["address"], e.get("purpose", "")) for e in data["endpoint"]]


def collect_endpoints(cfg: Config) -> EndpointsEvidence:
    ep = cfg.endpoints or EndpointsConfig()
    listed = [(e, "") for e in ep.endpoints] or default_endpoints()
    listed_in = "[endpoints] endpoints" if ep.endpoints else f"the bundled list ({DEFAULTS})"
    targets = [_target(address, purpose) for address, purpose in listed]
    proxy = _proxy(ep)
    ca_file = _path(ep.ca_file, cfg.base_dir)
    pins = {k.lower(): v for k, v in ep.resolve.items()}
    timeout = cfg.scan.timeout
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=min(WORKERS, len(targets) or 1)) as pool:
        probes = tuple(pool.map(lambda t: _probe(t, proxy, ca_file, pins, timeout), targets))
    return EndpointsEvidence(
        listed_in=listed_in,
        proxy=f"{proxy.host}:{proxy.port}" if proxy else "",
        proxy_user=proxy.user if proxy else "",
        ca_file=ca_file,
        timeout=timeout,
        probes=probes,
        seconds=time.monotonic() - t0,
    )


def _target(address: str, purpose: str) -> EndpointProbe:
    """An unprobed EndpointProbe: the address parsed into host, port and URL."""
    text = address.strip()
    parts = urlsplit(text if "://" in text else f"https://{text}")
    try:
        port = parts.port or 443
    except ValueError:
        port = 0
    if parts.scheme != "https" or not parts.hostname or not port:
        raise EndpointsError(f"[endpoints] endpoints: {address!r} is not a host, host:port or https:// URL")
    url = f"https://{parts.netloc}{parts.path or '/'}" + (f"?{parts.query}" if parts.query else "")
    return EndpointProbe(endpoint=text, purpose=purpose, host=parts.hostname, port=port, url=url)


def _proxy(ep: EndpointsConfig) -> Proxy | None:
    if not ep.proxy:
        return None
    text = ep.proxy.strip()
    parts = urlsplit(text if "://" in text else f"http://{text}")
    try:
        port = parts.port
    except ValueError:
        port = None
    if parts.scheme != "http" or not parts.hostname or not port:
        raise EndpointsError(
            f"[endpoints] proxy: {ep.proxy!r} is not an HTTP proxy address like http://proxy.contoso.com:8080"
        )
    password = ""
    if ep.password_env:
        prompt = f"Password for {ep.user} on the proxy: "
        password = credentials.password(ep.password_env, "endpoints", prompt, EndpointsError)
    return Proxy(host=parts.hostname, port=port, user=ep.user, password=password)


def _path(name: str, base: Path | None) -> str:
    if not name:
        return ""
    path = Path(name)
    return str(base / path if base and not path.is_absolute() else path)


def _probe(
    t: EndpointProbe, proxy: Proxy | None, ca_file: str, pins: dict[str, str], timeout: float
) -> EndpointProbe:
    """DNS, TCP, TLS with validation, then one GET; each step bounded, the first failure ends it."""
    t0 = time.monotonic()
    address, dns = "", None
    if proxy is None:
        address = pins.get(t.host.lower(), "")
        if not address:
            dns = lookup(t.host, t.port, timeout=timeout)
            if dns.error:
                return replace(t, dns=dns, seconds=time.monotonic() - t0)
    tls = probe_tls(t.host, t.port, timeout=timeout, address=address, ca_file=ca_file, proxy=proxy)
    done = replace(t, dns=dns, pinned=address, tls=tls)
    if tls.error or not tls.verified:
        return replace(done, seconds=time.monotonic() - t0)
    with http_client(
        timeout=timeout, ca_file=ca_file, resolve={t.host: address} if address else None, proxy=proxy
    ) as client:
        http, _ = fetch(client, t.url, max_bytes=MAX_BODY, timeout=timeout)
    return replace(done, http=http, seconds=time.monotonic() - t0)
