"""mdm-preflight: prerequisite and health scanner for hybrid MDM (ConfigMgr + Intune).

Layers, and the only arrows allowed between them (tests/kernel/test_layers.py enforces both, imports
inside functions included)::

    cli (scanner/cli: typer, rich)
     └─▶ app (scanner/app: one use case per command, outputs, PDF, redaction, branding)
          ├─▶ unattended (scanner/unattended: history, lock, mail, run log) ─▶ reports
          ├─▶ sources (scanner/sources: the only I/O; parse/, net/; pyodbc, ldap3, dnspython, httpx,
          │            cryptography, defusedxml; gssapi or winkerberos with the kerberos extra)
          ├─▶ checks (checks/: pure functions over evidence)
          └─▶ reports (reports/: ScanResult -> text, no I/O; view/ models; jinja2)
               all of them ─▶ kernel (scanner/*.py: model, config, registry, runner, store, codec, …;
                               standard library only) ─▶ evidence (scanner/evidence: dataclasses)
                                                      ─▶ facts (scanner/facts: UPN syntax, public suffixes,
                                                                error codes, the endpoint list)

The kernel runs sources and checks it finds by name (``scanner.sources``, ``checks``, entry points),
never by import. Third-party checks import ``scanner.api``. Old module paths of 0.1 (``scanner.cmlog``,
``scanner.upn``, ``reports.redact``, …) still load the moved modules (scanner/_moved.py).
"""

from scanner._moved import install as _install_old_paths

_install_old_paths()


def __getattr__(name: str) -> str:
    """``__version__``, read from the installed metadata on first use: importlib.metadata costs a
    command that never prints it (``--help``) tens of milliseconds."""
    if name != "__version__":
        raise AttributeError(f"module 'scanner' has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("mdm-preflight")
    except PackageNotFoundError:  # running from a source tree that was never installed
        found = "0.0.0+source"
    globals()["__version__"] = found
    return found
