"""Consultants' branding: the logo file read and embedded as a data: URI."""

from __future__ import annotations

import base64
from pathlib import Path

from scanner.errors import PreflightError

MAX_LOGO_BYTES = 256 * 1024  # a logo, not a photo: keeps the report small and the JSON readable


class BrandError(PreflightError, ValueError):
    """The logo cannot be used; the message names the file and says what to do."""


def logo_uri(path: Path) -> str:
    """The image as a data: URI; PNG, JPEG or SVG, recognised by content rather than by name."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise BrandError(f"{path}: cannot read the logo ({exc.strerror or exc})") from None
    if len(data) > MAX_LOGO_BYTES:
        raise BrandError(f"{path}: the logo is {len(data):,} bytes; use one under {MAX_LOGO_BYTES:,} bytes")
    kind = _kind(data)
    if kind is None:
        raise BrandError(f"{path}: not a PNG, JPEG or SVG image; export the logo in one of those")
    return f"data:image/{kind};base64,{base64.b64encode(data).decode('ascii')}"


def _kind(data: bytes) -> str | None:
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<svg", b"<?xml")) and b"<svg" in head:
        return "svg+xml"  # shown through <img>, where an SVG's scripts never run
    return None
