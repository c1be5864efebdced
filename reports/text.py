"""Values as a reader sees them: times, durations, evidence values, without control characters."""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C1 too: \x9b is a CSI to some terminals
# Bidirectional overrides and marks reorder what a reader sees (a name can be made to look like
# another): they are shown as visible code points instead of acting.
BIDI = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """Control characters (except tab and line breaks) mean nothing to a reader and upset viewers."""
    return BIDI.sub(lambda m: f"[U+{ord(m.group()):04X}]", _CONTROL.sub("", text))


def value(data: Any, sep: str = ", ") -> str:
    """An evidence or option value as text: lists of strings joined by `sep`, the rest as JSON."""
    if isinstance(data, str):
        return data
    if isinstance(data, list | tuple) and all(isinstance(v, str) for v in data):
        return sep.join(data)
    return json.dumps(data, ensure_ascii=False, default=str)


def when(moment: datetime) -> str:
    zone = moment.tzname()
    return moment.strftime("%Y-%m-%d %H:%M:%S") + (f" {zone}" if zone else "")


def seconds(duration: float) -> str:
    if duration < 10:
        return f"{duration:.1f} s"
    whole = round(duration)
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60} s"
    return f"{whole // 3600} h {whole % 3600 // 60} min"
