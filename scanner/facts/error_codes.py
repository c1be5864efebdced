"""Windows error codes in log messages (0x8007041D), in plain words: one data file to update."""

from __future__ import annotations

import re
import sys
import tomllib
from functools import cache
from importlib.resources import files

# A failure HRESULT: eight hex digits with the severity bit set; thread ids (0x1318) are shorter.
_CODE = re.compile(r"(?<![0-9A-Za-z])0[xX]([89A-Fa-f][0-9A-Fa-f]{7})(?![0-9A-Za-z])")
_MAX_CODES = 5  # distinct codes explained per finding


@cache
def _table() -> tuple[dict[int, str], dict[int, str]]:
    data = tomllib.loads(files("scanner.facts").joinpath("error_codes.toml").read_text(encoding="utf-8"))
    hresults = {int(k, 16): v for k, v in data["hresult"].items()}
    win32 = {int(k): v for k, v in data["win32"].items()}
    return hresults, win32


def describe(code: int) -> str:
    """What an HRESULT means, or '' when neither the table nor Windows knows it."""
    hresults, win32 = _table()
    if code in hresults:
        return hresults[code]
    if code >> 16 == 0x8007:  # FACILITY_WIN32: the low word is a Windows error number
        number = code & 0xFFFF
        if number in win32:
            return f"{win32[number]} (Windows error {number})"
        return _windows_text(number)
    return _windows_text(code)


def explain(texts: list[str]) -> list[str]:
    """'0x8007041D: meaning' for the distinct known codes in `texts`, in order of first appearance."""
    out: dict[int, str] = {}
    for text in texts:
        for m in _CODE.finditer(text):
            code = int(m[1], 16)
            if code not in out and (meaning := describe(code)):
                out[code] = f"0x{code:08X}: {meaning}"
            if len(out) >= _MAX_CODES:
                return list(out.values())
    return list(out.values())


def _windows_text(code: int) -> str:
    """On Windows the system knows every code (in the machine's language); elsewhere: ''."""
    if sys.platform != "win32":
        return ""
    import ctypes

    text: str = ctypes.FormatError(code).strip()
    return "" if not text or text.startswith("<no description") else text
