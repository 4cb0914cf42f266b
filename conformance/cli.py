"""``tmf-conformance``: check any TMF620/TMF622/TMF637 server against the standard, from any CI."""

from __future__ import annotations

from importlib.metadata import version as package_version
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

import openapi
from conformance import reports
from conformance.checks import (
    ALL_CHECKS,
    API_BASE_PATHS,
    CONTRACT_CHECKS,
    SCENARIO_CHECKS,
    SEMANTIC_CHECKS,
)
from conformance.results import Result
from conformance.runner import ALL_PHASES, DEFAULT_PHASES, Options, UsageError
from conformance.runner import run as run_checks
from tmfclient.oauth import ClientCredentials, ClientCredentialsAuth, TokenUnavailable

cli = typer.Typer(
    add_completion=False, no_args_is_help=True, help=__doc__, pretty_exceptions_enable=False
)
GROUPS = {"contract": CONTRACT_CHECKS, "semantic": SEMANTIC_CHECKS, "scenario": SCENARIO_CHECKS}


def _version(shown: bool) -> None:
    if shown:
        typer.echo(f"tmf-conformance {package_version('tmf-conformance')}")
        raise typer.Exit()


@cli.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    """Conformance checks for TMF Open API servers."""


@cli.command()
def run(
    url: Annotated[str, typer.Option(help="Server root, e.g. http://127.0.0.1:8620")],
    api: Annotated[str, typer.Option(help="tmf620, tmf622 or tmf637")] = "tmf620",
    base_path: Annotated[str | None, typer.Option(help="Override the standard base path")] = None,
    spec: Annotated[str | None, typer.Option(help="OpenAPI 2/3 document (default: ours)")] = None,
    max_examples: Annotated[int, typer.Option(help="Generated cases per operation and phase")] = 25,
    seed: Annotated[int | None, typer.Option(help="Seed, to repeat a run exactly")] = None,
    header: Annotated[list[str] | None, typer.Option(help="'Name: value', repeatable")] = None,
    token_url: Annotated[
        str | None, typer.Option(help="OAuth2 token endpoint: fetch a bearer token first")
    ] = None,
    client_id: Annotated[str | None, typer.Option(help="Client id for --token-url")] = None,
    client_secret: Annotated[
        str | None,
        typer.Option(help="Client secret for --token-url", envvar="TMF_CONFORMANCE_CLIENT_SECRET"),
    ] = None,
    scope: Annotated[str | None, typer.Option(help="Scopes to ask --token-url for")] = None,
    junit: Annotated[str | None, typer.Option(help="Write a JUnit XML report here")] = None,
    markdown: Annotated[str | None, typer.Option(help="Write a Markdown report here")] = None,
    checks: Annotated[
        str, typer.Option(help="Comma list of checks or groups: contract, semantic, scenario")
    ] = "all",
    workers: Annotated[int, typer.Option(help="Concurrent workers")] = 1,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for each answer")] = 10.0,
    phases: Annotated[str, typer.Option(help=f"Comma list of {', '.join(ALL_PHASES)}")] = ",".join(
        DEFAULT_PHASES
    ),
    offering_id: Annotated[
        str | None, typer.Option(help="Offering the order scenario orders")
    ] = None,
    catalog_base_path: Annotated[
        str, typer.Option(help="Where the order scenario finds offerings")
    ] = API_BASE_PATHS["tmf620"],
    ordering_base_path: Annotated[
        str, typer.Option(help="Where the inventory scenario places its order")
    ] = API_BASE_PATHS["tmf622"],
    list_checks: Annotated[
        bool, typer.Option("--list-checks", help="Print the checks and exit")
    ] = False,
) -> None:
    """Check every operation of the API at URL against its OpenAPI document and TMF630."""
    console = Console(stderr=True)
    if list_checks:
        for name, line in ALL_CHECKS.items():
            typer.echo(f"{name:32} {line}")
        return
    try:
        headers = list(header or [])
        if token_url:
            headers.append(
                f"Authorization: Bearer {_token(token_url, client_id, client_secret, scope)}"
            )
        options = _options(
            url,
            api,
            base_path,
            spec,
            max_examples,
            seed,
            headers,
            checks,
            workers,
            timeout,
            phases,
            offering_id,
            catalog_base_path,
            ordering_base_path,
        )
        result = _run_with_progress(options, console)
    except UsageError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    if junit:
        reports.junit([result], junit)
    if markdown:
        reports.markdown([result], markdown)
    _summary(result, Console())
    raise typer.Exit(0 if result.passed else 1)


