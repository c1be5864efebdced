"""Who ran a scan, where and how: the facts recorded with a result, command lines without secrets."""

from __future__ import annotations

import getpass
import platform
import re
import socket
from typing import Any

_MASK = "***"
# An option whose value is a secret: --password x, --password=x, --client-secret x, -p x is not
# guessed (too many meanings), but anything spelled like a secret is.
_SECRET_OPT = re.compile(r"^--?[\w-]*(?:password|passwd|pwd|secret|token|api[-_]?key)[\w-]*$", re.I)
_SECRET_OPT_EQ = re.compile(r"^(--?[\w-]*(?:password|passwd|pwd|secret|token|api[-_]?key)[\w-]*=).*$", re.I)
# key=value pairs inside an argument (ODBC connection strings, URLs' query strings).
_SECRET_PAIR = re.compile(
    r"(?i)\b(pwd|password|passwd|secret|token|api[-_]?key)(\s*=\s*)(\{[^}]*\}|[^;&\s]*)"
)


def scrub(argv: list[str]) -> list[str]:
    """A command line as it may be shown: every secret-looking value replaced by ***."""
    out: list[str] = []
    hide_next = False
    for arg in argv:
        if hide_next:
            out.append(_MASK)
            hide_next = False
            continue
        if m := _SECRET_OPT_EQ.match(arg):
            out.append(m.group(1) + _MASK)
            continue
        if _SECRET_OPT.match(arg):
            hide_next = True
            out.append(arg)
            continue
        out.append(_SECRET_PAIR.sub(lambda m: m.group(1) + m.group(2) + _MASK, arg))
    return out


def run_facts() -> dict[str, Any]:
    """The user and machine that ran the scan; a fact that cannot be read is left empty."""
    try:
        user = getpass.getuser()
    except Exception:  # no login name in a service account's environment: not a reason to fail
        user = ""
    return {
        "user": user,
        "host": socket.gethostname(),
        "platform": f"{platform.system()} {platform.release()}".strip(),
        "python": platform.python_version(),
    }
