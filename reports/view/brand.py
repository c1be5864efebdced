"""Consultants' branding as the report shows it: a logo data: URI and an accent colour, validated again
because a saved result may have been edited (scanner.app.brand reads the logo file)."""

from __future__ import annotations

import re

ACCENT = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")  # nothing else can reach the style sheet
_DATA_URI = re.compile(r"data:image/(?:png|jpeg|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}")


def safe_accent(text: str) -> str:
    """The accent when it is a plain #rgb / #rrggbb colour, else empty (a saved result may be edited)."""
    return text if ACCENT.fullmatch(text) else ""


def safe_logo(text: str) -> str:
    return text if _DATA_URI.fullmatch(text) else ""
