"""The site database's failures in plain words: what stopped a query, why a login failed, what to do."""

from __future__ import annotations

from typing import Any


def stopped(exc: Any, target: str, users: int, timeout: float) -> str:
    """The answer broke off while rows were fetched: how far it got and why, in plain words."""
    why = explain(exc, target, timeout).removeprefix(f"{target}: ")
    if why.startswith("cannot connect: "):  # 08S01 mid-answer: SQL Server's KILL, a failover, a network cut
        why = "the connection was lost" + (why[why.find(" (") :] if " (" in why else "")
    return (
        f"{target}: the answer stopped after {users:,} users ({why}); no check judged part of the table: "
        "scan again"
    )


# A failed integrated login, in the words of Microsoft's ODBC drivers (SSPI on Windows, GSSAPI on Linux).
_INTEGRATED = (
    (("anonymous logon",), "SQL Server received no identity (NT AUTHORITY\\ANONYMOUS LOGON): a double hop "
     "(a remote session passing the logon on; run the scan on this computer as the account, or allow "
     "Kerberos delegation), or Kerberos failed and NTLM was used: check the SPN MSSQLSvc/<host>:<port>"),
    (("not found in kerberos database", "target principal name is incorrect"), "the domain has no SPN "
     "MSSQLSvc/<host>:<port> for this server: register it on the SQL Server service account (setspn -S), "
     "or give ServerSPN= in connection_string (Linux)"),
    (("cannot generate sspi context",), "Kerberos found no usable SPN for the server: MSSQLSvc/<host>:<port> "
     "is missing or registered twice (setspn -Q, setspn -X), or the clocks differ by over 5 minutes"),
    (("no kerberos credentials", "no credentials were supplied", "credentials cache"), "no Kerberos ticket "
     "for the account running the scan: kinit (or kinit -k -t KEYTAB PRINCIPAL) as that account"),
    (("ticket expired", "credential has expired"), "the Kerberos ticket has expired: kinit again"),
    (("clock skew",), "this computer's clock differs from the domain's by over 5 minutes: synchronise it"),
    (("cannot contact any kdc", "cannot find kdc"), "no Kerberos KDC answered: check DNS and port 88"),
)  # fmt: skip
_PASSWORD_LOGIN = "login failed: check [sql] user and the password in the environment variable"
_INTEGRATED_LOGIN = (
    "integrated login refused: the account running the scan has no login on the server or no access to "
    "the database; grant it a login and db_datareader"
)


def explain(exc: Any, target: str, timeout: float, integrated: bool = False) -> str:
    state = exc.args[0] if exc.args else ""
    text = " ".join(str(exc.args[-1] if exc.args else exc).split())
    low = text.lower()
    found = next((why for words, why in _INTEGRATED if any(w in low for w in words)), "")
    # Drivers differ in SQLSTATEs (psqlODBC reports most login problems as 08001): words first.
    login = state in ("28000", "28P01") or "password" in low or "login failed" in low
    if found and (integrated or not login):
        why = found
    elif login:
        why = _INTEGRATED_LOGIN if integrated else _PASSWORD_LOGIN
    elif ("database" in low and "does not exist" in low) or "cannot open database" in low:
        why = "no such database: check [sql] database (default CM_<site code>)"
    elif "permission denied" in low or state == "42501":
        why = "permission denied: the account needs read access (db_datareader) to the site database"
    elif state in ("57P01", "57P02", "57P03") or "terminating connection" in low:
        why = "the server ended the session (an administrator, a restart or a failover)"
    elif state == "57014" and "statement timeout" in low:
        why = "the server cancelled the query: its statement timeout is shorter than the query takes"
    elif state == "HYT00" or "timeout" in low:
        why = f"no answer within {timeout:g} s"
    elif "refused" in low:
        why = (
            "connection refused: nothing listens there; check the server name, port and that the server runs"
        )
    elif any(w in low for w in ("ssl", "tls", "certificate", "encrypt")):
        why = "TLS failed: check Encrypt= and the server's certificate (trusted by this machine, right name)"
    elif "expected authentication" in low or "protocol" in low or "invalid response" in low:
        why = "the server does not speak the expected protocol: is this the database server's port?"
    elif state in ("08001", "08S01") or "unable to connect" in low or "could not connect" in low:
        why = "cannot connect: check the server name, port and firewall"
    elif state in ("42S02", "42P01") or "invalid object name" in low or "does not exist" in low:
        why = "dbo.v_R_User not found: is this the ConfigMgr site database, and may this account read it?"
    elif "cross-database" in low:
        why = "the connection string's Database= differs from [sql] database; make them the same"
    elif state == "IM002" or "can't open lib" in low or "data source name not found" in low:
        why = "ODBC driver not found: install it or fix Driver= in [sql] connection_string"
    else:
        why = "query failed"
    return f"{target}: {why} ({state}: {text[:300]})"
