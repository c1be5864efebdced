"""Stand-ins for Microsoft's sign-in service and Microsoft Graph: real HTTPS servers on 127.0.0.1.

They answer as the documented examples do (tenant facts §1 and §2): userrealm 2.1 and getuserrealm.srf,
the domain's OpenID configuration (400 AADSTS90002 for a domain no tenant holds), a token endpoint
that verifies the client assertion msal signs with the app's certificate, and Graph with paging, 403
for a permission the app lacks, and 404 for an absent Apple push certificate. Every request is kept,
with its body, so a test can prove what was and was not sent.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.lab.web import Request, Route, WebLab

TENANT_A = "6babcaad-604b-40ac-a9d7-9fd97c0b779f"
TENANT_B = "0a2b9c1e-7d44-4f0e-9b1a-3c5d7e9f1b2d"
CLIENT_ID = "3f9c7e2a-1b4d-4c6e-8a0f-2d4b6c8e0a1c"
JSON = "application/json; charset=utf-8"
NOT_FOUND = (
    "AADSTS90002: Tenant '{0}' not found. Check to make sure you have the correct tenant ID and are "
    "signing into the correct cloud.\r\nTrace ID: 0b3c\r\nCorrelation ID: 7e1f\r\n"
    "Timestamp: 2026-12-06 09:00:00Z"
)


@dataclass
class Domain:
    kind: str = "managed"  # managed federated unknown viral garbage nonamespace error throttled
    tenant: str = TENANT_A
    sts: str = "sts.contoso.com"
    brand: str = "Contoso"


@dataclass
class Seen:
    method: str
    path: str
    body: bytes
    at: float


@dataclass
class App:
    """The app registration: its certificate (and key) as Entra ID and the scanner each hold them."""

    pem: Path  # private key and certificate, for [graph] certificate
    pfx: Path  # the same in PKCS#12, protected by `password`
    password: str
    der: bytes  # the certificate Entra ID holds for the app
    client_id: str = CLIENT_ID


def make_app(tmp: Path, password: str = "Pfx Pw+/9") -> App:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.hazmat.primitives.serialization import pkcs12
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "mdm-preflight reader")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    pem = tmp / "app.pem"
    pem.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        + cert.public_bytes(serialization.Encoding.PEM)
    )
    pfx = tmp / "app.pfx"
    enc = serialization.BestAvailableEncryption(password.encode())
    pfx.write_bytes(pkcs12.serialize_key_and_certificates(b"app", key, cert, None, enc))
    return App(pem=pem, pfx=pfx, password=password, der=cert.public_bytes(serialization.Encoding.DER))


@dataclass
class Graph:
    """What the tenant holds, as Graph returns it."""

    domains: list[dict[str, Any]] = field(default_factory=list)
    organization: dict[str, Any] = field(default_factory=dict)
    mdm_authority: str = "intune"
    push: dict[str, Any] | None = None  # None: 404, no certificate
    federation: dict[str, dict[str, Any]] = field(default_factory=dict)  # domain -> internalDomainFederation
    denied: set[str] = field(default_factory=set)  # path prefixes answering 403
    throttled: set[str] = field(default_factory=set)  # paths answering 429 (Retry-After: 1) once
    page_size: int = 2
    verification: dict[str, str] = field(default_factory=dict)  # domain -> its 8 digits (MS=ms…)


class TenantLab:
    def __init__(
        self,
        web: WebLab,
        domains: dict[str, Domain],
        graph: Graph | None = None,
        app: App | None = None,
        default: Domain | None = None,  # for domains not listed; default: unknown to every tenant
    ):
        self.domains, self.graph, self.app = domains, graph or Graph(), app
        self.default = default or Domain(kind="unknown")
        self.seen: list[Seen] = []
        self.tokens: set[str] = set()
        self.lock = threading.Lock()
        self.throttled: set[str] = set()
        self.retry_after = 1
        self.userrealm = True  # False: /common/userrealm answers 404, as in a cloud without it
        cert = web.cert("127.0.0.1")
        self.login = web.serve(self._login, cert)
        self.graph_server = web.serve(self._graph, cert)
        self.ca_file = web.ca_file

    @property
    def authority(self) -> str:
        return f"https://127.0.0.1:{self.login.port}"

    @property
    def endpoint(self) -> str:
        return f"https://127.0.0.1:{self.graph_server.port}"

    def _log(self, req: Request) -> None:
        import time

        with self.lock:
            self.seen.append(Seen(req.method, unquote(req.path), req.body, time.monotonic()))

    def _login(self, req: Request) -> Route:
        self._log(req)
        url = urlsplit(req.path)
        parts = [unquote(p) for p in url.path.split("/") if p]
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        if parts[:2] == ["common", "userrealm"] and len(parts) == 3:
            return self._realm(parts[2], v2=True)
        if parts == ["getuserrealm.srf"]:
            return self._realm(query.get("login", ""), v2=False)
        if parts[1:] == ["v2.0", ".well-known", "openid-configuration"]:
            return self._openid(parts[0])
        if parts[1:] == ["oauth2", "v2.0", "token"] and req.method == "POST":
            return self._token(parts[0], req)
        return Route(status=404, body=b"not found")

    def _realm(self, login: str, *, v2: bool) -> Route:
        name = login.rsplit("@", 1)[-1].lower()
        d = self.domains.get(name, self.default)
        if v2 and not self.userrealm:  # a cloud without the newer endpoint (msal falls back the same way)
            return Route(status=404, body=b"")
        if d.kind == "throttled" and name not in self.throttled:
            self.throttled.add(name)
            return _json({"error": "throttled"}, 429, (("Retry-After", str(self.retry_after)),))
        if d.kind == "garbage":
            return Route(body=b"<html><body>Sign in to your account</body></html>")
        if d.kind == "error":
            return Route(status=500, body=b"Internal Server Error")
        if d.kind == "nonamespace":
            return _json({"Login": login, "DomainName": name})
        kind = {"unknown": "Unknown", "federated": "Federated"}.get(d.kind, "Managed")
        auth = (
            f"https://{d.sts}/adfs/ls/?username={login.replace('@', '%40')}&wa=wsignin1.0"
            "&wtrealm=urn%3afederation%3aMicrosoftOnline&wctx="
        )
        if not v2:  # getuserrealm.srf: the documented managed example, and AADInternals' federated one
            body: dict[str, Any] = {"State": 4, "UserState": 1, "Login": login, "NameSpaceType": kind}
            if kind != "Unknown":
                body |= {
                    "DomainName": name,
                    "FederationBrandName": d.brand,
                    "CloudInstanceName": "microsoftonline.com",
                    "CloudInstanceIssuerUri": "urn:federation:MicrosoftOnline",
                }
            if kind == "Federated":
                body |= {"State": 3, "UserState": 2, "FederationGlobalVersion": -1, "AuthURL": auth}
            return _json(body)
        if kind == "Unknown":
            return _json({"NameSpaceType": "Unknown", "Login": login})
        body = {
            "NameSpaceType": kind,
            "Login": login,
            "DomainName": name,
            "FederationBrandName": d.brand,
            "cloud_instance_name": "microsoftonline.com",
        }
        if kind == "Federated":  # the documented 2.1 sample's shape
            body = {
                "NameSpaceType": "Federated",
                "federation_protocol": "WSTrust",
                "Login": login,
                "AuthURL": auth,
                "DomainName": name,
                "FederationBrandName": d.brand,
                "cloudinstancename": "login.microsoftonline.com",
            }
        if d.kind == "viral":
            body["IsViral"] = True
        return _json(body)

    def _openid(self, tenant: str) -> Route:
        known = {TENANT_A, TENANT_B, self.default.tenant, *(d.tenant for d in self.domains.values())}
        tid = tenant if tenant in known else None
        d = self.domains.get(tenant.lower(), self.default if "." in tenant else None)
        if d is not None and d.kind not in ("unknown",):
            tid = d.tenant
        if tid is None:
            return _json(
                {
                    "error": "invalid_tenant",
                    "error_description": NOT_FOUND.format(tenant),
                    "error_codes": [90002],
                },
                400,
            )
        base = self.authority
        return _json(
            {
                "token_endpoint": f"{base}/{tid}/oauth2/v2.0/token",
                "authorization_endpoint": f"{base}/{tid}/oauth2/v2.0/authorize",
                "jwks_uri": f"{base}/{tid}/discovery/v2.0/keys",
                "issuer": f"https://login.microsoftonline.com/{tid}/v2.0",
                "tenant_region_scope": "EU",
                "cloud_instance_name": "microsoftonline.com",
                "msgraph_host": "graph.microsoft.com",
            }
        )

    def _token(self, tenant: str, req: Request) -> Route:
        import jwt
        from cryptography import x509

        form = {k: v[0] for k, v in parse_qs(req.body.decode()).items()}
        if self.app is None or form.get("client_id") != self.app.client_id:
            return _json(
                {
                    "error": "unauthorized_client",
                    "error_description": "AADSTS700016: Application with "
                    f"identifier '{form.get('client_id')}' was not found in the directory.",
                },
                400,
            )
        cert = x509.load_der_x509_certificate(self.app.der)
        assertion = form.get("client_assertion", "")
        try:
            header = jwt.get_unverified_header(assertion)
            thumb = base64.urlsafe_b64encode(hashlib.sha1(self.app.der).digest()).decode().rstrip("=")
            if str(header.get("x5t", "")).rstrip("=") != thumb:  # msal keeps the padding
                raise jwt.InvalidTokenError("x5t")
            claims = jwt.decode(
                assertion,
                cert.public_key(),
                algorithms=["RS256", "PS256"],
                audience=f"{self.authority}/{tenant}/oauth2/v2.0/token",
            )
            if claims.get("iss") != self.app.client_id or claims.get("sub") != self.app.client_id:
                raise jwt.InvalidTokenError("iss/sub")
        except jwt.PyJWTError as exc:
            return _json(
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS700027: Client assertion "
                    f"failed signature validation. ({exc})",
                },
                401,
            )
        token = secrets.token_urlsafe(24)
        self.tokens.add(token)
        return _json(
            {"token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": token}
        )

    def _graph(self, req: Request) -> Route:
        self._log(req)
        url = urlsplit(req.path)
        path, query = unquote(url.path), {k: v[0] for k, v in parse_qs(url.query).items()}
        if req.headers.get("authorization", "").removeprefix("Bearer ") not in self.tokens:
            return _json(
                {"error": {"code": "InvalidAuthenticationToken", "message": "Access token is empty."}}, 401
            )
        if any(path.startswith(p) for p in self.graph.denied):
            return _json(
                {
                    "error": {
                        "code": "Authorization_RequestDenied",
                        "message": "Insufficient privileges to complete the operation.",
                    }
                },
                403,
            )
        g = self.graph
        if path in g.throttled:
            g.throttled.discard(path)
            return _json({"error": {"code": "TooManyRequests"}}, 429, (("Retry-After", "1"),))
        if path == "/v1.0/domains":
            start = int(query.get("$skiptoken", "0"))
            page: dict[str, Any] = {"value": g.domains[start : start + g.page_size]}
            if start + g.page_size < len(g.domains):
                page["@odata.nextLink"] = f"{self.endpoint}/v1.0/domains?$skiptoken={start + g.page_size}"
            return _json(page)
        if path == "/v1.0/organization":
            return _json({"value": [g.organization]})
        if path == f"/v1.0/organization/{g.organization.get('id')}":
            return _json(
                {
                    "@odata.type": "#microsoft.graph.organization",
                    "id": g.organization.get("id"),
                    "mobileDeviceManagementAuthority": g.mdm_authority,
                }
            )
        if path == "/v1.0/deviceManagement/applePushNotificationCertificate":
            if g.push is None:
                return _json({"error": {"code": "ResourceNotFound", "message": "Not found"}}, 404)
            return _json(g.push)
        parts = path.split("/")
        if len(parts) == 5 and parts[2] == "domains" and parts[4] == "verificationDnsRecords":
            known = next((d for d in g.domains if d["id"] == parts[3]), None)
            if known is None:
                return _json({"error": {"code": "Request_ResourceNotFound", "message": "Not found"}}, 404)
            return _json({"value": verification_records(parts[3], g.verification.get(parts[3], "21173179"))})
        if len(parts) == 5 and parts[2] == "domains" and parts[4] == "federationConfiguration":
            fed = g.federation.get(parts[3])
            return _json({"value": [fed] if fed else []})
        return _json({"error": {"code": "BadRequest", "message": f"Resource not found for {path}"}}, 400)


def _json(body: Any, status: int = 200, headers: tuple[tuple[str, str], ...] = ()) -> Route:
    return Route(status=status, body=json.dumps(body).encode(), content_type=JSON, headers=headers)


def graph_domain(name: str, *, federated: bool = False, verified: bool = True) -> dict[str, Any]:
    """A domain as Graph's documented examples show it (a federated one lacks the password fields)."""
    body: dict[str, Any] = {
        "authenticationType": "Federated" if federated else "Managed",
        "availabilityStatus": None,
        "id": name,
        "isAdminManaged": True,
        "isDefault": False,
        "isInitial": name.endswith(".onmicrosoft.com"),
        "isRoot": verified,
        "isVerified": verified,
        "supportedServices": ["Email", "OfficeCommunicationsOnline"],
        "state": None,
    }
    if not federated:
        body |= {"passwordValidityPeriodInDays": None, "passwordNotificationWindowInDays": None}
    return body


def verification_records(name: str, digits: str) -> list[dict[str, Any]]:
    """GET /domains/{id}/verificationDnsRecords as the documented example answers (domainDnsTxtRecord
    `text` "MS=ms21173179"), with the MX alternative the admin center offers beside it."""
    return [
        {
            "@odata.type": "microsoft.graph.domainDnsTxtRecord",
            "isOptional": False,
            "label": name,
            "recordType": "Txt",
            "supportedService": None,
            "ttl": 3600,
            "text": f"MS=ms{digits}",
        },
        {
            "@odata.type": "microsoft.graph.domainDnsMxRecord",
            "isOptional": False,
            "label": name,
            "recordType": "Mx",
            "supportedService": None,
            "ttl": 3600,
            "mailExchange": f"ms{digits}.msv1.invalid",
            "preference": 32767,
        },
    ]


def b64(der: bytes) -> str:
    return base64.b64encode(der).decode()
