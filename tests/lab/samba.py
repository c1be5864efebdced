"""A real Samba AD domain controller posing as the on-premises forest of a hybrid MDM tenant.

Realm ``CORP.CONTOSO.TEST``, NetBIOS ``CORP``, base ``DC=corp,DC=contoso,DC=test``, DC ``dc1``. The DC
listens on 127.0.0.1 only, on Samba's FIXED ports (LDAP 389, LDAPS 636, GC 3268/3269, Kerberos 88,
kpasswd 464, RPC 135): Samba AD has no setting for its LDAP ports, so there is one lab per machine at a
time (run these tests in one pytest-xdist worker). No DNS, NetBIOS or dnsupdate service runs, and
nothing outside the lab's folder is written (see /work/shared/recipes/samba-ad-dc.md).

TLS: our own test CA (``lab.ca_file``) signs the DC's certificate for ``dc1.corp.contoso.test``, ``dc1``
and the IP address ``127.0.0.1``, with SKI/AKI, so Python 3.13's strict verification passes too. Clients
connect to 127.0.0.1; on Python 3.11 ``ldaps://127.0.0.1`` validates through the IP SAN, but ldap3 on
3.12+ ignores IP SANs (no ssl.match_hostname), so pass ``valid_names=[lab.tls_name]`` (``lab.tls()`` does).

Speed: ``samba-tool domain provision`` (about 4 s) runs once into a cached template folder
``/tmp/mdm-lab-samba-template-<samba version>-<hash>``, which already holds the TLS files, the reader
account ``svc-preflight`` and a never-expiring password policy. Each lab copies it (0.05 s) and starts
``samba -F`` in its own process group (about 0.5-1.5 s); ``seed_standard`` then adds the scenario in
SEED_* (about 1 s).

Samba differs from Windows here: it counts bad passwords (badPwdCount) only while lockout is on, so
the template sets lockoutThreshold = 50; ldap3's NTLM bind does not work against Samba (use SIMPLE);
duplicate UPNs, an empty UPN and (for a user with a password) a UPN with two @ are refused.

Needs root (privileged ports) and the Debian packages samba samba-ad-dc samba-ad-provision
samba-dsdb-modules winbind (ldb-tools is handy, not needed) and openssl, plus ldap3 from pip.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.lab import require

if TYPE_CHECKING:
    import ldap3

HOST = "127.0.0.1"
LDAP_PORT, LDAPS_PORT = 389, 636  # fixed by Samba AD
DC_PORTS = (88, 135, 389, 464, 636, 3268, 3269)
REALM = "CORP.CONTOSO.TEST"
DNS_DOMAIN = "corp.contoso.test"
NETBIOS = "CORP"
BASE_DN = "DC=corp,DC=contoso,DC=test"
CONFIG_DN = f"CN=Configuration,{BASE_DN}"
PARTITIONS_DN = f"CN=Partitions,{CONFIG_DN}"
HOST_NAME = "dc1"
TLS_NAME = f"{HOST_NAME}.{DNS_DOMAIN}"  # the name in the DC's certificate (also: dc1, IP 127.0.0.1)

ADMIN_USER = "Administrator"
ADMIN_PASSWORD = "Passw0rd!Test123"
READER_SAM = "svc-preflight"
READER_PASSWORD = "Rd;Pre-fl1ght!2026"  # ';' on purpose, like the PostgreSQL lab's reader
READER_UPN = f"{READER_SAM}@{DNS_DOMAIN}"
READER_DN = f"CN={READER_SAM},CN=Users,{BASE_DN}"
USER_PASSWORD = "Us3r!Passw0rd"  # every seeded enabled user's password

HYBRID_JOIN_SCP_DN = (
    f"CN=62a0ff2e-97b9-4513-943f-0d221bd30080,CN=Device Registration Configuration,CN=Services,{CONFIG_DN}"
)
# Level 1, plus every authentication and authorization the DC grants ("Successful AuthZ: [LDAP,krb5] user
# [CORP]\[svc-preflight]"): the DC's own record of each bind (see binds_since).
LOG_LEVEL = "1 auth_audit:5"
LOCKOUT_THRESHOLD = 50  # domain policy in the lab (Samba's default 0 never counts bad passwords)
UF_ACCOUNTDISABLE, UF_NORMAL_ACCOUNT, UF_DONT_EXPIRE_PASSWD = 0x2, 0x200, 0x10000
BUILTIN_ACCOUNTS = ("Administrator", "Guest", "krbtgt", "dns-dc1")  # present after provisioning

# --- the standard scenario (seed_standard) ----------------------------------------------------------
# Alternate UPN suffixes on CN=Partitions (the forest's own corp.contoso.test is implicit, not listed).
SEED_UPN_SUFFIXES = ("contoso.com", "corp.contoso.local", "fabrikam.com", "contoso.com.")
SEED_SCP_KEYWORDS = ("azureADName:contoso.com", "azureADId:72f988bf-86f1-41af-91ab-2d7cd011db47")
SEED_OUS = ("OU=Staff", "OU=Service Accounts")
HOSTILE = "<script>alert(1)</script>\u202eexe.txt\nsecond line"  # HTML, right-to-left override, newline


def _guid(n: int) -> bytes:
    """A fixed mS-DS-ConsistencyGuid (uuid.bytes_le, as Entra Connect writes objectGUID)."""
    return uuid.UUID(f"6b1f4e1c-0000-4000-8000-{n:012x}").bytes_le


def _user(
    sam: str,
    upn: str | None,
    issues: tuple[str, ...] = (),
    *,
    enabled: bool = True,
    guid: bytes | None = None,
    ou: str | None = None,
    excluded: bool = False,
    display_name: str | None = None,
    description: str | None = None,
) -> dict[str, Any]:
    return {
        "sam": sam,
        "upn": upn,
        "enabled": enabled,
        "consistency_guid": guid,  # bytes, or None when the attribute is not set
        # what is wrong with the UPN itself: "missing", scanner.facts.upn.ISSUES keys, or what is wrong with
        # its domain: "malformed_domain" (no host name), "non_routable" (no public one)
        "issues": issues,
        "excluded": excluded,  # never exported by directory synchronization: report none of its issues
        "ou": ou,  # None: CN=Users
        "display_name": display_name,
        "description": description,
    }


LONG_LOCAL = "l" + "o" * 68 + "ng"  # 71 characters before the @
MSOL_SAM = "MSOL_0123456789ab"
MSOL_DESCRIPTION = (
    "Account created by Microsoft Azure Active Directory Connect with installation identifier "
    "0123456789ab4cdef0123456789abcde running on computer SYNC01 configured to synchronize to tenant "
    "contoso.onmicrosoft.com. This account must have directory replication permissions in the local "
    "Active Directory and write permission on certain attributes to enable Hybrid Deployment."
)
# lastLogonTimestamp written on the MSOL_ account (Administrator may write it on Samba 4.17).
MSOL_LAST_LOGON = 134078400000000000  # FILETIME of 2025-11-24 00:00 UTC

SEED_USERS: list[dict[str, Any]] = [
    # good ones, some with a source anchor, some without
    _user("alice", "alice@contoso.com", guid=_guid(1), ou="OU=Staff", display_name="Alice Adams"),
    _user("bob", "bob@contoso.com", guid=_guid(2), ou="OU=Staff", display_name="Bob Brown"),
    _user("carol", "carol@contoso.com", ou="OU=Staff", display_name="Carol Clark"),
    _user("dave", "dave@contoso.com", ou="OU=Staff", display_name="Dave Davis"),
    _user("erin", "erin@fabrikam.com", guid=_guid(5), ou="OU=Staff", display_name="Erin Evans"),
    _user(
        "frank", "frank@contoso.com", enabled=False, guid=_guid(6), ou="OU=Staff", display_name="Frank Fox"
    ),
    # problems
    _user("noupn", None, ("missing",), display_name="No UPN"),
    _user("hank", "hank.contoso.com", ("no_at",)),
    _user("ivan", "ivan petrov@contoso.com", ("spaces", "invalid_characters")),
    _user("judy", "judy,smith@contoso.com", ("invalid_characters",)),
    _user("mueller", "müller@contoso.com", ("invalid_characters",), display_name="Jörg Müller"),
    _user("longname", f"{LONG_LOCAL}@contoso.com", ("too_long",)),
    _user("lou", "lou@corp.contoso.local", ("non_routable",)),
    _user("tina", "tina@x.notatld", ("non_routable",)),
    _user(
        "hostile",
        "<script>alert(1)</script>\u202e@contoso.com",
        ("invalid_characters",),
        display_name=HOSTILE,
        description=HOSTILE,
    ),
    _user("newline", "new\nline@contoso.com", ("spaces", "invalid_characters")),
    _user("tom", "tom@contoso.com ", ("spaces",)),  # trailing space: the documented query cuts a letter
    _user("nolocal", "@contoso.com", ("bad_local_part",)),
    _user("nodomain", "nodomain@", ("empty_domain",)),
    # Samba only stores two @ without a password (with one it cannot build the Kerberos salt): disabled.
    _user("multi", "multi@fabrikam@contoso.com", ("multiple_at",), enabled=False),
    # what synchronization rejects and IdFix's rules catch: domains judged as written (Samba takes them all)
    _user("jdot", "john@contoso.com.", ("malformed_domain",)),
    _user("mary", "mary@contoso.com..", ("malformed_domain",)),
    _user("ann", "ann@sub-.contoso.com", ("malformed_domain",)),
    _user("eve", "eve@contoso-.com", ("malformed_domain",)),
    _user("bobh", "bob@-contoso.com", ("malformed_domain",)),
    _user("xpuny", "x@xn--.com", ("malformed_domain",)),
    _user("jlead", "john@.contoso.com", ("malformed_domain",)),
    _user("jodots", "jo..hn@contoso.com", ("double_dot",)),
    _user("zoe", "zoe@contoso.za", ("non_routable",)),
    _user("blank", "   ", ("missing",)),
    # healthy controls, and the users the malformed ones collide with once fixed
    _user("obrien", "o'brien@contoso.com", display_name="Orla O'Brien"),
    _user("kim", "kim@eu.contoso.com"),
    _user("john", "john@contoso.com"),  # Samba refuses Tom@contoso.com beside tom's: see SAMBA_REFUSED_UPNS
    # accounts synchronization leaves out
    _user(MSOL_SAM, None, excluded=True, ou="OU=Service Accounts", description=MSOL_DESCRIPTION),
    _user("HealthMailbox1234", "HealthMailbox1234@corp.contoso.local", ("non_routable",), excluded=True),
]
# Problem UPNs Samba 4.17 refuses on a user created WITH a password: value -> what the error says.
# Duplicate UPNs are refused too (/work/shared/recipes/samba-ad-dc.md §3): use unit-level fake data.
SAMBA_REFUSED_UPNS: dict[str, str] = {
    "": "invalidAttributeSyntax (21): Element userPrincipalName has empty attribute in ldb message",
    "two@fabrikam@contoso.com": "operationsError (1): 00002020: setup_kerberos_keys: generation of a "
    "salting principal failed: Malformed representation of principal",
    # Beside the seeded "tom@contoso.com ": Samba compares UPNs ignoring letter case and surrounding
    # spaces (it keeps a trailing dot apart), so that collision is tested on unit data only.
    "Tom@contoso.com": "constraintViolation (19): 0000202F: samldb: userPrincipalName 'Tom@contoso.com' "
    "is already in use",
}


class LabUnavailable(RuntimeError):
    """Something the lab needs is not installed; the message (one line) names the package."""


# --- the lab object ----------------------------------------------------------------------------------


@dataclass
class SambaLab:
    """A running (or stopped, see stop/start) Samba AD DC in ``root``."""

    root: Path
    host: str = HOST
    ldap_port: int = LDAP_PORT
    ldaps_port: int = LDAPS_PORT
    realm: str = REALM
    dns_domain: str = DNS_DOMAIN
    netbios: str = NETBIOS
    base_dn: str = BASE_DN
    config_dn: str = CONFIG_DN
    tls_name: str = TLS_NAME
    admin_user: str = ADMIN_USER
    admin_upn: str = f"{ADMIN_USER}@{DNS_DOMAIN}"
    admin_password: str = ADMIN_PASSWORD
    reader_sam: str = READER_SAM
    reader_upn: str = READER_UPN
    reader_dn: str = READER_DN
    reader_password: str = READER_PASSWORD
    timings: dict[str, float] = field(default_factory=dict)  # template, clone, start, seed (seconds)
    seed_notes: dict[str, str] = field(default_factory=dict)  # what seed_standard could not write
    options: tuple[str, ...] = ()  # extra smb.conf settings start() passes, e.g. "server services = ..."
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def ca_file(self) -> Path:
        """PEM of the test CA that signed the DC's certificate."""
        return self.root / "private" / "tls-test" / "ca.pem"

    @property
    def conf(self) -> Path:
        return self.root / "etc" / "smb.conf"

    @property
    def log(self) -> Path:
        return self.root / "log" / "samba.stdout"

    @property
    def ldap_url(self) -> str:
        return f"ldap://{self.host}:{self.ldap_port}"

    @property
    def ldaps_url(self) -> str:
        return f"ldaps://{self.host}:{self.ldaps_port}"

    def tls(self, *, validate: bool = True) -> ldap3.Tls:
        """ldap3 Tls validating against the lab CA (names: dc1.corp.contoso.test and 127.0.0.1)."""
        import ssl

        import ldap3

        if not validate:
            return ldap3.Tls(validate=ssl.CERT_NONE)
        return ldap3.Tls(
            validate=ssl.CERT_REQUIRED,
            ca_certs_file=str(self.ca_file),
            valid_names=[self.tls_name, self.host],
        )

    def admin_connection(self) -> ldap3.Connection:
        """Bound as Administrator over plain LDAP, no schema (raw bytes and any attribute go through)."""
        import ldap3

        server = ldap3.Server(self.host, port=self.ldap_port, get_info=ldap3.NONE, connect_timeout=5)
        return ldap3.Connection(
            server,
            self.admin_upn,
            self.admin_password,
            authentication=ldap3.SIMPLE,
            auto_bind=True,
            auto_referrals=False,
            receive_timeout=30,
        )

    def _dn_under(self, ou: str | None) -> str:
        if not ou:
            return f"CN=Users,{self.base_dn}"
        return ou if ou.lower().endswith(self.base_dn.lower()) else f"{ou},{self.base_dn}"

    def add_ou(self, ou: str) -> str:
        """An organizationalUnit (``OU=Staff`` or a full DN); no error when it exists. Returns its DN."""
        dn = self._dn_under(ou)
        with _closing(self.admin_connection()) as c:
            c.add(dn, ["top", "organizationalUnit"])
            if c.result["result"] not in (0, 68):  # 68 entryAlreadyExists
                raise LdapWriteError(dn, c.result)
        return dn

    def add_user(
        self,
        sam: str,
        upn: str | None = None,
        *,
        enabled: bool = True,
        consistency_guid: bytes | None = None,
        description: str | None = None,
        ou: str | None = None,
        display_name: str | None = None,
        password: str | None = USER_PASSWORD,
    ) -> str:
        """Create a user (CN = sAMAccountName) and return its DN. Enabled users get ``password`` and
        UAC 512; disabled ones the same password and UAC 514 (``password=None``: no password, which
        Samba only takes for a disabled user). ``ou``: None (CN=Users), ``OU=Staff`` or a full DN.
        Raises LdapWriteError with the server's message when Samba refuses."""
        from ldap3.utils.dn import escape_rdn

        dn = f"CN={escape_rdn(sam)},{self._dn_under(ou)}"
        attrs: dict[str, Any] = {
            "sAMAccountName": sam,
            "userAccountControl": str(UF_NORMAL_ACCOUNT | (0 if enabled else UF_ACCOUNTDISABLE)),
        }
        if password is not None:
            attrs["unicodePwd"] = f'"{password}"'.encode("utf-16-le")
        if upn is not None:
            attrs["userPrincipalName"] = upn
        if consistency_guid is not None:
            attrs["mS-DS-ConsistencyGuid"] = consistency_guid
        if description is not None:
            attrs["description"] = description
        if display_name is not None:
            attrs["displayName"] = display_name
        with _closing(self.admin_connection()) as c:
            c.add(dn, ["top", "person", "organizationalPerson", "user"], attrs)
            if c.result["result"] != 0:
                raise LdapWriteError(dn, c.result)
        return dn

    def modify(self, dn: str, changes: dict[str, Any]) -> None:
        """ldap3 modify as Administrator; LdapWriteError when refused."""
        with _closing(self.admin_connection()) as c:
            c.modify(dn, changes)
            if c.result["result"] != 0:
                raise LdapWriteError(dn, c.result)

    def add_upn_suffixes(self, suffixes: list[str] | tuple[str, ...]) -> None:
        """Add alternate UPN suffixes to uPNSuffixes on CN=Partitions,<config NC> (present ones are kept)."""
        import ldap3

        dn = f"CN=Partitions,{self.config_dn}"
        with _closing(self.admin_connection()) as c:
            c.search(dn, "(objectClass=*)", ldap3.BASE, attributes=["uPNSuffixes"])
            have = {str(v).lower() for v in (c.entries[0].entry_attributes_as_dict.get("uPNSuffixes") or [])}
            new = [s for s in suffixes if s.lower() not in have]
            if new:
                c.modify(dn, {"uPNSuffixes": [(ldap3.MODIFY_ADD, new)]})
                if c.result["result"] != 0:
                    raise LdapWriteError(dn, c.result)

    def add_hybrid_join_scp(self, keywords: list[str] | tuple[str, ...]) -> str:
        """Create (or overwrite the keywords of) the hybrid Azure AD join service connection point."""
        import ldap3

        container = f"CN=Device Registration Configuration,CN=Services,{self.config_dn}"
        with _closing(self.admin_connection()) as c:
            c.add(container, ["top", "container"])
            if c.result["result"] not in (0, 68):
                raise LdapWriteError(container, c.result)
            c.add(HYBRID_JOIN_SCP_DN, ["top", "serviceConnectionPoint"], {"keywords": list(keywords)})
            if c.result["result"] == 68:
                c.modify(HYBRID_JOIN_SCP_DN, {"keywords": [(ldap3.MODIFY_REPLACE, list(keywords))]})
            if c.result["result"] != 0:
                raise LdapWriteError(HYBRID_JOIN_SCP_DN, c.result)
        return HYBRID_JOIN_SCP_DN

    def bad_pwd_count(self, sam: str) -> int:
        """badPwdCount of a user, read as Administrator (0 when never set)."""
        import ldap3
        from ldap3.utils.conv import escape_filter_chars

        with _closing(self.admin_connection()) as c:
            c.search(
                self.base_dn,
                f"(sAMAccountName={escape_filter_chars(sam)})",
                ldap3.SUBTREE,
                attributes=["badPwdCount"],
            )
            found = [e for e in c.response if e["type"] == "searchResEntry"]
            if not found:
                raise KeyError(sam)
            value = found[0]["raw_attributes"].get("badPwdCount") or [b"0"]
            return int(value[0])

    def log_mark(self) -> int:
        """Where the DC's log ends now: binds_since(mark) reads what happened after."""
        return self.log.stat().st_size if self.log.exists() else 0

    def binds_since(self, mark: int) -> list[tuple[str, str]]:
        """Binds the DC granted after `mark`, from its audit log: (how, account), e.g. ("LDAP,krb5",
        "svc-preflight") for a Kerberos bind, ("LDAP,simple bind", "svc-preflight") for a password.
        Samba also logs "LDAP,no bind" for a request before any bind (StartTLS): not a bind, left out."""
        with open(self.log, "rb") as fh:
            fh.seek(mark)
            text = fh.read().decode("utf-8", errors="replace")
        found = re.findall(r"Successful AuthZ: \[([^\]]*)\] user \[[^\]]*\]\\\[([^\]]*)\]", text)
        return [(how, who) for how, who in found if how.startswith("LDAP") and how != "LDAP,no bind"]

    def start(self) -> None:
        """Start samba -F in its own process group and wait until LDAP answers an authenticated search."""
        if self.proc is not None and self.proc.poll() is None:
            return
        began = time.perf_counter()
        _ensure_ports_free()
        self.log.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                ["samba", "-s", str(self.conf), "-F", "--no-process-group", "--debug-stdout",
                 f"--option=log level = {LOG_LEVEL}", "--maximum-runtime=3600",
                 *(f"--option={o}" for o in self.options)],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                cwd=self.root,
                env=_clean_env(),
                start_new_session=True,  # own process group: stop() kills the whole group
            )  # fmt: skip
        try:
            self._wait_ready(timeout=60)
        except BaseException:
            self.stop()
            raise
        self.timings["start"] = time.perf_counter() - began

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(
                    f"samba exited with {self.proc.returncode}; see {self.log}: {_tail(self.log)}"
                )
            if _port_open(self.host, self.ldap_port) and _port_open(self.host, self.ldaps_port):
                try:
                    with _closing(self.admin_connection()) as c:
                        if c.search(self.base_dn, "(objectClass=domain)", "BASE", attributes=["name"]):
                            return
                except Exception as exc:  # not ready yet
                    last = exc
            time.sleep(0.05)
        raise RuntimeError(
            f"samba not ready after {timeout:.0f} s ({last}); see {self.log}: {_tail(self.log)}"
        )

    def stop(self) -> None:
        """SIGTERM the process group (and every descendant), wait, SIGKILL what is left. Idempotent."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        _kill_tree(proc)


class LdapWriteError(RuntimeError):
    def __init__(self, dn: str, result: dict[str, Any]) -> None:
        self.dn, self.result = dn, result
        super().__init__(
            f"{result.get('description')} ({result.get('result')}): {result.get('message')} [{dn}]"
        )


@contextlib.contextmanager
def _closing(conn: ldap3.Connection) -> Iterator[ldap3.Connection]:
    try:
        yield conn
    finally:
        with contextlib.suppress(Exception):
            conn.unbind()


# --- processes and ports -----------------------------------------------------------------------------


def _clean_env() -> dict[str, str]:
    """samba-tool is /usr/bin/python3 with Debian's python3-samba: keep a venv's PYTHON* out."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON") and k != "VIRTUAL_ENV"}
    env.update(LC_ALL="C.UTF-8", LANG="C.UTF-8")
    for var in ("KRB5_CONFIG", "KRB5CCNAME", "SMB_CONF_PATH"):
        env.pop(var, None)
    return env


