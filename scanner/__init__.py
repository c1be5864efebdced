"""mdm-preflight: prerequisite and health scanner for hybrid MDM (ConfigMgr + Intune)."""

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