def _options(
    url: str,
    api: str,
    base_path: str | None,
    spec: str | None,
    max_examples: int,
    seed: int | None,
    header: list[str],
    checks: str,
    workers: int,
    timeout: float,
    phases: str,
    offering_id: str | None,
    catalog_base_path: str,
    ordering_base_path: str,
) -> Options:
    """The command line as run Options; anything wrong is a UsageError (exit 2)."""
    if api not in API_BASE_PATHS:
        raise UsageError(f"unknown --api {api!r}; choose from {', '.join(sorted(API_BASE_PATHS))}")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--url must be an http(s) URL, got {url!r}")
    headers = {}
    for item in header:
        name, sep, value = item.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"--header must be 'Name: value', got {item!r}")
        headers[name.strip()] = value.strip()
    root = url.rstrip("/")
    return Options(
        api=api,
        base_url=root + (base_path if base_path is not None else API_BASE_PATHS[api]),
        spec=spec or str(openapi.spec_path(api)),
        max_examples=max_examples,
        seed=seed,
        headers=headers,
        checks=_selected(checks),
        workers=workers,
        timeout=timeout,
        phases=tuple(p.strip() for p in phases.split(",") if p.strip()),
        offering_id=offering_id,
        catalog_url=root + catalog_base_path,
        ordering_url=root + ordering_base_path,
    )


def _token(url: str, client_id: str | None, secret: str | None, scope: str | None) -> str:
    """A bearer token by OAuth2 client credentials (the CI's own identity)."""
    if not client_id or not secret:
        raise UsageError("--token-url needs --client-id and --client-secret")
    auth = ClientCredentialsAuth(ClientCredentials(url, client_id, secret, scope))
    try:
        return auth.token()
    except TokenUnavailable as error:
        raise UsageError(str(error)) from None


def _selected(checks: str) -> tuple[str, ...]:
    """Check names from a comma list where groups stand for their checks."""
    names: list[str] = []
    for item in (part.strip() for part in checks.split(",") if part.strip()):
        if item == "all":
            names += list(ALL_CHECKS)
        elif item in GROUPS:
            names += list(GROUPS[item])
        else:
            names.append(item)
    return tuple(dict.fromkeys(names))


def _run_with_progress(options: Options, console: Console) -> Result:
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(f"{options.api}: starting", total=None)

        def told(what: str, done: int, total: int) -> None:
            progress.update(
                task, description=f"{options.api} {what}"[:70], completed=done, total=total
            )

        return run_checks(options, told)


def _summary(result: Result, console: Console) -> None:
    table = Table(title=f"{result.api} at {result.url}", show_lines=False)
    table.add_column("Operation")
    table.add_column("Passed", justify="right")
    table.add_column("Failed", justify="right")
    table.add_column("Failing checks")
    for operation, checks in sorted(result.tallies.items()):
        passed = sum(t.passed for t in checks.values())
        failed = sum(t.failed for t in checks.values())
        failing = ", ".join(sorted(c for c, t in checks.items() if t.failed))
        table.add_row(operation, str(passed), f"[red]{failed}[/red]" if failed else "0", failing)
    console.print(table)
    for finding in result.findings:
        console.print(
            f"[red]FAIL[/red] {finding.operation} [bold]{finding.check}[/bold]: "
            f"{ALL_CHECKS.get(finding.check, '')}"
        )
        console.print(f"  {finding.message}", markup=False, highlight=False)
        console.print(f"  reproduce: {finding.curl}", markup=False, highlight=False, soft_wrap=True)
    for error in result.errors:
        console.print(f"[red]ERROR[/red] {error}", highlight=False)
    passed, failed = result.totals()
    verdict = "[green]PASSED[/green]" if result.passed else "[red]FAILED[/red]"
    console.print(
        f"{verdict}: {passed} checks passed, {failed} failed, "
        f"{len(result.findings)} distinct finding(s) in {result.elapsed:.0f} s"
    )


def main() -> None:
    cli(prog_name="tmf-conformance")


if __name__ == "__main__":
    main()
