"""Kerberos against the Samba lab's DC, which is a real KDC (UDP/TCP 88 on 127.0.0.1).

The reader account's keys are exported with ``samba-tool domain exportkeytab`` (nobody types its
password), ``kinit -k -t`` puts a ticket in a cache inside the test's own folder, and a private
``krb5.conf`` names the KDC: KRB5_CONFIG and KRB5CCNAME point into temporary folders, never at
/etc/krb5.conf or the user's cache. The DC's ``ldap/dc1.corp.contoso.test`` service principal is
registered with ``samba_spnupdate`` (the lab runs without the dnsupdate service that would do it).

Needs (besides the Samba lab): the Debian package krb5-user (kinit, klist) and python-gssapi, which
pip builds from source with libkrb5-dev and gcc (the kerberos extra).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.lab import require
from tests.lab.postgres import PostgresLab
from tests.lab.samba import REALM, TLS_NAME, LabUnavailable, LdapWriteError, SambaLab, _clean_env

SPN = f"ldap/{TLS_NAME}"
DC_SERVICES = "rpc, ldap, cldap, kdc, drepl, winbindd, kcc"  # what the lab's smb.conf runs


@dataclass
class KerberosLab:
    dc: SambaLab
    root: Path  # krb5.conf, the keytab and the tests' ticket caches live here
    principal: str  # the non-admin reader, user@REALM
    keytab: Path

    @property
    def krb5_conf(self) -> Path:
        return self.root / "krb5.conf"

    def env(self, ccache: Path) -> dict[str, str]:
        """The variables that point a process at this realm and at one ticket cache."""
        return {"KRB5_CONFIG": str(self.krb5_conf), "KRB5CCNAME": f"FILE:{ccache}"}

    def kinit(self, ccache: Path, lifetime: str = "") -> Path:
        """A ticket for the reader from its keytab into `ccache` (``lifetime`` like "3s")."""
        life = ["-l", lifetime] if lifetime else []
        done = subprocess.run(
            ["kinit", *life, "-k", "-t", str(self.keytab), self.principal],
            env={**_clean_env(), **self.env(ccache)},
            capture_output=True,
            text=True,
            timeout=30,
        )
        if done.returncode != 0:
            raise RuntimeError(f"kinit failed: {done.stderr.strip()}")
        return ccache

    def keys(self, *, ccache: Path | None = None) -> list[bytes]:
        """The key bytes in the keytab, or the session keys of the tickets in `ccache` (klist -K)."""
        args = ["klist", "-K", "-c", f"FILE:{ccache}"] if ccache else ["klist", "-k", "-K", str(self.keytab)]
        done = subprocess.run(args, env={**_clean_env(), **self.env(ccache or self.root / "none")},
                              capture_output=True, text=True, timeout=30)  # fmt: skip
        words = done.stdout.replace("(", " ").replace(")", " ").split()
        return [bytes.fromhex(w[2:]) for w in words if w.startswith("0x") and len(w) > 18]

    @contextlib.contextmanager
    def kdc_stopped(self) -> Iterator[None]:
        """The DC restarted without its KDC (LDAP still answers), then with it again."""
        services = ", ".join(s for s in DC_SERVICES.split(", ") if s != "kdc")
        self.dc.stop()
        self.dc.options = (f"server services = {services}",)
        try:
            self.dc.start()
            yield
        finally:
            self.dc.stop()
            self.dc.options = ()
            self.dc.start()


PG_SERVICE = "pgsvc"  # the account holding PostgreSQL's service principal, as SQL Server's service account


@contextlib.contextmanager
def postgres_gss(krb: KerberosLab, pg: PostgresLab) -> Iterator[str]:
    """The PostgreSQL lab accepting Kerberos logins of the reader's principal (role "svc-preflight"),
    as SQL Server accepts a domain account's integrated login: a service account in the domain with the
    SPN postgres/127.0.0.1, its keytab given to the server, a pg_hba line for gss. Yields the role."""
    role, spn = krb.dc.reader_sam, f"postgres/{pg.host}"
    try:
        krb.dc.add_user(PG_SERVICE, description="PostgreSQL service (mdm-preflight lab)")
    except LdapWriteError as exc:
        if exc.result.get("result") != 68:  # entryAlreadyExists: a second use in the session
            raise
    env, keytab = _clean_env(), pg.root / "postgres.keytab"
    for args in (
        ["samba-tool", "spn", "add", spn, PG_SERVICE, "-s", str(krb.dc.conf)],
        ["samba-tool", "domain", "exportkeytab", str(keytab), f"--principal={spn}@{REALM}",
         "-s", str(krb.dc.conf)],
    ):  # fmt: skip
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0 and "already" not in (done.stdout + done.stderr):
            raise RuntimeError(f"{' '.join(args[:3])} failed: {(done.stderr or done.stdout).strip()[-300:]}")
    entry = pwd.getpwnam("postgres")
    os.chown(keytab, entry.pw_uid, entry.pw_gid)
    keytab.chmod(0o600)
    hba = pg.root / "data" / "pg_hba.conf"
    before = hba.read_text(encoding="utf-8")
    hba.write_text(f'host all "{role}" {pg.host}/32 gss include_realm=0\n{before}', encoding="utf-8")
    with pg.admin_connect() as cn:
        cn.execute(f"ALTER SYSTEM SET krb_server_keyfile = 'FILE:{keytab}'")
        cn.execute("ALTER SYSTEM SET log_connections = on")  # the server's record of each login
        if not cn.execute("SELECT 1 FROM pg_roles WHERE rolname = ?", role).fetchone():
            cn.execute(f'CREATE ROLE "{role}" LOGIN')  # no password: only Kerberos lets it in
        cn.execute(f'GRANT CONNECT ON DATABASE {pg.database} TO "{role}"')
        cn.execute(f'GRANT USAGE ON SCHEMA dbo TO "{role}"')
        cn.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA dbo TO "{role}"')
        cn.execute("SELECT pg_reload_conf()")
    time.sleep(0.3)  # the reload reaches the postmaster
    try:
        yield role
    finally:
        hba.write_text(before, encoding="utf-8")
        with pg.admin_connect() as cn:
            cn.execute("ALTER SYSTEM RESET krb_server_keyfile")
            cn.execute("ALTER SYSTEM RESET log_connections")
            cn.execute("SELECT pg_reload_conf()")


def check_requirements() -> None:
    for tool, package in (("kinit", "krb5-user"), ("klist", "krb5-user"), ("samba_spnupdate", "samba")):
        if not shutil.which(tool):
            raise LabUnavailable(f"{tool} missing: install the Debian package {package}")
    try:
        import gssapi  # noqa: F401
    except ImportError:
        raise LabUnavailable(
            'gssapi missing: apt-get install libkrb5-dev gcc, then pip install "mdm-preflight[kerberos]"'
        ) from None


def start_kerberos(dc: SambaLab, root: Path) -> KerberosLab:
    env = _clean_env()
    for args in (
        ["samba_spnupdate", "-s", str(dc.conf)],
        ["samba-tool", "domain", "exportkeytab", str(root / "reader.keytab"),
         f"--principal={dc.reader_sam}@{REALM}", "-s", str(dc.conf)],
    ):  # fmt: skip
        done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {(done.stderr or done.stdout).strip()[-300:]}")
    (root / "krb5.conf").write_text(
        "[libdefaults]\n"
        f" default_realm = {REALM}\n"
        " dns_lookup_kdc = false\n dns_lookup_realm = false\n"
        " rdns = false\n dns_canonicalize_hostname = false\n"  # the SPN is ldap/<host in the URL>
        f"[realms]\n {REALM} = {{\n  kdc = {dc.host}\n }}\n"
        f"[domain_realm]\n .{dc.dns_domain} = {REALM}\n",
        encoding="utf-8",
    )
    return KerberosLab(dc=dc, root=root, principal=f"{dc.reader_sam}@{REALM}", keytab=root / "reader.keytab")


@pytest.fixture(scope="session")
def kerberos_lab(samba_lab: SambaLab) -> Iterator[KerberosLab]:
    require(check_requirements)
    root = Path(tempfile.mkdtemp(prefix="mdm-lab-krb5-"))
    try:
        yield start_kerberos(samba_lab, root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def ticket(kerberos_lab: KerberosLab, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh ticket cache in the test's folder, holding the reader's ticket; the process uses it."""
    ccache = kerberos_lab.kinit(tmp_path / "ccache")
    for key, value in kerberos_lab.env(ccache).items():
        monkeypatch.setenv(key, value)
    return ccache
