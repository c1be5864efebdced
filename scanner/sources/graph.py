"""The graph source: what the tenant itself holds, read through Microsoft Graph with an app-only token.

The token comes from msal with a certificate (no client secret); every read is a GET, and a read the
app has no permission for is that read's error, naming the permission to grant."""

from __future__ import annotations

import base64
import functools
import json
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from scanner import credentials
from scanner.cloud import GraphConfig, TenantConfig
from scanner.config import Config
from scanner.errors import PreflightError
from scanner.evidence.certs import CertInfo
from scanner.evidence.tenant import Federation, GraphDomain, GraphEvidence, PushCertificate
from scanner.sources.net.web import fetch, http_client
from scanner.sources.parse.certs import cert_info

MAX_BODY = 4_000_000  # a page of 999 domains is far less
MAX_PAGES = 50
TRIES = 4  # a throttled read is asked again at most this often, within the deadline
# The least permission each read needs (application permissions, admin consent).
PERMISSIONS = {
    "domains": "Domain.Read.All",
    "organization": "Organization.Read.All",
    "mdm": "DeviceManagementServiceConfig.Read.All",
    "push": "DeviceManagementServiceConfig.Read.All",
    "federation": "Domain.Read.All",
}
_TENANT = re.compile(
    r"^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9.-]+\.[a-z]{2,})$", re.I
)


_STATUS = re.compile(r"HTTP Error: (\d{3})")  # msal's words for a status it did not expect


class GraphSourceError(PreflightError):
    """No token, or the [graph] section cannot be used; one line, never a secret."""


def collect_graph(cfg: Config) -> GraphEvidence:
    gc = cfg.graph or GraphConfig()
    tc = cfg.tenant or TenantConfig()
    endpoint = gc.endpoint.strip().rstrip("/")
    if urlsplit(endpoint).scheme != "https" or not _TENANT.match(gc.tenant_id.strip()) or not gc.client_id:
        raise GraphSourceError(
            "[graph] needs endpoint (https://), client_id, and tenant_id (the directory ID or a domain)"
        )
    ca_file = tc.ca_file  # relative paths were resolved against the config file's folder when loaded
    timeout, t0 = cfg.scan.timeout, time.monotonic()
    token = _token(gc, tc.authority.strip().rstrip("/"), endpoint, ca_file, timeout)
    with http_client(timeout=timeout, ca_file=ca_file) as client:
        api = _Api(client, endpoint, token, timeout, t0 + 2 * timeout)
        with ThreadPoolExecutor(max_workers=8) as pool:
            domains = pool.submit(api.domains)
            org = pool.submit(api.organization)
            push = pool.submit(api.push)
            ev = GraphEvidence(
                endpoint=endpoint,
                tenant_id=gc.tenant_id.strip().lower(),
                client_id=gc.client_id,
                checked_at=datetime.now(UTC),
                max_sync_age_hours=tc.max_sync_age_hours,
                **domains.result(),
                **org.result(),
                **push.result(),
            )
            federated = [d.id for d in ev.domains if d.authentication_type == "Federated"]
            mdm = pool.submit(api.mdm, ev.organization_id or gc.tenant_id)
            federation = tuple(pool.map(api.federation, federated))
            checked = tuple(pool.map(api.verification, ev.domains))
            ev = replace(ev, **mdm.result(), federation=federation, domains=checked)
    return replace(ev, requests=api.requests, seconds=time.monotonic() - t0)


def _token(gc: GraphConfig, authority: str, endpoint: str, ca_file: str, timeout: float) -> str:
    import msal
    import requests

    cred = _credential(Path(gc.certificate), gc.certificate_password_env)
    session = requests.Session()
    # Not the environment's: REQUESTS_CA_BUNDLE would silently replace [tenant] ca_file.
    session.trust_env = False
    session.verify = ca_file or True
    session.request = functools.partial(session.request, timeout=timeout)  # type: ignore[method-assign]
    try:
        app = msal.ConfidentialClientApplication(
            gc.client_id,
            authority=f"{authority}/{gc.tenant_id.strip()}",
            client_credential=cred,
            http_client=session,
            instance_discovery=False,  # the authority is the one configured, US Government clouds too
        )
        result = app.acquire_token_for_client(scopes=[f"{endpoint}/.default"])
    except Exception as exc:  # msal and requests raise many kinds; each is this source's failure
        from scanner.sources.net.web import describe

        answer = getattr(exc, "response", None)
        code = answer.status_code if answer is not None else (m := _STATUS.search(str(exc))) and m.group(1)
        why = f"HTTP {code}" if code else describe(exc, timeout)
        raise GraphSourceError(f"[graph] no token from the [tenant] authority {authority}: {why}") from None
    if "access_token" not in result:
        why = str(result.get("error_description") or result.get("error") or "no token").splitlines()[0]
        raise GraphSourceError(f"[graph] no token from {authority} for client {gc.client_id}: {why[:300]}")
    return str(result["access_token"])


