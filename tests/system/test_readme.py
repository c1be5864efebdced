"""The README's catalog is the catalog the code has."""

from __future__ import annotations

from pathlib import Path

from scripts.catalog import BEGIN, END, table

README = Path(__file__).resolve().parents[2] / "README.md"


def test_readme_catalog_matches_the_code() -> None:
    text = README.read_text(encoding="utf-8")
    current = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert current == table(), "run: python scripts/catalog.py and paste it into README.md"
