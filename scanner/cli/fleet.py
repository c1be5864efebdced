"""`mdm-preflight fleet`: one report across many sites' saved results, with each site's trend."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from scanner.app.options import UsageError, load_config
from scanner.cli.base import ConfigOpt, FailOpt, app, boundary, err, out, say
from scanner.exitcodes import ExitCode

FLEET_FORMATS = "html,md,csv,json"


@app.command()
@boundary
def fleet(
    paths: Annotated[
        list[Path], typer.Argument(help="result.json files, or folders searched for them (a share of sites).")
    ],
    history: Annotated[
        list[Path] | None,
        typer.Option("--history", help="Folders of earlier runs (scan --history): each site's trend."),
    ] = None,
    runs: Annotated[int, typer.Option(help="Runs shown in each trend strip.", min=2, max=366)] = 30,
    formats: Annotated[str, typer.Option("--format", "-f", help="Formats, comma-separated.")] = FLEET_FORMATS,
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the fleet report.")] = Path(
        "mdm-preflight-fleet"
    ),
    fail_on: FailOpt = None,
    config_file: ConfigOpt = None,
    email: Annotated[bool, typer.Option("--email", help="Send the fleet summary as [email] says.")] = False,
    dry_run_email: Annotated[
        Path | None, typer.Option(help="Write the email to this .eml file instead of sending it.")
    ] = None,
    log_file: Annotated[Path | None, typer.Option(help="Append to this rotating log file.")] = None,
) -> None:
    """One report across many sites' results, worst first, with trends."""
    from scanner.app.fleet import FleetRequest, run_fleet  # here: --help loads no reports
    from scanner.model import Severity
    from scanner.unattended import run as unattended

    with unattended.log_file(log_file):
        cfg = load_config(config_file) if (config_file or email or dry_run_email) else None
        choice = fail_on or (cfg.scan.fail_on if cfg else "high")
        try:
            choice = "never" if choice.lower() == "never" else Severity.parse(choice).value
        except ValueError as exc:
            raise UsageError(f"--fail-on: {exc}") from None
        request = FleetRequest(
            paths=tuple(paths),
            history=tuple(history or ()),
            formats=tuple(f.strip().lower() for f in formats.split(",") if f.strip()),
            output=output,
            runs=runs,
            fail_on=choice,
            config=cfg,
            email=email,
            dry_run_email=dry_run_email,
        )
        done = run_fleet(request, say)
        for line in (*done.found.problems, *done.found.notes):
            unattended.log.warning("%s", line)
            err.print(f"mdm-preflight: warning: {line}", markup=False, soft_wrap=True)
        for line in done.problems:
            unattended.log.error("%s", line)
            err.print(f"mdm-preflight: error: {line}", markup=False, soft_wrap=True)
        sites = len(done.found.sites)
        out.print(f"{sites:,} site{'s' * (sites != 1)} from {done.found.read:,} result files", markup=False)
        for path in done.written:
            out.print(f"wrote {path}", markup=False)
        unattended.log.info("fleet: %d sites, %d files; exit code %d", sites, done.found.read, done.code)
    raise typer.Exit(ExitCode.USAGE if done.problems and done.code != ExitCode.EMAIL else done.code)
