"""The severity of a log record that carries no type: server-format ($$<) records and plain lines.

CMTrace's documented rule is a case-insensitive search for "error" (red) and "warn" (yellow). Measured
on 73,838 real records that do carry a type (bench/severity_bench.py, figures in bench/README.md), the
bare substring search agrees with the type on 93% of them: it reads "ProtocolError", "error = " with
nothing after it, "length of error=2" and file names ending ".error" as errors. This rule keeps the
same words but reads them as words, and:

- "error", "errors" mark an error; "fail", "failed", "failure"... a warning (of the 1,297 typed
  records whose only keyword is a form of "fail", 12 are errors: writers log a failed step they
  survive as information or a warning; the checks that need ConfigMgr's own failure lines, such as
  "Failed to add user" or "Failed to install component", match those lines themselves);
- a word inside a name is not a statement: ProtocolError, ErrorFilePath, a file "x.error", failover;
- a zero, empty or negated value is no error: "0 errors", "no errors", "0 failed uploads pending",
  "error = 0", "error from script = |", "length of error=2", "raise failure status messages";
- an explicit leading tag decides: "ERROR:", "WARNING: Failed to download ..." is a warning;
- PowerShell's error records (FullyQualifiedErrorId) are errors; an HTTP status 4xx/5xx a warning.
"""

from __future__ import annotations

import re

ERROR, WARNING, INFO = 3, 2, 1

_WORD = r"(?<![A-Za-z0-9_.\\/]){}(?![A-Za-z0-9_])"
_ERRORS = re.compile(_WORD.format("(errors?)"), re.I)
_FAILS = re.compile(_WORD.format("(fail(?:s|ed|ing|ures?)?)"), re.I)
_WARNS = re.compile(_WORD.format("(warn(?:s|ed|ings?)?)"), re.I)
_EMPTY = r"""\s*(?:0+|none|false|null|""|'')?\s*(?:$|[|,;)\]}])"""
# "error = 0", "error code is ", "error from script = |": a field named for errors that holds none.
_NONE_AFTER_ERROR = re.compile(r"(?:\s+[A-Za-z]+){0,2}\s*(?:[=:]|\bis\b)" + _EMPTY, re.I)
_NONE_AFTER = re.compile(r"\s*[=:]" + _EMPTY)  # "failed: 0", "warnings = 0"
_NONE_BEFORE = re.compile(r"(?:\b0+|\bno|\bzero|\bwithout|\blength of|\bcount of|\bnumber of)\s+$", re.I)
_STATUS_MESSAGE = re.compile(r"\s+status\s+messages?\b", re.I)  # "raise failure status messages = True"
_TAG = re.compile(r"^\W{0,3}(error|warning|warn|info|information|verbose|debug)\s*[:\]>]", re.I)
_POWERSHELL_ERROR = "FullyQualifiedErrorId"
_HTTP_STATUS = re.compile(r"\bstatus ?code\s*(?:is|[=:])?\s*[45]\d\d\b", re.I)


def text_severity(text: str) -> int:
    """ERROR, WARNING or INFO for a record's message, by the rule above."""
    low = text.lower()  # the words are rare: plain searches spare the expressions most of the time
    if "error" not in low and "fail" not in low and "warn" not in low and "status" not in low:
        return INFO
    if m := _TAG.match(text):
        word = m[1].lower()
        return ERROR if word == "error" else WARNING if word.startswith("warn") else INFO
    if "error" in low and (_said(_ERRORS, text, _NONE_AFTER_ERROR) or _POWERSHELL_ERROR in text):
        return ERROR
    fails = low.count("fail") - low.count("failover") - low.count("failure status")  # the usual non-failures
    if fails > 0 and _said(_FAILS, text, _NONE_AFTER):
        return WARNING
    if "warn" in low and _said(_WARNS, text, _NONE_AFTER):
        return WARNING
    if "status" in low and _HTTP_STATUS.search(text):
        return WARNING
    return INFO


def _said(word: re.Pattern[str], text: str, none_after: re.Pattern[str]) -> bool:
    """The word occurs at least once as a statement, not as a zero count, an empty field or a setting."""
    for m in word.finditer(text):
        after = text[m.end() : m.end() + 60]
        if none_after.match(after) or _STATUS_MESSAGE.match(after):
            continue
        if _NONE_BEFORE.search(text[max(0, m.start() - 12) : m.start()]):
            continue
        return True
    return False
