"""Windows error codes in log messages (0x8007041D), in plain words: one data file to update."""

from __future__ import annotations

import re
import sys
import tomllib
from functools import cache
from http import HTTPStatus
from importlib.resources import files

# A failure HRESULT: eight hex digits with the severity bit set; thread ids (0x1318) are shorter.
# Written 0x8007041D; or bare where a word says it is a code: "(Error: 80070057; Source: Windows)",
# "HRESULT=80004005", "Error 0x(80070057)", "(80070057)"; or negative: "error code: -2147467261".
_CODE = re.compile(
    r"(?<![0-9A-Za-z])0[xX]\(?([89A-Fa-f][0-9A-Fa-f]{7})(?![0-9A-Za-z])"
    r"|(?:\b(?:error|hresult|hr|code|status)\s*(?:code)?\s*[:=]?\s*\(?|\()([89A-Fa-f][0-9A-Fa-f]{7})(?![0-9A-Za-z])"
    r"|(?<![0-9A-Za-z-])-(\d{10})(?![0-9])"
    # A Windows error number, where the words say it is one: "win32 error = 1060", "error = 5".
    r"|\b(?:win32 error(?: code)?\s*[=:]?|of error|(?:getlast)?error(?: code|\(\))?\s*(?:=|:|is))"
    r"\s*(\d{1,5})(?![0-9A-Za-z]|\.\d)",
    re.I,
)
_MAX_CODES = 5  # distinct codes explained per finding
_HTTP_STATUS = 0x8019  # the facility whose codes carry an HTTP status: 0x80190194 is HTTP 404


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
    if code >> 16 == _HTTP_STATUS and (status := code & 0xFFFF) in _HTTP_PHRASES:
        return f"The server answered HTTP {status} {_HTTP_PHRASES[status]}"
    return _windows_text(code)


_HTTP_PHRASES = {s.value: s.phrase for s in HTTPStatus if s.value >= 300}


def _code(m: re.Match[str]) -> tuple[int, str]:
    """The HRESULT a match stands for, and how to name it."""
    hexa, negative, number = m[1] or m[2], m[3], m[4]
    if hexa:
        code = int(hexa, 16)
        return code, f"0x{code:08X}"
    if negative:
        value = int(negative)
        code = (1 << 32) - value if 0x70000000 <= value <= 0x80000000 else 0
        return code, f"{m[0].strip()} (0x{code:08X})"
    n = int(number)
    return (0x80070000 | n if 0 < n <= 0xFFFF else 0), f"Windows error {n}"


def explain(texts: list[str]) -> list[str]:
    """'0x8007041D: meaning' for the distinct known codes in `texts`, in order of first appearance.

    A Windows error number written as such ("error = 5") reads 'Windows error 5: meaning'."""
    out: dict[int, str] = {}
    for text in texts:
        for m in _CODE.finditer(text):
            code, name = _code(m)
            if code and code not in out and (meaning := describe(code)):
                out[code] = f"{name}: {meaning.removesuffix(f' ({name})')}"
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
