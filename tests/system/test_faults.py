"""The fault matrix: every source against every way its server can fail, in one real scan each.

The world is real: PostgreSQL through psqlODBC (site database), a Samba AD DC (LDAPS), dnsmasq
(public DNS), an HTTPS server with a test CA (AD FS) and the healthy sample logs. One source at a
time is broken — refused, silent, untrusted TLS, refused login, a server-side error, garbage
bytes — and the scan must end within 1.3 times the timeout, name the source and the cause in the
affected checks, leave every other check exactly as in the healthy run, write complete reports and
exit with the documented code.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from scanner import credentials
from scanner.cli import app
from scanner.registry import discover
from tests.conftest import SAMPLES
from tests.lab import site_seed, smtp
from tests.lab.apple import push_certificate, write
from tests.lab.dnsmasq import DnsServer
from tests.lab.kerberos import SPN, KerberosLab
from tests.lab.postgres import PostgresLab
from tests.lab.samba import READER_UPN, SEED_SCP_KEYWORDS, SambaLab
from tests.lab.smtp import Inbox
from tests.lab.tenant import Domain, Graph, TenantLab, b64, graph_domain, make_app
from tests.lab.web import Route, WebLab, federation_metadata, signing_cert

STS = "sts.contoso.com"  # the AD FS name the public DNS lab has an A record for
INTUNE = "manage.contoso.test"  # an Intune endpoint, pinned to 127.0.0.1
APNS_PW = "MDMP_FAULT_APNS_PW"
PATHS = ("/FederationMetadata/2007-06/FederationMetadata.xml", "/adfs/ls/IdpInitiatedSignon.aspx")

TIMEOUT = 4.0  # long enough that the fixed cost of a scan (~0.5 s) is not what is measured
SQL_PW, LDAP_PW, WRONG_PW = "MDMP_FAULT_SQL_PW", "MDMP_FAULT_LDAP_PW", "MDMP_FAULT_WRONG_PW"
MAIL_PW = "MDMP_FAULT_SMTP_PW"
GRAPH_PW = "MDMP_FAULT_GRAPH_PW"
TENANT = SEED_SCP_KEYWORDS[1].split(":", 1)[1]  # the tenant the Samba seed's service connection point names
CANARY = "Wr0ng Canary+Pw/7"  # the wrong password: a space, a plus and a slash so every encoding differs
REPORTS = (
    "report.html",
    "report.md",
    "result.json",
    "findings.csv",
    "junit.xml",
    "action-plan.csv",
    "users.csv",
)
CLEAN_USERS = [(f"user{i}", f"CORP\\user{i}", f"user{i}@contoso.com") for i in range(1, 6)]


KNOWN = [  # the Samba seed's deliberate problems: accepted, so a healthy run is clean (exit 0)
    {"check": "upn.directory_users", "reason": "lab seed"},
    {"check": "upn.forest_suffixes", "reason": "lab seed"},
    {"check": "upn.collision", "reason": "lab seed: john@contoso.com. beside john@contoso.com"},
    {"check": "sync.connector_account", "reason": "lab seed"},
    {"check": "dns.enrollment_cname", "reason": "lab seed: eu.contoso.com points elsewhere"},
    {"check": "dns.registration_cname", "reason": "lab seed"},
    {"check": "tenant.verified_list", "reason": "lab seed: fabrikam.com users, not in verified_domains"},
]


@dataclass
class World:
    base: dict[str, Any]  # the healthy configuration, section by section
    tmp: Path
    web: WebLab
    ports: dict[str, int]  # misbehaving servers by fault name
    sql_port: int
    dns_silent: str
    adfs_faults: dict[str, int]  # an AD FS with an untrusted certificate, one that answers 500 to all
    endpoint_faults: dict[str, int]  # an Intune endpoint with an untrusted certificate
    apns_faults: dict[str, Path]  # a missing certificate file, one that is not a certificate
    log_faults: dict[str, Path]
    samba_ca: Path  # a CA the mail server's certificate does not come from
    labs: dict[str, Any]  # the real servers, for their own records of what the scan did
    tenant_faults: dict[str, int]  # a sign-in service that answers 500 to everything, one with another CA
    healthy: dict[str, tuple[str, str]] | None = None  # check id -> (status, reason) of a healthy scan


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Dns(socketserver.BaseRequestHandler):
    """A DNS server that answers every query with SERVFAIL (or, with garbage=True, noise)."""

    garbage = False

    def handle(self) -> None:
        data, sock = self.request
        if self.garbage or len(data) < 12:
            sock.sendto(b"\x13\x37not-dns" * 3, self.client_address)
            return
        flags = (0x8180 & 0xFFF0) | 2  # a response, recursion available, rcode SERVFAIL
        sock.sendto(
            data[:2] + flags.to_bytes(2, "big") + data[4:6] + b"\0\0\0\0\0\0" + data[12:], self.client_address
        )


class _Refusing(Inbox):
    """A mail server that takes the login and then refuses every recipient: a server-side error."""

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        return "550 5.1.1 mailbox unavailable"


@dataclass
class Mail:
    port: int
    stop: Callable[[], None]


def smtp_server(web: WebLab, handler: Inbox) -> Mail:
    """aiosmtpd with STARTTLS (a certificate from the world's test CA) and AUTH, on 127.0.0.1."""
    from aiosmtpd.controller import Controller

    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    web.cert("mail.contoso.test", "127.0.0.1").configure_cert(ctx)  # type: ignore[attr-defined]
    port = smtp.free_port()
    ctrl = Controller(
        handler,
        hostname="127.0.0.1",
        port=port,
        server_hostname="mail.contoso.test",
        tls_context=ctx,
        require_starttls=True,
        authenticator=smtp._auth,
        auth_require_tls=True,
    )
    ctrl.start()
    return Mail(port=port, stop=ctrl.stop)


def udp_server(garbage: bool) -> tuple[int, Callable[[], None]]:
    handler = type("H", (_Dns,), {"garbage": garbage})
    server = socketserver.ThreadingUDPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server.server_address[1], lambda: (server.shutdown(), server.server_close())


@pytest.fixture(scope="module")
def world(
    postgres_lab: PostgresLab,
    samba_lab: SambaLab,
    dns_public: DnsServer,
    dns_silent: DnsServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    tmp = tmp_path_factory.mktemp("faults")
    postgres_lab.load_users(CLEAN_USERS)
    postgres_lab.load_site(site_seed.healthy([2063597569 + i for i in range(len(CLEAN_USERS))]))
    web = WebLab(tmp)
    signing = signing_cert("ADFS Signing", days=300)
    meta = federation_metadata([signing])
    adfs = web.serve({"/FederationMetadata/2007-06/FederationMetadata.xml": Route(body=meta)}, web.cert(STS))
    probe = web.serve({"/adfs/probe": Route()})
    untrusted = web.serve({}, web.cert(STS, ca=__import__("trustme").CA()))
    failing = web.serve(dict.fromkeys(PATHS, Route(status=500, body=b"Internal Server Error")), web.cert(STS))
    intune = web.serve({"/": Route(body=b"ok")}, web.cert(INTUNE))
    intune_untrusted = web.serve({}, web.cert(INTUNE, ca=__import__("trustme").CA()))
    apns = write(push_certificate(days=300), tmp / "apns.p12", password="Apns-Pw.1")
    fifo = tmp / "hung-share" / "Cloudusersync.log"  # opening a pipe nobody writes blocks, like a dead share
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    junk = tmp / "junk" / "Cloudusersync.log"
    junk.parent.mkdir()
    junk.write_bytes(bytes(range(256)) * 64)
    shutil.copytree(SAMPLES / "healthy", tmp / "logs")
    app = make_app(tmp)
    tenant = TenantLab(
        web, {}, _tenant_graph(signing), app, default=Domain(kind="federated", sts=STS, tenant=TENANT)
    )
    tenant_500 = web.serve(
        lambda req: Route(status=500, body=b"Internal Server Error"), web.cert("127.0.0.1")
    )
    tenant_untrusted = web.serve({}, web.cert("127.0.0.1", ca=__import__("trustme").CA()))
    servfail, stop1 = udp_server(garbage=False)
    noise, stop2 = udp_server(garbage=True)
    base = {
        "site": {"code": "EC1", "company": "Contoso", "verified_domains": ["contoso.com"]},
        "scan": {"timeout": TIMEOUT},
        "sql": {
            "connection_string": postgres_lab.reader_connection_string(),
            "user": postgres_lab.reader_user,
            "password_env": SQL_PW,
            "intune_collection": "EC100012",
        },
        "directory": {
            "url": samba_lab.ldaps_url,
            "user": READER_UPN,
            "password_env": LDAP_PW,
            "ca_file": str(samba_lab.ca_file),
        },
        "dns": {"nameservers": [f"{dns_public.host}:{dns_public.port}"]},
        "adfs": {
            "url": f"https://{STS}:{adfs.port}",
            "ca_file": str(web.ca_file),
            "resolve": {STS: "127.0.0.1"},
            "probe_url": f"http://{STS}:{probe.port}/adfs/probe",
        },
        "logs": {"paths": [str(tmp / "logs")], "timeout": TIMEOUT},
        "endpoints": {
            "endpoints": [f"{INTUNE}:{intune.port}"],
            "ca_file": str(web.ca_file),
            "resolve": {INTUNE: "127.0.0.1"},
        },
        "apns": {"certificate": str(apns), "password_env": APNS_PW},
        "tenant": {"authority": tenant.authority, "ca_file": str(web.ca_file), "tenant_id": TENANT},
        "graph": {
            "endpoint": tenant.endpoint,
            "client_id": app.client_id,
            "tenant_id": TENANT,
            "certificate": str(app.pfx),
            "certificate_password_env": GRAPH_PW,
        },
        "checks": {"logs.cloudusersync_stale": {"relative_to": "newest"}},
        "exceptions": KNOWN,
    }
    ports = {
        "refused": closed_port(),
        "silent": web.silent().port,
        "garbage": web.garbage().port,
        "servfail": servfail,
        "noise": noise,
    }
    inbox = Inbox()
    mail_ok, mail_refusing = smtp_server(web, inbox), smtp_server(web, _Refusing())
    ports |= {"smtp": mail_ok.port, "smtp_error": mail_refusing.port}
    secrets = {
        SQL_PW: postgres_lab.reader_password,
        LDAP_PW: samba_lab.reader_password,
        WRONG_PW: CANARY,
        MAIL_PW: smtp.PASSWORD,
        APNS_PW: "Apns-Pw.1",
        GRAPH_PW: app.password,
    }
    with pytest.MonkeyPatch.context() as mp:
        for k, v in secrets.items():
            mp.setenv(k, v)
        yield World(
            base=base,
            tmp=tmp,
            web=web,
            ports=ports,
            sql_port=postgres_lab.port,
            dns_silent=f"{dns_silent.host}:{dns_silent.port}",
            adfs_faults={"tls": untrusted.port, "server_error": failing.port},
            endpoint_faults={"tls": intune_untrusted.port},
            apns_faults={"refused": tmp / "no-such.p12", "garbage": junk},
            log_faults={"refused": tmp / "gone" / "Logs", "silent": fifo, "garbage": junk.parent},
            samba_ca=samba_lab.ca_file,
            labs={
                "pg": postgres_lab,
                "samba": samba_lab,
                "dns": dns_public,
                "adfs": adfs,
                "probe": probe,
                "inbox": inbox,
                "tenant": tenant,
            },
            tenant_faults={"server_error": tenant_500.port, "tls": tenant_untrusted.port},
        )
    stop1()
    stop2()
    mail_ok.stop()
    mail_refusing.stop()
    web.close()


def _tenant_graph(signing: bytes) -> Graph:
    """A healthy tenant: synchronized minutes ago, Intune as authority, AD FS's certificate held."""
    from datetime import UTC, datetime, timedelta

    now = datetime.now(UTC)
    return Graph(
        domains=[graph_domain("contoso.onmicrosoft.com"), graph_domain("contoso.com", federated=True)],
        organization={
            "id": TENANT,
            "onPremisesSyncEnabled": True,
            "onPremisesLastSyncDateTime": (now - timedelta(minutes=20)).isoformat(),
        },
        push={
            "appleIdentifier": "mdm@contoso.com",
            "expirationDateTime": (now + timedelta(days=300)).isoformat(),
        },
        federation={
            "contoso.com": {"passiveSignInUri": f"https://{STS}/adfs/ls/", "signingCertificate": b64(signing)}
        },
    )


def toml(data: dict[str, Any]) -> str:
    lines: list[str] = []
    for section, values in data.items():
        if section == "exceptions":
            for rule in values:
                lines.append("[[exceptions]]")
                lines += [f"{k} = {json.dumps(v)}" for k, v in rule.items()]
            continue
        if section == "checks":
            for cid, opts in values.items():
                lines.append(f'[checks."{cid}"]')
                lines += [f"{k} = {json.dumps(v)}" for k, v in opts.items()]
            continue
        lines.append(f"[{section}]")
        for k, v in values.items():
            if isinstance(v, dict):
                inner = ", ".join(f"{json.dumps(a)} = {json.dumps(b)}" for a, b in v.items())
                lines.append(f"{k} = {{ {inner} }}")
            else:
                lines.append(f"{k} = {json.dumps(v)}")
    return "\n".join(lines) + "\n"


def scan(world: World, cfg: dict[str, Any], name: str) -> tuple[int, float, str, Path]:
    folder = world.tmp / name
    folder.mkdir(exist_ok=True)
    (folder / "scan.toml").write_text(toml(cfg), encoding="utf-8")
    t0 = time.monotonic()
    email = ["--email"] if "email" in cfg else []
    r = CliRunner().invoke(
        app, ["scan", "-c", str(folder / "scan.toml"), "-o", str(folder / "out"), "-q", *email]
    )
    took = time.monotonic() - t0
    return r.exit_code, took, r.stderr, folder / "out"


def patched(world: World, source: str, fault: str) -> dict[str, Any] | None:
    """The healthy configuration with one source broken one way; None where the fault cannot happen."""
    cfg = json.loads(json.dumps(world.base))
    section = cfg.get(source, {})
    alias = {"server_error": "servfail", "garbage": "noise" if source == "dns" else "garbage"}
    port = world.ports.get(alias.get(fault, fault), 0)
    if source == "sql":
        conn = section["connection_string"]
        change = {
            "refused": lambda: conn.replace(f"Port={world.sql_port}", f"Port={port}"),
            "silent": lambda: conn.replace(f"Port={world.sql_port}", f"Port={port}"),
            "garbage": lambda: conn.replace(f"Port={world.sql_port}", f"Port={port}"),
            "tls": lambda: conn + ";SSLmode=verify-full",
            "server_error": lambda: conn,
        }
        if fault == "auth":
            section["password_env"] = WRONG_PW
        elif fault == "server_error":  # the server refuses: that database does not exist
            section["database"] = "CM_XYZ"
            section["connection_string"] = conn.replace("Database=cm_ec1", "Database=CM_XYZ")
        elif fault in change:
            section["connection_string"] = change[fault]()
        else:
            return None
    elif source == "directory":
        if fault in ("refused", "silent", "garbage"):
            section["url"] = f"ldaps://127.0.0.1:{port}"
        elif fault == "tls":
            section["ca_file"] = str(world.web.ca_file)
        elif fault == "auth":
            section["password_env"] = WRONG_PW
        elif fault == "server_error":
            section["base_dn"] = "OU=Nowhere,DC=corp,DC=contoso,DC=test"
    elif source == "dns":
        if fault in ("tls", "auth"):
            return None
        silent = world.dns_silent
        section["nameservers"] = [silent if fault == "silent" else f"127.0.0.1:{port}"]
    elif source == "adfs":
        if fault == "auth":
            return None
        section["url"] = f"https://{STS}:{world.adfs_faults.get(fault, port)}"
    elif source == "smtp":
        section = cfg["email"] = {
            "smtp_host": "127.0.0.1",
            "port": world.ports["smtp_error" if fault == "server_error" else "smtp"],
            "user": smtp.USER,
            "password_env": WRONG_PW if fault == "auth" else MAIL_PW,
            "ca_file": str(world.samba_ca if fault == "tls" else world.web.ca_file),
            "from": "scanner@contoso.test",
            "to": ["admin@contoso.test"],
            "send": "always",
        }
        if fault in ("refused", "silent", "garbage"):
            section["port"] = port
    elif source == "logs":
        if fault not in world.log_faults:
            return None
        section["paths"] = [str(world.log_faults[fault])]
    elif source == "endpoints":
        if fault in ("auth", "server_error"):  # proxy authentication: tests/sources/test_endpoints.py
            return None
        section["endpoints"] = [f"{INTUNE}:{world.endpoint_faults.get(fault, port)}"]
    elif source == "tenant":
        if fault == "auth":
            return None
        port = world.tenant_faults.get(fault, port)
        section["authority"] = f"https://127.0.0.1:{port}"
    elif source == "graph":
        if fault != "auth":  # the token's way to the sign-in service is the tenant source's matrix
            return None
        section["certificate_password_env"] = WRONG_PW
    elif source == "apns":
        if fault == "auth":
            section["password_env"] = WRONG_PW
        elif fault in world.apns_faults:
            section["certificate"] = str(world.apns_faults[fault])
        else:
            return None
    return cfg


# (source, fault) -> words the affected checks' reason must hold: the cause in plain words.
CAUSES = {
    ("sql", "refused"): "connection refused",
    ("sql", "silent"): "no answer within",
    ("sql", "tls"): "TLS failed",
    ("sql", "auth"): "login failed",
    ("sql", "server_error"): "no such database",
    ("sql", "garbage"): "does not speak the expected protocol",
    ("directory", "refused"): "connection refused",
    ("directory", "silent"): "no answer within",
    ("directory", "tls"): "certificate is not trusted",
    ("directory", "auth"): "wrong user name or password",
    ("directory", "server_error"): "noSuchObject",
    ("directory", "garbage"): "TLS handshake failed",
    ("dns", "refused"): "no DNS server answered",
    ("dns", "silent"): "no DNS server answered",
    ("dns", "server_error"): "SERVFAIL",
    ("dns", "garbage"): "no DNS server answered",
    ("adfs", "refused"): "connection refused",
    ("adfs", "silent"): "no answer within",
    ("adfs", "tls"): "not trusted",
    ("adfs", "server_error"): "HTTP 500",
    ("adfs", "garbage"): "TLS handshake failed",
    ("smtp", "refused"): "refused",
    ("smtp", "silent"): "no answer",
    ("smtp", "tls"): "certificate",
    ("smtp", "auth"): "login refused",
    ("smtp", "server_error"): "recipients refused",
    ("smtp", "garbage"): "does not speak SMTP",
    ("logs", "refused"): "no such file or folder",
    ("logs", "garbage"): "binary file, not a ConfigMgr log",
    ("endpoints", "refused"): "connection refused",
    ("endpoints", "silent"): "no answer within",
    ("endpoints", "tls"): "fails TLS validation",
    ("endpoints", "garbage"): "TLS handshake failed",
    ("apns", "refused"): "cannot read",
    ("apns", "auth"): f"cannot open the PKCS#12 file with the password in {WRONG_PW}",
    ("apns", "garbage"): "not a certificate file",
    ("tenant", "refused"): "connection refused",
    ("tenant", "silent"): "no answer within",
    ("tenant", "tls"): "not trusted",
    ("tenant", "server_error"): "HTTP 500",
    ("tenant", "garbage"): "TLS handshake failed",
    ("graph", "auth"): f"cannot open it with the password in {WRONG_PW}",
}
# Not applicable: DNS has no TLS or login; AD FS is anonymous; a log share that hangs cannot be made
# on loopback without a kernel mount (the runner's deadline for it is tested in tests/test_runner.py).
# AD FS is what the adfs checks measure: a dead service is their finding (adfs.reachable fails), not
# an unknown; the checks that need its pages are errors. Its high finding makes the exit code 1.
ADFS_VERDICT = {
    "refused": {"adfs.reachable": "fail", "adfs.probe": "pass"},  # the probe listens on port 80, apart
    "silent": {"adfs.reachable": "fail", "adfs.probe": "pass"},
    "garbage": {"adfs.reachable": "fail", "adfs.probe": "pass"},
    "tls": {"adfs.tls_certificate": "fail", "adfs.reachable": "pass", "adfs.probe": "pass"},
    "server_error": {
        "adfs.metadata": "fail",
        "adfs.reachable": "pass",
        "adfs.tls_certificate": "pass",
        "adfs.idp_signon_exposed": "pass",
        "adfs.probe": "pass",
    },
}
# An Intune endpoint that cannot be reached is what scp.internet_endpoints reports: a high finding.
ENDPOINTS_VERDICT = {f: {"scp.internet_endpoints": "fail"} for f in ("refused", "silent", "tls", "garbage")}
SOURCES = ("adfs", "apns", "directory", "dns", "endpoints", "graph", "logs", "sql", "tenant")
# Graph gets its token from the tenant's sign-in service ([tenant] authority).
AFFECTS = {"tenant": ("tenant", "graph")}
# DNS and the tenant ask about the UPN suffixes these report.
DOWNSTREAM = {"sql": ("dns.", "tenant."), "directory": ("dns.", "tenant.")}
DOWNSTREAM["tenant"] = ("upn.",)  # without the tenant's answer they judge by [site] verified_domains
CATALOG = discover(plugins=False)
MATRIX: dict[tuple[str, str], str] = {}


def needs(check_id: str) -> tuple[str, ...]:
    return CATALOG.specs[check_id].info.needs


@pytest.fixture(scope="module")
def healthy(world: World) -> dict[str, Any]:
    code, _, _, out = scan(world, world.base, "healthy")
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    open_findings = [f for r in data["results"] for f in r["findings"] if not f["accepted"]]
    assert code == 0 and not any(f["severity"] != "info" for f in open_findings), "the healthy world is clean"
    assert {s["name"]: s["status"] for s in data["provenance"]["sources"]} == dict.fromkeys(SOURCES, "ok")
    return {r["check"]["id"]: r for r in data["results"]}


def verdict(result: dict[str, Any]) -> tuple[str, frozenset[str]]:
    return result["status"], frozenset(f["fingerprint"] for f in result["findings"])


def assert_reports_complete(out: Path) -> None:
    import xml.etree.ElementTree as ET

    assert sorted(p.name for p in out.iterdir()) == sorted((*REPORTS, "evidence.json"))
    assert (out / "report.html").read_text(encoding="utf-8").rstrip().endswith("</html>")
    ET.parse(out / "junit.xml")  # well formed
    json.loads((out / "evidence.json").read_text(encoding="utf-8"))
    assert (out / "report.md").read_text(encoding="utf-8").strip()
    assert (out / "findings.csv").read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(("source", "fault"), list(CAUSES), ids=[f"{s}-{f}" for s, f in CAUSES])
def test_one_broken_source_costs_one_timeout_and_changes_nothing_else(
    world: World, healthy: dict[str, Any], source: str, fault: str
) -> None:
    cfg = patched(world, source, fault)
    assert cfg is not None
    MATRIX[source, fault] = judge(world, healthy, cfg, source, fault, CAUSES[source, fault])


def judge(
    world: World, healthy: dict[str, Any], cfg: dict[str, Any], source: str, fault: str, cause: str
) -> str:
    """Scan with one source broken: its checks name the cause, the rest is as healthy, one timeout."""
    code, took, stderr, out = scan(world, cfg, f"{source}-{fault}")
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    results = {r["check"]["id"]: r for r in data["results"]}
    special = {"adfs": ADFS_VERDICT, "endpoints": ENDPOINTS_VERDICT}.get(source, {}).get(fault, {})
    for check_id, r in results.items():
        if check_id in special:
            assert r["status"] == special[check_id], (check_id, r["reason"])
            if special[check_id] == "fail":
                assert cause in " ".join(f["message"] for f in r["findings"]), check_id
        elif set(AFFECTS.get(source, (source,))) & set(needs(check_id)) and r["status"] != "skipped":
            assert r["status"] == "error", (check_id, r["status"])
            assert cause in r["reason"], (check_id, r["reason"])
            assert (
                source in r["reason"] or world.base["adfs"]["url"].split("//")[1].split(":")[0] in r["reason"]
            )
        elif DOWNSTREAM.get(source) and check_id.startswith(DOWNSTREAM[source]):
            assert r["status"] != "error", (check_id, r["reason"])
        else:
            assert verdict(r) == verdict(healthy[check_id]), check_id
    assert took < 1.3 * TIMEOUT, f"{source}/{fault} took {took:.2f} s"
    if source == "smtp":  # the scan is whole; only the mail failed, and says why on one line
        [line] = stderr.strip().splitlines()
        assert line.startswith("mdm-preflight: email not sent:") and cause in line, line
        assert code == 4
    else:
        assert code == (1 if source in ("adfs", "endpoints") else 3)
    assert_reports_complete(out)
    return f"{took:.1f} s, exit {code}"


# The directory bound with Kerberos (the reader's ticket, no password anywhere): the same faults, plus a
# ticket cache without a ticket and a domain controller whose KDC is stopped while LDAP still answers.
KERBEROS_CAUSES = {
    "refused": "connection refused",
    "silent": "no answer within",
    "tls": "certificate is not trusted",
    "auth": "no Kerberos ticket for this account",
    "server_error": "noSuchObject",
    "garbage": "TLS handshake failed",
    "kdc_down": "no Kerberos KDC answered",
}


@pytest.fixture
def kerberos_base(
    world: World, kerberos_lab: KerberosLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    for key, value in kerberos_lab.env(kerberos_lab.kinit(tmp_path / "ccache")).items():
        monkeypatch.setenv(key, value)
    cfg = json.loads(json.dumps(world.base))
    cfg["directory"] = {"url": world.base["directory"]["url"], "auth": "kerberos", "spn": SPN,
                        "ca_file": world.base["directory"]["ca_file"]}  # fmt: skip
    return cfg


def test_kerberos_scan_of_the_healthy_world_is_the_healthy_scan(
    world: World, healthy: dict[str, Any], kerberos_base: dict[str, Any]
) -> None:
    code, _, _, out = scan(world, kerberos_base, "kerberos-healthy")
    data = json.loads((out / "result.json").read_text(encoding="utf-8"))
    assert code == 0
    assert {r["check"]["id"]: verdict(r) for r in data["results"]} == {
        k: verdict(r) for k, r in healthy.items()
    }


@pytest.mark.parametrize("fault", list(KERBEROS_CAUSES))
def test_kerberos_directory_faults(
    world: World,
    healthy: dict[str, Any],
    kerberos_base: dict[str, Any],
    kerberos_lab: KerberosLab,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: str,
) -> None:
    cfg = kerberos_base
    if fault == "auth":
        monkeypatch.setenv("KRB5CCNAME", f"FILE:{tmp_path / 'no-ticket'}")
    elif fault == "kdc_down":
        with kerberos_lab.kdc_stopped():
            MATRIX["kerberos", fault] = judge(
                world, healthy, cfg, "directory", f"krb-{fault}", KERBEROS_CAUSES[fault]
            )
        return
    else:
        patch = patched(world, "directory", fault)
        assert patch is not None
        cfg["directory"].update(
            {k: v for k, v in patch["directory"].items() if k in ("url", "ca_file", "base_dn")}
        )
    MATRIX["kerberos", fault] = judge(
        world, healthy, cfg, "directory", f"krb-{fault}", KERBEROS_CAUSES[fault]
    )


def test_zz_print_the_matrix() -> None:
    """The matrix as it ran (shown with -s; recorded in bench/README.md)."""
    faults = ("refused", "silent", "tls", "auth", "server_error", "garbage", "kdc_down")
    print("\n| source | " + " | ".join(faults) + " |")
    print("|---" * (len(faults) + 1) + "|")
    for src in ("sql", "directory", "kerberos", "dns", "adfs", "logs", "endpoints", "apns", "tenant", "graph",
                "smtp"):  # fmt: skip
        print(f"| {src} | " + " | ".join(MATRIX.get((src, f), "n/a") for f in faults) + " |")


WRITES = (
    "insert",
    "update",
    "delete",
    "merge",
    "create",
    "alter",
    "drop",
    "grant",
    "revoke",
    "truncate",
    "copy",
)


def test_a_full_scan_only_reads_as_every_server_records_it(world: World) -> None:
    """PostgreSQL logs every statement, Samba counts every change, dnsmasq logs every query, and the
    HTTPS servers keep an access log: after a full scan, none shows anything but reads."""
    pg, samba, dns = world.labs["pg"], world.labs["samba"], world.labs["dns"]
    with pg.admin_connect() as cn:
        cn.autocommit = True
        cn.execute("ALTER SYSTEM SET log_statement = 'all'")
        cn.execute("ALTER SYSTEM SET log_line_prefix = '<%u> '")
        cn.execute("SELECT pg_reload_conf()")
    time.sleep(0.3)  # the reload reaches the backends
    pg_log, dns_log = pg.root / "server.log", dns.log
    pg_mark, dns_mark = pg_log.stat().st_size, dns_log.stat().st_size
    seen = {name: len(world.labs[name].log) for name in ("adfs", "probe")}
    usn = _highest_usn(samba)
    code, _, _, _ = scan(world, world.base, "read-only")
    assert code == 0
    # PostgreSQL: what the scanner's login sent, statement by statement.
    # Simple queries are logged as "statement: …", parameterised ones as "execute <name>: …".
    statements = [
        re.split(r"statement: |execute [^:]*: ", line, maxsplit=1)[1].strip()
        for line in pg_log.read_text(encoding="utf-8", errors="replace")[pg_mark:].splitlines()
        if line.startswith(f"<{pg.reader_user}>") and re.search(r"statement: |execute [^:]*: ", line)
    ]
    assert statements and any(s.upper().startswith("SELECT") for s in statements)
    assert not [s for s in statements if s.split()[0].lower() in WRITES], statements
    read = " ".join(statements).lower()  # the site rules' tables were read too, by SELECTs alone
    for table in ("v_site", "v_systemresourcelist", "sc_sysresuse_property", "v_componentsummarizer",
                  "v_statusmessage", "v_statmsgwithinsstrings", "v_fullcollectionmembership"):  # fmt: skip
        assert table in read, table
    # Samba: no object changed but the logon bookkeeping the DC itself keeps for the reader.
    assert _changes_since(samba, usn) <= {"lastLogon", "lastLogonTimestamp", "logonCount", "badPwdCount"}
    # dnsmasq: every line the scan caused is a query.
    lines = [
        ln for ln in dns_log.read_text(encoding="utf-8")[dns_mark:].splitlines() if "from 127.0.0.1" in ln
    ]
    assert lines and all("query[" in ln or "auth[" in ln for ln in lines), lines[:5]  # auth: its own zones
    # AD FS: GET only.
    methods = {m for name in ("adfs", "probe") for m, _ in world.labs[name].log[seen[name] :]}
    assert methods == {"GET"}
    # Microsoft's stand-ins: GET only, but the token request (OAuth's POST to the token endpoint).
    tenant: TenantLab = world.labs["tenant"]
    asked = {(s.method, "token" if s.path.endswith("/oauth2/v2.0/token") else "") for s in tenant.seen}
    assert asked == {("GET", ""), ("POST", "token")}


def test_no_user_name_reaches_microsoft(world: World) -> None:
    """Realm lookups name domains only: every login sent is the placeholder, never a user from the site
    database or the directory (whose names the scan read moments before)."""
    tenant: TenantLab = world.labs["tenant"]
    mark = len(tenant.seen)
    code, _, _, out = scan(world, world.base, "privacy")
    assert code == 0
    sent = [f"{s.path} {s.body.decode(errors='replace')}" for s in tenant.seen[mark:]]
    assert {m for s in sent for m in re.findall(r"([^/?=&\s]+)@", s)} == {"mdm-preflight"}
    evidence = (out / "evidence.json").read_text(encoding="utf-8")
    users = [upn.split("@")[0] for _, _, upn in CLEAN_USERS]
    assert all(f"{u}@contoso.com" in evidence for u in users)  # the scan did read them
    assert not [u for u in users for s in sent if u in s]


def _highest_usn(samba: SambaLab) -> int:
    conn = samba.admin_connection()
    try:
        conn.search("", "(objectClass=*)", search_scope="BASE", attributes=["highestCommittedUSN"])
        return int(conn.entries[0]["highestCommittedUSN"].value)
    finally:
        conn.unbind()


def _changes_since(samba: SambaLab, usn: int) -> set[str]:
    """The attributes of every object whose uSNChanged moved past `usn` (metadata says which)."""
    conn = samba.admin_connection()
    try:
        conn.search(
            samba.base_dn,
            f"(uSNChanged>={usn + 1})",
            attributes=["msDS-ReplAttributeMetaData"],
            paged_size=500,
        )
        changed: set[str] = set()
        for entry in conn.entries:
            for raw in entry["msDS-ReplAttributeMetaData"].values:
                text = raw.decode() if isinstance(raw, bytes) else str(raw)
                if (local := _between(text, "<usnLocalChange>", "</usnLocalChange>")) and int(local) > usn:
                    changed.add(_between(text, "<pszAttributeName>", "</pszAttributeName>"))
        return changed
    finally:
        conn.unbind()


def _between(text: str, start: str, end: str) -> str:
    return text.split(start, 1)[1].split(end, 1)[0] if start in text else ""


def _forms(secret: str, user: str) -> set[str]:
    """Every shape a password could leak in: raw, URL-encoded, base64 alone and in AUTH PLAIN / Basic."""
    b64 = lambda text: base64.b64encode(text.encode()).decode().rstrip("=")  # noqa: E731
    return credentials.forms(secret) | {b64(f"\0{user}\0{secret}"), b64(f"{user}:{secret}"), b64(secret)}


def test_no_password_reaches_any_output_file_log_or_traceback(world: World, tmp_path: Path) -> None:
    """Every command, with the real passwords and a wrong canary, successful and failing logins alike."""
    pg, samba = world.labs["pg"], world.labs["samba"]
    leaks = {
        **{f: "sql" for f in _forms(pg.reader_password, pg.reader_user)},
        **{f: "ldap" for f in _forms(samba.reader_password, READER_UPN)},
        **{f: "smtp" for f in _forms(smtp.PASSWORD, smtp.USER)},
        **{f: "canary" for f in _forms(CANARY, "x")},
        **{f: "apns" for f in _forms("Apns-Pw.1", "x")},
        **{f: "graph certificate" for f in _forms(world.labs["tenant"].app.password, "x")},
    }
    good = json.loads(json.dumps(world.base))
    good["email"] = dict(patched(world, "smtp", "none") or {}).get("email", {}) | {"attach": ["html", "json"]}
    bad = json.loads(json.dumps(good))
    for section in ("sql", "directory", "email"):
        bad[section]["password_env"] = WRONG_PW
    bad["graph"]["certificate_password_env"] = WRONG_PW  # the canary tried on the app's certificate
    bad["sql"]["connection_string"] += f";PWD={{{CANARY}}}"  # a password pasted into the string by mistake
    (tmp_path / "good.toml").write_text(toml(good), encoding="utf-8")
    (tmp_path / "bad.toml").write_text(toml(bad), encoding="utf-8")
    log = [
        "--log-file",
        str(tmp_path / "logs" / "scan.log"),
        "--debug",
        "--history",
        str(tmp_path / "history"),
    ]
    runner = CliRunner()
    runs = [
        runner.invoke(
            app, ["scan", "-c", str(tmp_path / "good.toml"), "-o", str(tmp_path / "good"), "--email", *log]
        ),
        runner.invoke(
            app, ["scan", "-c", str(tmp_path / "bad.toml"), "-o", str(tmp_path / "bad"), "--email", *log]
        ),
        runner.invoke(
            app, ["collect", "-c", str(tmp_path / "bad.toml"), "-o", str(tmp_path / "evidence.json")]
        ),
        runner.invoke(app, ["report", str(tmp_path / "bad" / "result.json"), "-o", str(tmp_path / "again")]),
        runner.invoke(
            app,
            [
                "diff",
                str(tmp_path / "good" / "result.json"),
                str(tmp_path / "bad" / "result.json"),
                "-o",
                str(tmp_path / "diff"),
            ],
        ),
        runner.invoke(app, ["explain", "upn.non_routable_suffix"]),
        runner.invoke(app, ["demo", "-o", str(tmp_path / "demo")]),
    ]
    assert [r.exit_code for r in runs] == [0, 4, 3, 0, 0, 0, 1], [r.output for r in runs]
    sent = "".join(m.message.as_string() for m in world.labs["inbox"].messages)
    assert "Content-Type: multipart" in sent  # the good run's mail arrived, attachments and all
    assert (
        "login refused" in runs[1].stderr and "login failed" in (tmp_path / "bad" / "result.json").read_text()
    )
    assert f"cannot open it with the password in {WRONG_PW}" in (tmp_path / "bad" / "result.json").read_text()
    texts = {f"command {i} output": r.stdout + r.stderr + _traceback(r) for i, r in enumerate(runs)}
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".toml"]  # not the inputs
    texts |= {str(p): p.read_text(encoding="utf-8", errors="replace") for p in written}
    texts["mail received"] = sent
    hits = [(where, leaks[form]) for where, text in texts.items() for form in leaks if form in text]
    assert hits == []
    assert (
        len(texts) > 20 and (tmp_path / "logs" / "scan.log").stat().st_size > 1000
    )  # there was much to search


def _traceback(r: Any) -> str:
    import traceback

    return "".join(traceback.format_exception(*r.exc_info)) if r.exc_info else ""
