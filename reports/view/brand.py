"""Consultants' branding as the report shows it: a logo data: URI and an accent colour, validated again
because a saved result may have been edited (scanner.app.brand reads the logo file)."""

from __future__ import annotations

import re

from markupsafe import Markup

from reports.text import printable

ACCENT = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")  # nothing else can reach the style sheet
_DATA_URI = re.compile(r"data:image/(?:png|jpeg|svg\+xml);base64,[A-Za-z0-9+/]+={0,2}")


def safe_accent(text: str) -> str:
    """The accent when it is a plain #rgb / #rrggbb colour, else empty (a saved result may be edited)."""
    return text if ACCENT.fullmatch(text) else ""


def safe_logo(text: str) -> str:
    return text if _DATA_URI.fullmatch(text) else ""


def css_string(text: str) -> Markup:
    """`text` as a quoted CSS string for the print style sheet: every character but letters, digits and
    spaces as a hex escape, so a company name can neither end the string nor the <style> element. The space
    after each escape ends it (CSS takes it as part of the escape), so a space that follows stays."""
    body = "".join(
        c if c.isascii() and (c.isalnum() or c == " ") else f"\\{ord(c):06x} " for c in printable(text)
    )
    return Markup(f'"{body}"')
