"""``tmf-adapter events``: watch what the server publishes, as a hub subscriber (``listen``)
or as a NATS JetStream consumer (``tail``)."""

from __future__ import annotations

import contextlib

import typer

from server.settings import Settings

events_cli = typer.Typer(no_args_is_help=True, help="Watch events: as a hub subscriber or on NATS.")


@events_cli.command("listen")
def events_listen(
    port: int = typer.Option(9000, help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    secret: str | None = typer.Option(None, help="Check each HMAC signature with this secret."),
    raw: bool = typer.Option(False, "--json", help="Print each whole event body as JSON."),
) -> None:
    """A hub subscriber: subscribe http://HOST:PORT (POST /hub) and watch events arrive."""
    import json

    from server.listener import Listener, describe

    def show(path: str, body: dict[str, object], headers: dict[str, str]) -> None:
        typer.echo(json.dumps(body) if raw else describe(path, body))

    listener = Listener(host, port, show, secret)
    typer.echo(f"listening on http://{host}:{listener.port} (Ctrl-C to stop)", err=True)
    with contextlib.suppress(KeyboardInterrupt):
        listener.serve_forever()


@events_cli.command("tail")
def events_tail(
    every: bool = typer.Option(False, "--all", help="From the start of the stream, not only new."),
    count: int = typer.Option(0, min=0, help="Stop after this many (0: run until Ctrl-C)."),
    raw: bool = typer.Option(False, "--json", help="Print each whole CloudEvent as JSON."),
) -> None:
    """A NATS JetStream consumer: print the CloudEvents the server publishes (TMF_NATS_URL)."""
    import asyncio

    from adapters.broker.tail import tail

    settings = Settings()
    if not settings.nats_url:
        typer.echo("TMF_NATS_URL is not set (e.g. nats://127.0.0.1:4222)", err=True)
        raise typer.Exit(2)
    try:
        asyncio.run(
            tail(settings.nats_url, settings.nats_subject_prefix, every, count, raw, typer.echo)
        )
    except KeyboardInterrupt:
        pass
    except Exception as error:
        typer.echo(f"cannot read from NATS at {settings.nats_url}: {error}", err=True)
        raise typer.Exit(2) from None


def register(cli: typer.Typer) -> None:
    """Add these commands to the ``tmf-adapter`` command line."""
    cli.add_typer(events_cli, name="events")
