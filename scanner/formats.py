"""The output formats, named once: what `-f` accepts, the file each writes, its media type.

reports/ gives each a renderer (reports.FORMATS), [email] attach accepts these names, and the default
`-f` is DEFAULT. A new format is one line here and one renderer in reports/.
"""

from __future__ import annotations

from typing import NamedTuple


class Output(NamedTuple):
    filename: str
    media_type: tuple[str, str]  # (maintype, subtype) for an email attachment


RENDERED: dict[str, Output] = {  # a renderer in reports/ makes each from a result
    "html": Output("report.html", ("text", "html")),
    "md": Output("report.md", ("text", "markdown")),
    "json": Output("result.json", ("application", "json")),
    "csv": Output("findings.csv", ("text", "csv")),
    "junit": Output("junit.xml", ("application", "xml")),
    "plan": Output("action-plan.csv", ("text", "csv")),
    "users": Output("users.csv", ("text", "csv")),
}
PRINTED: dict[str, Output] = {  # a local browser prints it from the HTML report
    "pdf": Output("report.pdf", ("application", "pdf")),
}
ALL: dict[str, Output] = {**RENDERED, **PRINTED}
DEFAULT = (
    "html",
    "md",
    "json",
    "csv",
    "junit",
)  # `-f` when not given (the plan and users come with html and csv)
FLEET: dict[str, Output] = {  # `fleet -f`: the same names, a fleet's own files (reports.FLEET_FORMATS)
    "html": Output("fleet.html", ("text", "html")),
    "md": Output("fleet.md", ("text", "markdown")),
    "csv": Output("fleet.csv", ("text", "csv")),
    "json": Output("fleet.json", ("application", "json")),
}