def _credential(path: Path, password_env: str) -> dict[str, str]:
    """The private key (in memory, unencrypted, never written) and the certificate's SHA-1 thumbprint."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.serialization import pkcs12

    def fail(why: str) -> GraphSourceError:
        return GraphSourceError(f"[graph] certificate {path}: {why}")

    if not path.name:
        raise fail("give the app registration's certificate: PEM with its private key, or .pfx")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read ({exc.strerror or exc})") from None
    secret = None
    if password_env:
        secret = credentials.password(
            password_env, "graph", f"Password for {path.name}: ", fail, key="certificate_password_env"
        ).encode()
    try:
        if b"-----BEGIN" in data:
            key: Any = serialization.load_pem_private_key(data, secret)
            certs = x509.load_pem_x509_certificates(data)
        else:
            key, leaf, rest = pkcs12.load_key_and_certificates(data, secret)
            certs = [c for c in (leaf, *rest) if c is not None]
    except (ValueError, TypeError) as exc:
        locked = "password" in str(exc).lower() or "decrypt" in str(exc).lower()
        if locked and password_env:
            raise fail(f"cannot open it with the password in {password_env} (wrong password?)") from None
        if locked:
            raise fail(
                "it is protected by a password: name its variable in certificate_password_env"
            ) from None
        raise fail("not a PEM file with a private key and certificate, nor a PKCS#12 file") from None
    if key is None or not certs:
        raise fail("it must hold both the private key and the certificate")
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return {"private_key": pem.decode(), "thumbprint": certs[0].fingerprint(hashes.SHA1()).hex()}


class _Api:
    """GETs to Graph with the token; Retry-After honoured within the deadline; nextLink followed only
    on the same endpoint, so the token never goes anywhere else."""

    def __init__(self, client: Any, endpoint: str, token: str, timeout: float, deadline: float) -> None:
        self.client, self.endpoint, self.timeout, self.deadline = client, endpoint, timeout, deadline
        self.headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        self.requests = 0
        self.lock = threading.Lock()

    def get(self, path: str, what: str) -> tuple[int, Any, str]:
        """(status, JSON, error in words naming the permission when that is what is missing)."""
        url = path if path.startswith("https://") else f"{self.endpoint}{path}"
        where = urlsplit(url).path
        for _ in range(TRIES):
            with self.lock:
                self.requests += 1
            info, body = fetch(
                self.client, url, max_bytes=MAX_BODY, timeout=self.timeout, headers=self.headers
            )
            wait = max(info.retry_after, 1.0)
            if info.status not in (429, 503) or time.monotonic() + wait >= self.deadline:
                break
            time.sleep(wait)  # throttled: Graph says how long to wait, within the time the scan has
        data = _json(body)
        if info.error:
            return 0, None, f"Graph {where}: {info.error}"
        err = data.get("error") if isinstance(data, dict) else None
        code = str(err.get("code", "")) if isinstance(err, dict) else ""
        if info.status == 403:
            why = f"grant the app the application permission {PERMISSIONS[what]} (with admin consent)"
            return 403, data, f"Graph {where} answered 403 {code}: {why}"
        if info.status not in (200, 404):
            return info.status, data, f"Graph {where} answered HTTP {info.status} {code}".rstrip()
        if info.status == 200 and not isinstance(data, dict):
            return 200, None, f"Graph {where}: the answer is not a JSON object"
        return info.status, data, ""

    def pages(self, path: str, what: str) -> tuple[list[dict[str, Any]], str]:
        items: list[dict[str, Any]] = []
        url: str = path
        for _ in range(MAX_PAGES):
            status, data, error = self.get(url, what)
            if error or status != 200:
                return items, error or f"Graph {path} answered HTTP {status}"
            values = data.get("value")
            items += [v for v in values if isinstance(v, dict)] if isinstance(values, list) else []
            link = data.get("@odata.nextLink")
            if not isinstance(link, str):
                return items, ""
            if not link.startswith(self.endpoint + "/"):
                return items, f"Graph {path}: a next page outside {self.endpoint} was not followed"
            url = link
        return items, f"Graph {path}: more than {MAX_PAGES} pages"

    def domains(self) -> dict[str, Any]:
        items, error = self.pages("/v1.0/domains", "domains")
        return {
            "domains": tuple(_domain(d) for d in items if isinstance(d.get("id"), str)),
            "domains_error": error,
        }

    def organization(self) -> dict[str, Any]:
        select = "id,onPremisesSyncEnabled,onPremisesLastSyncDateTime"
        items, error = self.pages(f"/v1.0/organization?$select={select}", "organization")
        if error or not items:
            return {"organization_error": error or "Graph /v1.0/organization: no organization in the answer"}
        org = items[0]
        sync = org.get("onPremisesSyncEnabled")
        return {
            "organization_id": str(org.get("id", "")).lower(),
            "sync_enabled": sync if isinstance(sync, bool) else None,
            "last_sync": _time(org.get("onPremisesLastSyncDateTime")),
        }

    def mdm(self, org_id: str) -> dict[str, Any]:
        path = f"/v1.0/organization/{quote(org_id, safe='')}?$select=mobileDeviceManagementAuthority"
        status, data, error = self.get(path, "mdm")
        if error or status != 200:
            return {"mdm_error": error or f"Graph {path.split('?')[0]} answered HTTP {status}"}
        value = data.get("value") if isinstance(data.get("value"), dict) else data  # the docs wrap it
        return {"mdm_authority": str(value.get("mobileDeviceManagementAuthority") or "")}

    def push(self) -> dict[str, Any]:
        status, data, error = self.get("/v1.0/deviceManagement/applePushNotificationCertificate", "push")
        if error or status == 404:  # 404: Intune holds no Apple push certificate
            return {"push_error": error}
        return {
            "push": PushCertificate(
                apple_id=str(data.get("appleIdentifier") or ""),
                topic=str(data.get("topicIdentifier") or ""),
                expires=_time(data.get("expirationDateTime")),
                serial=str(data.get("certificateSerialNumber") or ""),
                upload_status=str(data.get("certificateUploadStatus") or ""),
            )
        }

    def verification(self, d: GraphDomain) -> GraphDomain:
        """An unverified domain with the TXT (and MX) record the tenant asks for; on failure, without."""
        if d.is_verified:
            return d
        items, _ = self.pages(f"/v1.0/domains/{quote(d.id, safe='')}/verificationDnsRecords", "domains")
        txt = next((str(r["text"]) for r in items if r.get("recordType") == "Txt" and r.get("text")), "")
        mx = next(
            (str(r["mailExchange"]) for r in items if r.get("recordType") == "Mx" and r.get("mailExchange")),
            "",
        )
        return replace(d, verification_txt=txt, verification_mx=mx)

    def federation(self, domain: str) -> Federation:
        items, error = self.pages(
            f"/v1.0/domains/{quote(domain, safe='')}/federationConfiguration", "federation"
        )
        if error or not items:
            return Federation(domain=domain, error=error or "Entra ID holds no federation configuration")
        fc = items[0]
        return Federation(
            domain=domain,
            issuer_uri=str(fc.get("issuerUri") or ""),
            passive_sign_in_uri=str(fc.get("passiveSignInUri") or ""),
            signing=_cert(fc.get("signingCertificate")),
            next_signing=_cert(fc.get("nextSigningCertificate")),
        )


def _domain(d: dict[str, Any]) -> GraphDomain:
    return GraphDomain(
        id=str(d["id"]).lower(),
        authentication_type=str(d.get("authenticationType") or ""),
        is_verified=d.get("isVerified") is True,
        is_default=d.get("isDefault") is True,
        is_initial=d.get("isInitial") is True,
        is_root=d.get("isRoot") is True,
    )


def _cert(value: Any) -> CertInfo | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return cert_info(base64.b64decode(value, validate=False))
    except ValueError:
        return None


def _time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _json(body: bytes) -> Any:
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None
