"""The commands that explain rather than scan: checks, explain, logs, init."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from scanner.app.options import DEFAULT_CONFIG, UsageError
from scanner.cli.base import Command, SinceOpt, app, boundary, out

# What a command needs is imported in it: --help and the other commands load none of it.


@app.command("checks")
@boundary
def list_checks(
    as_json: Annotated[bool, typer.Option("--json", help="Print the catalog as JSON.")] = False,
) -> None:
    """List the check catalog."""
    from scanner.codec import to_jsonable
    from scanner.registry import discover

    catalog = discover()
    if as_json:
        out.print_json(json.dumps([to_jsonable(s.info) for s in catalog.select()]))
        return
    from rich.table import Table

    table = Table("id", "severity", "needs", "title", box=None, header_style="bold")
    for spec in catalog.select():
        table.add_row(spec.info.id, spec.info.severity.value, ",".join(spec.info.needs), spec.info.title)
    out.print(table)


@app.command(cls=Command)
@boundary
def explain(
    check_id: Annotated[str, typer.Argument(metavar="CHECK_ID", help="A check id, e.g. logs.errors.")],
) -> None:
    """One check's description, remediation, references and options."""
    from scanner.registry import ACCESS, discover

    catalog = discover()
    spec = catalog.specs.get(check_id.lower())
    if spec is None:
        catalog.select([check_id])  # raises with suggestions when nothing matches
        raise UsageError(f"{check_id!r} is a pattern; give one check id")
    i = spec.info
    # Descriptions name config sections ([site], [adfs]): plain text, never markup.
    out.print(f"[bold]{i.id}[/] — {escape(i.title)}")
    out.print(f"severity: {i.severity.value}   needs: {', '.join(i.needs)}\n", markup=False)
    out.print(i.description + "\n", markup=False)
    for source in (s for s in i.needs if s in ACCESS):
        out.print(f"Sign-in: {ACCESS[source]}\n", markup=False)
    out.print(f"[bold]Remediation[/]\n{escape(i.remediation)}\n")
    for ref in i.references:
        out.print(f"  {ref}", markup=False)
    opts = dataclasses.fields(spec.options)
    if opts:
        out.print(
            f"\n[bold]Options[/] in {escape(f'[checks.{chr(34)}{i.id}{chr(34)}]')} (also: severity, enabled)"
        )
        for f in opts:
            out.print(f"  {f.name} = {f.default!r}", markup=False)


@app.command(cls=Command, short_help="Parse ConfigMgr logs: a summary per log, then recent errors.")
@boundary
def logs(
    paths: Annotated[list[str], typer.Argument(metavar="PATH...", help="Log files, folders or globs.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the parsed evidence as JSON.")] = False,
    since: SinceOpt = None,
    limit: Annotated[int, typer.Option(metavar="N", help="Entries to show per log.")] = 10,
    time_convention: Annotated[
        str, typer.Option(metavar="CONVENTION", help="bias (ConfigMgr) or offset.")
    ] = "bias",
) -> None:
    """Parse ConfigMgr logs: a summary per log, then its recent errors and warnings."""
    from scanner.cli.logview import show_logs

    show_logs(out, paths, as_json=as_json, since=since, limit=limit, convention=time_convention)


@app.command()
@boundary
def init(
    output: Annotated[
        Path, typer.Option("--output", "-o", metavar="FILE", help="Where to write the example.")
    ] = DEFAULT_CONFIG,
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
) -> None:
    """Write a commented example configuration."""
    from importlib.resources import files

    from scanner.files import write_atomic

    if output.exists() and not force:
        raise UsageError(f"{output} exists; pass --force to overwrite it")
    write_atomic(output, files("scanner").joinpath("example.toml").read_text(encoding="utf-8"))
    out.print(f"wrote {output}: fill in [site] and the sections of the sources you have", markup=False)