def _port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def _ensure_ports_free() -> None:
    busy = [p for p in DC_PORTS if _port_open(HOST, p)]
    if busy:
        raise RuntimeError(
            f"127.0.0.1 ports {busy} are in use (another Samba lab or an orphaned samba, which exits on its "
            "own within an hour): Samba AD cannot move its ports, so only one lab runs at a time"
        )


def _tail(path: Path, lines: int = 5) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return " | ".join(text.strip().splitlines()[-lines:])


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as f:
                ppid = int(f.read().rpartition(")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _descendants(pid: int) -> list[int]:
    kids, out, todo = _children_map(), [], [pid]
    while todo:
        for child in kids.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def _alive(pid: int) -> bool:
    """Running and not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            return f.read().rpartition(")")[2].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def _signal(pids: list[int], pgid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, sig)


def _kill_tree(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    pgid = proc.pid  # start_new_session=True: the root process leads its own group
    pids = _descendants(proc.pid)
    _signal(pids, pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=grace)
    while time.monotonic() < deadline and any(_alive(p) for p in pids):
        time.sleep(0.02)
    left = [p for p in pids if _alive(p)]
    if proc.poll() is None or left:
        _signal(left, pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
    # the listening sockets go with the last process: wait until 389 is free for a restart
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _port_open(HOST, LDAP_PORT):
        time.sleep(0.02)


# --- requirements, template, clone -------------------------------------------------------------------


def check_requirements() -> str:
    """The Samba version string, or LabUnavailable naming the missing package."""
    if os.geteuid() != 0:
        raise LabUnavailable("Samba AD DC needs root (ports 88/135/389/636 on 127.0.0.1)")
    try:
        import ldap3  # noqa: F401
    except ImportError:
        raise LabUnavailable("ldap3 missing: pip install ldap3") from None
    if not shutil.which("samba"):
        raise LabUnavailable("samba daemon missing: install the Debian package samba-ad-dc (and samba)")
    if not shutil.which("samba-tool"):
        raise LabUnavailable("samba-tool missing: install the Debian package samba")
    if not Path("/usr/share/samba/setup/ad-schema").is_dir():
        raise LabUnavailable("AD schema files missing: install the Debian package samba-ad-provision")
    if not shutil.which("openssl"):
        raise LabUnavailable("openssl missing: install the Debian package openssl")
    out = subprocess.run(["samba", "--version"], capture_output=True, text=True, env=_clean_env(), timeout=30)
    version = out.stdout.strip().removeprefix("Version ").strip()
    if out.returncode != 0 or not version:
        raise LabUnavailable(f"samba --version failed: {(out.stderr or out.stdout).strip()}")
    return version


PLACEHOLDER = "@@MDM_LAB_SAMBA_DIR@@"
_PROVISION_OPTIONS = (
    f"--realm={REALM}",
    f"--domain={NETBIOS}",
    f"--host-name={HOST_NAME}",
    "--server-role=dc",
    "--dns-backend=NONE",
    f"--host-ip={HOST}",
    "--option=interfaces = 127.0.0.1",
    "--option=bind interfaces only = yes",
    "--option=server services = -dns -nbt -wrepl -dnsupdate -s3fs -ntp_signd",
    "--option=disable netbios = yes",
)
_EXTRA_GLOBALS = (
    "ldap server require strong auth = no",  # provision drops it when given as --option
    "ldb:nosync = true",
    "tls keyfile = {d}/private/tls-test/key.pem",
    "tls certfile = {d}/private/tls-test/cert.pem",
    "tls cafile = {d}/private/tls-test/ca.pem",
)
_TEMPLATE_FORMAT = "3"  # bump when the template's content changes


def template_dir(version: str) -> Path:
    key = "\n".join((_TEMPLATE_FORMAT, ADMIN_PASSWORD, READER_SAM, READER_PASSWORD, *_PROVISION_OPTIONS,
                     *_EXTRA_GLOBALS))  # fmt: skip
    digest = hashlib.sha256(key.encode()).hexdigest()[:10]
    safe = "".join(ch if ch.isalnum() or ch in ".-_" else "_" for ch in version)
    return Path(tempfile.gettempdir()) / f"mdm-lab-samba-template-{safe}-{digest}"


def ensure_template(version: str) -> tuple[Path, float]:
    """The cached template (built when missing or incomplete) and the seconds spent building it (0.0)."""
    final = template_dir(version)
    if (final / "ready").is_file() and (final / "etc" / "smb.conf").is_file():
        return final, 0.0
    began = time.perf_counter()
    building = final.with_name(f"{final.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    try:
        _build_template(building)
        shutil.rmtree(final, ignore_errors=True)
        os.rename(building, final)
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return final, time.perf_counter() - began


def _build_template(td: Path) -> None:
    for sub in ("log", "run", "private"):
        (td / sub).mkdir(parents=True, exist_ok=True)
    td.chmod(0o700)
    empty = td / "empty.conf"
    empty.write_text("", encoding="utf-8")  # else provision merges /etc/samba/smb.conf
    args = [
        "samba-tool", "domain", "provision", "-s", str(empty), f"--targetdir={td}",
        *_PROVISION_OPTIONS, f"--adminpass={ADMIN_PASSWORD}",
        f"--option=pid directory = {td}/run",
        f"--option=ncalrpc dir = {td}/run/ncalrpc",
        f"--option=winbindd socket directory = {td}/run/winbindd",
        f"--option=ntp signd socket directory = {td}/run/ntp_signd",
        f"--option=log file = {td}/log/log.%m",
        "--quiet",
    ]  # fmt: skip
    done = subprocess.run(args, capture_output=True, text=True, env=_clean_env(), cwd=td, timeout=600)
    if done.returncode != 0:
        raise RuntimeError(f"samba-tool domain provision failed ({done.returncode}): {_last(done)}")
    _make_certs(td / "private" / "tls-test")
    conf = td / "etc" / "smb.conf"
    text = conf.read_text(encoding="utf-8")
    extra = "".join(f"\t{line.format(d=td)}\n" for line in _EXTRA_GLOBALS)
    conf.write_text(text.replace("[global]\n", "[global]\n" + extra, 1), encoding="utf-8")

    lab = SambaLab(root=td)
    lab.start()
    try:
        with _closing(lab.admin_connection()) as c:
            # A cached template ages: no password may expire (recipe gotcha 11).
            # Samba only counts bad passwords (badPwdCount) when lockout is on; Windows always does.
            # A high threshold keeps the lab's accounts from locking out during tests.
            c.modify(
                BASE_DN,
                {
                    "maxPwdAge": [("MODIFY_REPLACE", ["-9223372036854775808"])],
                    "lockoutThreshold": [("MODIFY_REPLACE", [str(LOCKOUT_THRESHOLD)])],
                },
            )
            if c.result["result"] != 0:
                raise LdapWriteError(BASE_DN, c.result)
        lab.add_user(READER_SAM, READER_UPN, password=READER_PASSWORD, description="mdm-preflight reader")
        lab.modify(
            READER_DN,
            {"userAccountControl": [("MODIFY_REPLACE", [str(UF_NORMAL_ACCOUNT | UF_DONT_EXPIRE_PASSWD)])]},
        )
    finally:
        lab.stop()
    # Only smb.conf holds absolute paths; clone() puts the new folder in.
    conf.write_text(conf.read_text(encoding="utf-8").replace(str(td), PLACEHOLDER), encoding="utf-8")
    (td / "ready").write_text(time.strftime("%Y-%m-%dT%H:%M:%S\n"), encoding="utf-8")


def _last(done: subprocess.CompletedProcess[str]) -> str:
    return " | ".join((done.stderr or done.stdout).strip().splitlines()[-5:])


def _make_certs(d: Path) -> None:
    """Test CA + DC certificate (SAN dc1.corp.contoso.test, dc1, IP 127.0.0.1; SKI/AKI)."""
    d.mkdir(parents=True, exist_ok=True)
    (d / "srv.ext").write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        f"subjectAltName=DNS:{TLS_NAME},DNS:{HOST_NAME},IP:{HOST}\n"
        "subjectKeyIdentifier=hash\n"
        "authorityKeyIdentifier=keyid:always\n",
        encoding="ascii",
    )
    steps = [
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "3650", "-keyout", "ca-key.pem",
         "-out", "ca.pem", "-subj", "/O=mdm-preflight lab/CN=CORP Test Root CA",
         "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
        ["openssl", "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "key.pem", "-out", "srv.csr",
         "-subj", f"/O=mdm-preflight lab/CN={TLS_NAME}"],
        ["openssl", "x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem",
         "-CAcreateserial", "-days", "825", "-out", "cert.pem", "-extfile", "srv.ext"],
    ]  # fmt: skip
    for cmd in steps:
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=d, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"openssl failed ({done.returncode}): {_last(done)}")
    for name in ("key.pem", "ca-key.pem"):
        (d / name).chmod(0o600)  # samba refuses a world-readable key


def clone(template: Path, run: Path) -> None:
    """Copy the template (skipping unix sockets, which copytree cannot copy) and point smb.conf at ``run``."""

    def sockets(folder: str, names: list[str]) -> set[str]:
        skip = set()
        for name in names:
            with contextlib.suppress(OSError):
                if stat.S_ISSOCK(os.lstat(os.path.join(folder, name)).st_mode):
                    skip.add(name)
        return skip

    shutil.copytree(template, run, symlinks=True, ignore=sockets)
    (run / "ready").unlink(missing_ok=True)
    conf = run / "etc" / "smb.conf"
    conf.write_text(conf.read_text(encoding="utf-8").replace(PLACEHOLDER, str(run)), encoding="utf-8")


def start_samba(tmp: Path) -> SambaLab:
    """A started DC in ``tmp/dc`` cloned from the cached template (built first when missing)."""
    version = check_requirements()
    _ensure_ports_free()
    template, built_in = ensure_template(version)
    began = time.perf_counter()
    run = Path(tmp).resolve() / "dc"
    clone(template, run)
    lab = SambaLab(root=run)
    lab.timings.update(template=built_in, clone=time.perf_counter() - began)
    lab.start()
    return lab


# --- the standard scenario ---------------------------------------------------------------------------


def seed_standard(lab: SambaLab) -> None:
    """UPN suffixes, OUs, SEED_USERS, the MSOL_ account's lastLogonTimestamp and the hybrid-join SCP.

    Strict: a refused write raises, so SEED_USERS stays the truth tests assert against. What Samba
    does not let even Administrator write is noted in ``lab.seed_notes`` instead.
    """
    began = time.perf_counter()
    lab.add_upn_suffixes(SEED_UPN_SUFFIXES)
    for ou in SEED_OUS:
        lab.add_ou(ou)
    for u in SEED_USERS:
        lab.add_user(
            u["sam"],
            u["upn"],
            enabled=u["enabled"],
            password=None if u["upn"] and u["upn"].count("@") > 1 else USER_PASSWORD,
            consistency_guid=u["consistency_guid"],
            description=u["description"],
            ou=u["ou"],
            display_name=u["display_name"],
        )
    msol = f"CN={MSOL_SAM},OU=Service Accounts,{lab.base_dn}"
    try:
        lab.modify(msol, {"lastLogonTimestamp": [("MODIFY_REPLACE", [str(MSOL_LAST_LOGON)])]})
    except LdapWriteError as exc:
        lab.seed_notes["lastLogonTimestamp"] = str(exc)
    lab.add_hybrid_join_scp(SEED_SCP_KEYWORDS)
    lab.timings["seed"] = time.perf_counter() - began


# --- the fixture -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def samba_lab() -> Iterator[SambaLab]:
    """A started, seeded DC for the whole session; always stopped, its run folder always removed."""
    require(check_requirements)
    root = Path(tempfile.mkdtemp(prefix="mdm-lab-samba-"))
    lab: SambaLab | None = None
    try:
        lab = start_samba(root)
        seed_standard(lab)
        yield lab
    finally:
        if lab is not None:
            lab.stop()
        shutil.rmtree(root, ignore_errors=True)
