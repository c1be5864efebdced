"""One LDAP bind per scan: simple or NTLM with a password, or Kerberos with the process's own identity."""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

from scanner import credentials
from scanner.config import DirectoryConfig
from scanner.errors import PreflightError
from scanner.sources.net import kerberos


class BindError(PreflightError):
    """The directory could not be bound; one line, no secrets."""


def connect(cfg: DirectoryConfig, timeout: float) -> Any:
    import ldap3
    from ldap3.core.exceptions import LDAPException

    seconds = max(1, int(timeout))  # ldap3 packs the receive timeout into a C struct: whole seconds
    url = urlparse(cfg.url)
    if url.scheme not in ("ldap", "ldaps") or not url.hostname:
        raise BindError(f"[directory] url {cfg.url!r}: use ldaps://host or ldap://host")
    if problem := setup_problem(cfg):
        raise BindError(problem)
    secure = url.scheme == "ldaps"
    where = f"{cfg.url}"
    krb = _kerberos(cfg, url.hostname) if cfg.auth == "kerberos" else None
    tls = ldap3.Tls(validate=ssl.CERT_REQUIRED, ca_certs_file=cfg.ca_file or None)
    server = ldap3.Server(
        url.hostname,
        port=url.port or (636 if secure else 389),
        use_ssl=secure,
        tls=tls,
        get_info=ldap3.NONE,
        connect_timeout=timeout,
    )
    conn = ldap3.Connection(
        server,
        # SYNC, not SAFE_SYNC: this connection is used by one thread only, and SAFE_SYNC deep-copies
        # every page of results (a third of the directory source's time at 50,000 users). No schema
        # is read, so check_names would only format each value a second time.
        client_strategy=ldap3.SYNC,
        check_names=False,
        read_only=True,
        receive_timeout=seconds,
        raise_exceptions=False,
        **(_gssapi(krb) if krb else _login(cfg)),
    )
    from scanner.sources.net import lean  # it imports ldap3

    lean.use(conn)  # SYNC still; the directory source's user pages decoded lean
    gss_errors = kerberos.errors() if krb else ()  # with a password, anything else is a bug
    try:
        conn.open()
        if cfg.start_tls and not secure:
            conn.start_tls()
        # One attempt only: retrying a bad password per check would lock the account out.
        answer = conn.bind()  # SAFE_SYNC would answer (ok, result, response, request); SYNC a bool
    except LDAPException as exc:
        if krb and "security layer" in str(exc):
            raise BindError(f"{where}: {kerberos.explain(exc, krb.who, krb.spn)}") from None
        raise BindError(_explain(exc, where, cfg)) from None
    except gss_errors as exc:
        assert krb is not None
        raise BindError(f"{where}: {kerberos.explain(exc, krb.who, krb.spn)}") from None
    ok, result = answer[:2] if isinstance(answer, tuple) else (answer, conn.result)
    if not ok:
        raise BindError(f"{where}: {_refused(result or {}, krb.who if krb else cfg.user, krb is not None)}")
    return conn


def _login(cfg: DirectoryConfig) -> dict[str, Any]:
    """Simple or NTLM with a password from the environment (or a prompt); anonymous without a user."""
    import ldap3

    if not cfg.user:
        return {"authentication": ldap3.ANONYMOUS}
    auth = ldap3.NTLM if cfg.auth == "ntlm" else ldap3.SIMPLE
    return {"user": cfg.user, "password": _password(cfg.password_env), "authentication": auth}


def setup_problem(cfg: DirectoryConfig) -> str:
    """Why this [directory] section cannot bind, found before any I/O ('' when nothing is in the way)."""
    if cfg.evidence:
        return ""
    if cfg.auth != "kerberos":
        given = [k for k in ("keytab", "principal", "spn") if getattr(cfg, k)]
        if not given:  # else a keytab with auth forgotten would bind anonymously
            return ""
        keys = " and ".join([", ".join(given[:-1]), given[-1]] if len(given) > 1 else given)
        return f'[directory] {keys}: only for auth = "kerberos"; set it, or remove them'
    url = urlparse(cfg.url)
    if cfg.user or cfg.password_env:
        return (
            '[directory] auth = "kerberos" binds with the Kerberos identity of the account running the '
            "scan: remove user and password_env (principal and keytab choose another identity on Linux)"
        )
    if url.scheme == "ldap" and not cfg.start_tls:
        return f"{cfg.url}: {kerberos.SIGNING.format(host=url.hostname)}"
    if kerberos.WINDOWS and (cfg.keytab or cfg.principal):
        return (
            "[directory] principal and keytab are for Linux: on Windows the account running the scan "
            "(the logged-on user, or the scheduled task's account) binds; remove them"
        )
    try:
        kerberos.service_host(cfg.spn, url.hostname or "")
    except kerberos.KerberosError as exc:
        return str(exc)
    return kerberos.missing_backend()


def _kerberos(cfg: DirectoryConfig, host: str) -> kerberos.Bind:
    """The process's own Kerberos credentials, or one line on why there are none (nothing sent yet)."""
    keytab = Path(cfg.keytab) if cfg.keytab else None  # relative to the config's folder: resolved on load
    spn = cfg.spn or f"ldap/{host}"
    try:
        return kerberos.acquire(cfg.principal, keytab, kerberos.service_host(cfg.spn, host))
    except kerberos.errors() as exc:
        raise BindError(
            f"{cfg.url}: {kerberos.explain(exc, kerberos.identity(cfg.principal), spn)}"
        ) from None


def _gssapi(krb: kerberos.Bind) -> dict[str, Any]:
    import ldap3

    # (service host, authorization id, credentials): ldap3 asks for ldap/<host> and, over LDAPS,
    # sends the channel-binding token domain controllers check.
    return {
        "authentication": ldap3.SASL,
        "sasl_mechanism": ldap3.KERBEROS,
        "sasl_credentials": (krb.host, None, krb.credentials),
    }


def _refused(result: dict[str, Any], who: str, ticket: bool) -> str:
    """The server's answer to a bind, as one line."""
    code = str(result.get("description", "?"))
    said = str(result.get("message", "")).strip()[:200]
    why = " — wrong user name or password" if code == "invalidCredentials" and not ticket else ""
    if code == "strongerAuthRequired":
        why = " — the domain controller wants a signed or encrypted connection: use ldaps:// or start_tls"
    elif "80090346" in said:  # SEC_E_BAD_BINDINGS: the channel-binding token did not match
        why = " — channel binding failed: is a TLS-inspecting proxy between this computer and the DC?"
    return f"bind as {who} failed{why} ({code}: {said})"


def _explain(exc: Exception, where: str, cfg: DirectoryConfig) -> str:
    text = " ".join(str(exc).split())[:300]
    low = text.lower()
    if "timed out" in low or "timeout" in low:
        hint = "no answer within the timeout"
    elif "certificate" in low:
        hint = "the server's certificate is not trusted: set [directory] ca_file to your CA bundle"
    elif "ssl" in low or "tls" in low:
        hint = "the TLS handshake failed: is this an LDAPS port? (plain LDAP on 389 takes start_tls = true)"
    elif "refused" in low:
        hint = "connection refused: nothing listens there; check the host and port"
    else:
        hint = "cannot connect: check the host, port and firewall"
    return f"{where}: {hint} ({type(exc).__name__}: {text})"


def _password(env: str) -> str:
    return credentials.password(env, "directory", "Password for the directory account: ", BindError)
