"""Kerberos for the directory bind: the credentials the process already has, and its errors in one line."""

from __future__ import annotations

import contextlib
import importlib
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scanner.errors import PreflightError

WINDOWS = sys.platform == "win32"
EXTRA = 'pip install "mdm-preflight[kerberos]"'
# Linux builds python-gssapi from source (no wheels): it needs a compiler and the Kerberos headers.
BUILD = "apt-get install gcc python3-dev libkrb5-dev, then " + EXTRA
SIGNING = (
    "Kerberos on plain LDAP needs LDAP signing, which this tool's LDAP library cannot do, and domain "
    'controllers refuse unsigned binds (Windows Server 2025 by default): use url = "ldaps://{host}", '
    "or keep ldap:// and set start_tls = true"
)

EXPIRED = (
    "the Kerberos ticket of {who} has expired: renew it (kinit -R, or kinit again), or set [directory] "
    "keytab and principal so each scan gets a fresh ticket"
)


class KerberosError(PreflightError):
    """A Kerberos setting that cannot work, or credentials that cannot be used; one line."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Bind:
    """What ldap3 needs for a SASL GSSAPI bind, and the names the messages use."""

    host: str  # the service principal's host: ldap/<host>
    credentials: Any  # a gssapi.Credentials on Linux; None on Windows (the logon session's)
    who: str  # the client principal, for messages ("the Windows logon" when unknown)

    @property
    def spn(self) -> str:
        return f"ldap/{self.host}"


def service_host(spn: str, url_host: str) -> str:
    """The host of the DC's service principal: [directory] spn (ldap/<host> or <host>) or the URL's."""
    if not spn:
        return url_host
    service, _, host = spn.rpartition("/")
    if service.lower() not in ("", "ldap") or not host or "@" in host:
        raise KerberosError(f"[directory] spn {spn!r}: give ldap/<DC's DNS name>, like ldap/dc01.contoso.com")
    return host


def missing_backend() -> str:
    """'' when a GSSAPI backend imports; else one line saying what to install."""
    name = "winkerberos" if WINDOWS else "gssapi"
    try:
        importlib.import_module(name)
    except ImportError:
        how = EXTRA if WINDOWS else BUILD
        return f'[directory] auth = "kerberos" needs the kerberos extra ({name} is not installed): {how}'
    except OSError as exc:  # python-gssapi on Windows without MIT Kerberos for Windows
        return f"{name} cannot load ({exc}): reinstall with {EXTRA}"
    if WINDOWS:  # ldap3 prefers gssapi when it imports; without MIT Kerberos it raises OSError instead
        try:
            importlib.import_module("gssapi")
        except OSError:
            return "gssapi is installed but MIT Kerberos for Windows is not: pip uninstall gssapi"
        except ImportError:
            return ""
    return ""


def acquire(principal: str, keytab: Path | None, host: str) -> Bind:
    """The process's own Kerberos credentials: the Windows logon session, a ticket cache, or a keytab.

    Raises the backend's own error (explained by `explain`): no ticket, expired, no such keytab."""
    if WINDOWS:  # winkerberos: SSPI with the logon session's tickets, nothing to choose
        return Bind(host=host, credentials=None, who=identity(""))
    import gssapi

    name = gssapi.Name(principal, gssapi.NameType.kerberos_principal) if principal else None
    if keytab is None:
        creds = gssapi.Credentials(name=name, usage="initiate")
    else:
        if not keytab.is_file():
            raise KerberosError(f"[directory] keytab {keytab}: no such file")
        # A private in-memory cache: the scan writes no ticket to disk and leaves the user's cache alone.
        store: dict[bytes | str, bytes | str] = {
            "client_keytab": str(keytab),
            "ccache": f"MEMORY:mdm-preflight-{os.getpid()}-{id(keytab)}",
        }
        try:
            creds = gssapi.Credentials(name=name, usage="initiate", store=store)
        except gssapi.exceptions.MissingCredentialsError:
            raise KerberosError(
                f"[directory] keytab {keytab} holds no key for {principal or 'any principal'}: "
                f"klist -k {keytab} lists what it holds; set [directory] principal to one of them"
            ) from None
    if creds.lifetime == 0:  # an expired ticket in the cache: say so before connecting
        raise KerberosError(EXPIRED.format(who=creds.name))
    return Bind(host=host, credentials=creds, who=str(creds.name))


