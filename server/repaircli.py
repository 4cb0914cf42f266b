"""``tmf-adapter fallout`` and ``tmf-adapter deliveries``: the repair queue and the hub's dead
letters, from a shell (the admin API does the same over HTTP)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

if TYPE_CHECKING:
    from server.container import Container


def register(cli: typer.Typer) -> None:
    """Add both command groups to ``cli``."""
    cli.add_typer(fallout_cli, name="fallout")
    cli.add_typer(deliveries_cli, name="deliveries")


def _container() -> Container:
    """What the commands run on, built as every command builds it (settings not printed)."""
    from server.cli import _container as build

    return build(show=False)


fallout_cli = typer.Typer(no_args_is_help=True, help="The repair queue: tasks on hold.")


def _actor(actor: str | None) -> str:
    import getpass

    return actor or getpass.getuser()


@fallout_cli.command("list")
def fallout_list(limit: int = typer.Option(100, help="At most this many.")) -> None:
    """Tasks on hold, oldest first: id, order, item, task and why."""
    tasks, total = _container().fallout.list(limit)
    for task in tasks:
        typer.echo(
            f"{task.seq}\torder {task.order_id}\titem {task.item_id or '-'}\t{task.kind}"
            f"{':' + task.target if task.target else ''}\t{task.reason}"
        )
    typer.echo(f"{total} task(s) on hold", err=True)


def _repair(action: str, task: str, reason: str, actor: str | None, note: str | None) -> None:
    from core.errors import DomainError

    try:
        done = _container().fallout.repair(
            task, action, _actor(actor), reason, {"note": note} if note else None
        )
    except DomainError as error:
        typer.echo(f"refused: {error.message}", err=True)
        raise typer.Exit(1) from None
    typer.echo(f"task {done.seq} ({done.id}) is now {done.status}")


ACTOR = typer.Option(None, help="Who repairs (default: the login name).")
REASON = typer.Option(..., "--reason", help="Why: kept in the audit trail and the timeline.")


@fallout_cli.command("retry")
def fallout_retry(task: str, reason: str = REASON, actor: str | None = ACTOR) -> None:
    """Run a held task again (its status is asked first if an earlier call may have happened)."""
    _repair("retry", task, reason, actor, None)


@fallout_cli.command("skip")
def fallout_skip(
    task: str,
    reason: str = REASON,
    actor: str | None = ACTOR,
    result: str | None = typer.Option(None, help="What was done by hand (e.g. a ticket)."),
) -> None:
    """Count a held task as done by hand; what depends on it goes on."""
    _repair("skip", task, reason, actor, result)


@fallout_cli.command("fail")
def fallout_fail(task: str, reason: str = REASON, actor: str | None = ACTOR) -> None:
    """Fail a held task: its item fails, the order ends partial or failed."""
    _repair("fail", task, reason, actor, None)


deliveries_cli = typer.Typer(no_args_is_help=True, help="Hub deliveries and dead letters.")


@deliveries_cli.command("list")
def deliveries_list(
    status: str | None = typer.Option(None, help="pending, delivered or dead (dead letters)."),
    subscription: str | None = typer.Option(None, help="Only this subscription's."),
    limit: int = typer.Option(100, help="At most this many."),
) -> None:
    """Deliveries, oldest first: number, status, attempts, event, subscriber, last error."""
    from core.errors import DomainError

    try:
        found, total = _container().deliveries.page(status, subscription, limit)
    except DomainError as error:
        typer.echo(f"refused: {error.message}", err=True)
        raise typer.Exit(2) from None
    for d in found:
        typer.echo(
            f"{d.seq}\t{d.status}\t{d.attempts}\t{d.event_type}\t{d.stream}\t"
            f"{d.subscription_id}\t{d.last_error or ''}"
        )
    typer.echo(f"{total} delivery(ies)", err=True)


@deliveries_cli.command("replay")
def deliveries_replay(
    delivery: str | None = typer.Argument(None, help="The delivery number; omit with --all."),
    every: bool = typer.Option(False, "--all", help="Every dead letter (of --subscription)."),
    subscription: str | None = typer.Option(None, help="With --all: only this subscription's."),
    reason: str = REASON,
    actor: str | None = ACTOR,
) -> None:
    """Send dead-lettered deliveries again, in their original order."""
    from core.errors import DomainError

    if (delivery is None) == (not every):
        typer.echo("give a delivery number or --all", err=True)
        raise typer.Exit(2)
    queue = _container().deliveries
    try:
        if delivery is not None:
            queue.replay(delivery, _actor(actor), reason)
            typer.echo(f"delivery {delivery} is pending again")
        else:
            count = queue.replay_all(subscription, _actor(actor), reason)
            typer.echo(f"{count} delivery(ies) pending again")
    except DomainError as error:
        typer.echo(f"refused: {error.message}", err=True)
        raise typer.Exit(1) from None
