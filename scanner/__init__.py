"""mdm-preflight: prerequisite and health scanner for hybrid MDM (ConfigMgr + Intune)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mdm-preflight")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+source"

from scanner._moved import install as _install_old_paths

_install_old_paths()
