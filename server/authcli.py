"""Commands about authentication: ``tmf-adapter scopes`` (which scope each operation needs)
and ``tmf-adapter dev``: a local signing key and tokens from it, to try TMF_AUTH=jwt without
an identity provider (development only: whoever holds the key can mint any token)."""

from __future__ import annotations

import pathlib

import typer

import openapi
from server.auth import devkeys
from server.auth.devkeys import SigningKey
from server.auth.scopes import operations
from server.gates import APIS

dev_cli = typer.Typer(no_args_is_help=True, help="Development only: local keys and test tokens.")


@dev_cli.command("keys")
def keys(
    folder: pathlib.Path = typer.Argument(..., help="Where to write private.pem and jwks.json."),
    algorithm: str = typer.Option("RS256", help="RS256 or ES256."),
) -> None:
    """Make a signing key; point TMF_AUTH_JWKS_FILE at the jwks.json it writes."""
    if algorithm not in ("RS256", "ES256"):
        raise typer.BadParameter("RS256 or ES256", param_hint="--algorithm")
    SigningKey.generate(algorithm).save(folder)
    typer.echo(f"{folder / 'jwks.json'}")


@dev_cli.command("token")
def token(
    folder: pathlib.Path = typer.Option(..., "--keys", help="The folder `dev keys` wrote."),
    subject: str = typer.Option(..., "--sub", help="Who the token names (the actor)."),
    scope: str = typer.Option(
        "tmf620:read tmf622:read tmf622:write", help="Space-separated scopes."
    ),
    role: list[str] = typer.Option([], "--role", help="A role (repeatable)."),
    party: list[str] = typer.Option(
        [], "--party", help="A customer a partner may reach (repeatable; none: internal)."
    ),
    issuer: str = typer.Option(devkeys.DEV_ISSUER, help="The iss claim (TMF_AUTH_ISSUER)."),
    audience: str = typer.Option(devkeys.DEV_AUDIENCE, help="The aud claim (TMF_AUTH_AUDIENCE)."),
    lifetime: int = typer.Option(3600, min=1, help="Seconds until it expires."),
) -> None:
    """Print a signed access token shaped like Keycloak's."""
    claims = devkeys.claims(
        subject,
        scope.split(),
        roles=role,
        party_ids=party or None,
        issuer=issuer,
        audience=audience,
        lifetime_seconds=lifetime,
    )
    typer.echo(SigningKey.load(folder).mint(claims))


def scopes(
    markdown: bool = typer.Option(False, help="A Markdown table instead of tab-separated lines."),
) -> None:
    """Every operation of the served documents with the scope a token needs for it."""
    found = list(operations({api: openapi.load(api) for api in APIS}))
    if markdown:
        typer.echo("| method | path | operation | scope |\n| --- | --- | --- | --- |")
    for op in found:
        scope = op.scope or "(none: public)"
        if markdown:
            typer.echo(f"| {op.method} | `{op.path}` | {op.operation_id or ''} | `{scope}` |")
        else:
            typer.echo(f"{op.method}\t{op.path}\t{op.operation_id or ''}\t{scope}")


def register(cli: typer.Typer) -> None:
    """Add these commands to the ``tmf-adapter`` command line."""
    cli.command("scopes")(scopes)
    cli.add_typer(dev_cli, name="dev")
