"""The command line as an operator uses it: the repair queue, on a database of its own."""

from __future__ import annotations

import pathlib

import pytest
from typer.testing import CliRunner

from adapters.simulated import Behaviour
from core.catalog import seeding
from core.inventory import seeding as inventory_seeding
from core.persistence import migrate
from core.requests import RequestContext
from server.cli import cli
from server.container import build_container
from server.settings import Settings
from tests.orders import add, order


def test_fallout_is_listed_and_repaired_from_the_command_line(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch, ctx: RequestContext
) -> None:
    url = f"sqlite:///{tmp_path}/cli.db"
    monkeypatch.setenv("DATABASE_URL", url)
    container = build_container(Settings(DATABASE_URL=url))
    migrate.upgrade(container.db)
    seeding.seed(container.catalog, seeding.fixture("demo"), ctx)
    inventory_seeding.seed(
        container.db, inventory_seeding.fixture("demo"), "2026-02-01T09:00:00.000Z"
    )
    simulation = container.orchestrator.systems.provisioning.simulation
    simulation.set("provisioning", Behaviour(permanent_rate=1.0))
    placed, _ = container.ordering.place(
        order("cust-carol", add("1", "po-mobile-s")),
        RequestContext("http://x/tmf-api/productOrderingManagement/v4", "cli"),
    )
    container.orchestrator.run_until_idle()
    runner = CliRunner()
    listed = runner.invoke(cli, ["fallout", "list"])
    assert listed.exit_code == 0
    rows = [line.split("\t") for line in listed.stdout.splitlines() if "\t" in line]
    assert len(rows) == 2 and all(placed.id in row[1] for row in rows)
    refused = runner.invoke(cli, ["fallout", "retry", rows[0][0]])
    assert refused.exit_code == 2  # --reason is required
    for number, *_ in rows:
        done = runner.invoke(
            cli, ["fallout", "skip", number, "--reason", "by hand", "--actor", "ops-jane"]
        )
        assert done.exit_code == 0 and "is now skipped" in done.stdout
    again = runner.invoke(cli, ["fallout", "fail", rows[0][0], "--reason", "too late"])
    assert again.exit_code == 1 and "only tasks on hold" in again.stderr
    container.orchestrator.run_until_idle()
    assert container.ordering.get(placed.id).state == "completed"
    with container.db.uow(write=False) as uow:
        actions = uow.actions.of_order(placed.id)
    assert [(a.action, a.actor) for a in actions] == [("skip", "ops-jane")] * 2
    container.db.dispose()
