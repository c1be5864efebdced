"""Branding: the logo embedded (never linked), a strictly validated accent, author and engagement."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from reports.html import render_html
from scanner import config
from scanner.app.brand import MAX_LOGO_BYTES, BrandError, logo_uri
from tests.reports.conftest import failed, scan

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def test_png_jpeg_and_svg_become_data_uris(tmp_path: Path) -> None:
    (tmp_path / "a.png").write_bytes(PNG)
    (tmp_path / "b.svg").write_text('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>')
    (tmp_path / "c.jpg").write_bytes(b"\xff\xd8\xff\xe0" + b"0" * 20)
    assert logo_uri(tmp_path / "a.png").startswith("data:image/png;base64,iVBOR")
    assert logo_uri(tmp_path / "b.svg").startswith("data:image/svg+xml;base64,")
    assert logo_uri(tmp_path / "c.jpg").startswith("data:image/jpeg;base64,")


def test_unusable_logos_are_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "big.png").write_bytes(PNG + b"0" * MAX_LOGO_BYTES)
    (tmp_path / "x.gif").write_bytes(b"GIF89a")
    with pytest.raises(BrandError, match="cannot read the logo"):
        logo_uri(tmp_path / "missing.png")
    with pytest.raises(BrandError, match="use one under"):
        logo_uri(tmp_path / "big.png")
    with pytest.raises(BrandError, match="not a PNG, JPEG or SVG"):
        logo_uri(tmp_path / "x.gif")


@pytest.mark.parametrize("accent", ["red", "#12345", "#123456;} body{display:none", "url(x)", "#1234567"])
def test_an_accent_that_is_not_a_hex_colour_is_refused(accent: str) -> None:
    with pytest.raises(config.ConfigError, match=r"report\.accent"):
        config.from_dict({"report": {"accent": accent}})


def test_branding_shows_in_the_report_and_a_tampered_one_does_not() -> None:
    good = {"author": "Fabrikam Consulting", "engagement": "MDM readiness 2026", "accent": "#0b5394"}
    logo = "data:image/png;base64," + base64.b64encode(PNG).decode()
    page = render_html(scan(failed("upn.x"), options={"report": {**good, "logo": logo}}))
    assert "--accent: #0b5394;" in page and f'src="{logo}"' in page
    assert "MDM readiness 2026 · prepared by Fabrikam Consulting" in page
    bad = {"accent": "red;}</style><script>alert(1)</script>", "logo": "https://evil.example/x.png"}
    page = render_html(scan(failed("upn.x"), options={"report": bad}))
    assert "evil.example" not in page and "alert(1)" not in page and "<img" not in page