def errors() -> tuple[type[BaseException], ...]:
    """The exception types a Kerberos bind raises: ours, the backend's, OSError (a backend that cannot
    load: python-gssapi on Windows without MIT Kerberos)."""
    found: list[type[BaseException]] = [OSError, KerberosError]
    for module, attr in (("gssapi.raw.misc", "GSSError"), ("gssapi.exceptions", "GeneralError"),
                         ("winkerberos", "GSSError")):  # fmt: skip
        with contextlib.suppress(ImportError, OSError, AttributeError):
            found.append(getattr(importlib.import_module(module), attr))
    return tuple(found)


# (words in the backend's message, what it means and what to do). MIT krb5 and Windows SSPI wording.
_CAUSES: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("credential has expired", "ticket expired", "ticket has expired"),
        EXPIRED,
    ),
    (
        ("no kerberos credentials", "no credentials were supplied", "no credentials are available",
         "credentials cache", "can't find client principal", "matching credential not found"),
        "no Kerberos ticket for {who}: run kinit (or kinit -k -t KEYTAB PRINCIPAL) as the account that "
        "runs the scan, or set [directory] keytab and principal; on Windows, run it as a domain account",
    ),
    (
        ("clock skew", "clocks on the client and server", "time skew"),
        "this computer's clock differs from the domain controller's by more than Kerberos allows "
        "(5 minutes): synchronise the time (w32tm /resync, chronyc makestep)",
    ),
    (
        ("client not found", "client '"),
        "the domain does not know the principal {who}: check [directory] principal (user@REALM, realm "
        "in capitals)",
    ),
    (
        ("not found in kerberos database", "target is unknown", "target principal name is incorrect"),
        "the domain has no service principal {spn}: put the domain controller's DNS name in url (not an "
        "address or alias) or set [directory] spn (setspn -Q {spn} finds it)",
    ),
    (
        ("cannot contact any kdc", "cannot find kdc", "no authority could be contacted",
         "resolve network address for kdc", "cannot locate kdc"),
        "no Kerberos KDC answered for the realm of {who}: check DNS (_kerberos._tcp SRV records) or the "
        "kdc in krb5.conf, and that port 88 to the domain controllers is open",
    ),
    (
        ("preauthentication failed", "decrypt integrity check failed", "key version"),
        "the domain refused the key of {who}: the keytab is out of date (the password changed); "
        "export a new one",
    ),
    (
        ("key table", "keytab"),
        "[directory] keytab cannot be used for {who}: check the file and that it holds this principal",
    ),
)  # fmt: skip


def identity(principal: str) -> str:
    """Whose Kerberos credentials a bind uses, in words for messages."""
    if principal:
        return principal
    if WINDOWS:
        return "the Windows logon session"
    return f"this account (ticket cache {os.environ.get('KRB5CCNAME') or 'the default one'})"


def explain(exc: BaseException, who: str, spn: str) -> str:
    """One line: what failed, why, what to do, then the backend's own words."""
    text = " ".join(str(exc).split())[:300] or type(exc).__name__
    low = text.lower()
    if isinstance(exc, KerberosError):  # ours: already says what and where
        return text
    for words, meaning in _CAUSES:
        if any(w in low for w in words):
            return f"{meaning.format(who=who, spn=spn)} ({text})"
    if "security layer" in low:  # ldap3: the server wants signing on plain LDAP
        return f"{SIGNING.format(host='<dc>')} ({text})"
    return f"Kerberos bind as {who} to {spn} failed ({type(exc).__name__}: {text})"
