"""The one jinja setup: templates from reports/templates, strict about undefined names, and an escaping
rule per output language applied to every `{{ }}` — HTML (autoescape, after control characters are
removed), Markdown (its own escaping, so a value stays inside its table cell) and plain text.

One environment per language rather than one in all: jinja's `finalize` is global to an environment, and
escaping in the templates instead (a filter on each value) would make a forgotten filter an injection.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any, Literal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from reports.text import printable

Dialect = Literal["html", "markdown", "text"]


def _html(data: Any) -> Any:
    # Runs on every {{ }} before autoescape, so no value can smuggle control characters through.
    if isinstance(data, Markup):
        return Markup(printable(data))
    return printable(data) if isinstance(data, str) else data


def _text(data: Any) -> Any:
    return printable(data) if isinstance(data, str) else data


def _markdown(data: Any) -> Any:
    from reports.markdown import escape  # the Markdown counterpart of HTML autoescape

    return escape(data) if isinstance(data, str) else data


_FINALIZE: dict[Dialect, Callable[[Any], Any]] = {"html": _html, "markdown": _markdown, "text": _text}


@cache
def environment(dialect: Dialect) -> Environment:
    return Environment(
        loader=PackageLoader("reports", "templates"),
        autoescape=select_autoescape(["html"]) if dialect == "html" else False,
        undefined=StrictUndefined,
        finalize=_FINALIZE[dialect],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=dialect != "html",
    )
