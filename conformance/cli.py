"""``tmf-conformance``: run the TMF contract checks against any TMF620/TMF622 server (first cut)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from typing import Annotated

import typer

import openapi
from conformance.checks import API_BASE_PATHS, CONTRACT_CHECKS

cli = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)


@cli.callback()
def _root() -> None:
    """Conformance checks for TMF Open API servers."""


@cli.command()
def run(
    url: Annotated[str, typer.Option(help="Server root, e.g. http://127.0.0.1:8620")],
    api: Annotated[str, typer.Option(help="Which API: tmf620 or tmf622")] = "tmf620",
    base_path: Annotated[str | None, typer.Option(help="Override the standard base path")] = None,
    spec: Annotated[str | None, typer.Option(help="OpenAPI document (default: ours)")] = None,
    max_examples: Annotated[int, typer.Option(help="Examples per operation")] = 25,
    header: Annotated[list[str] | None, typer.Option(help="'Name: value', repeatable")] = None,
    junit: Annotated[str | None, typer.Option(help="Write a JUnit XML report here")] = None,
) -> None:
    """Check every operation of the API at URL against its OpenAPI document."""
    if api not in API_BASE_PATHS:
        typer.echo(f"unknown --api {api!r}; choose from {sorted(API_BASE_PATHS)}", err=True)
        raise typer.Exit(2)
    executable = shutil.which("schemathesis") or shutil.which("st")
    if executable is None:
        typer.echo("schemathesis is not installed in this environment", err=True)
        raise typer.Exit(2)
    target = url.rstrip("/") + (base_path if base_path is not None else API_BASE_PATHS[api])
    command = [
        executable,
        "run",
        spec or str(openapi.spec_path(api)),
        "--url",
        target,
        "--checks",
        ",".join(CONTRACT_CHECKS),
        "--max-examples",
        str(max_examples),
    ]
    for item in header or []:
        command += ["--header", item]
    if junit:
        command += ["--report", "junit", "--report-junit-path", junit]
    sys.exit(subprocess.call(command))


def main() -> None:
    cli()
