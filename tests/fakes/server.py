"""Our server as a user starts it: ``tmf-adapter serve`` in a process of its own, on a fresh
SQLite file or PostgreSQL schema, its output kept in ``server.log`` for the test to read."""

from __future__ import annotations

import contextlib
import os
import pathlib
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator

import sqlalchemy as sa

PG_URL = os.environ.get("TMF_TEST_DATABASE_URL")
BIN = pathlib.Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def serving(
    backend: str,
    folder: pathlib.Path,
    settings: dict[str, str],
    *arguments: str,
    seed_demo: bool = False,
) -> Iterator[str]:
    """A server process on a fresh database of `backend`, with `settings` in its environment
    and `arguments` after ``serve``; stopped (SIGTERM) when the block ends. ``seed_demo``
    loads the demo catalog and orders first with ``tmf-adapter seed --orders`` (``serve``
    seeds only SQLite)."""
    schema = ""
    if backend == "sqlite":
        url = f"sqlite:///{folder}/tmf.db"
    else:
        schema = f"c_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(str(PG_URL))
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, **settings}
    log = (folder / "server.log").open("wb")
    if seed_demo:
        subprocess.run(
            [str(BIN / "tmf-adapter"), "seed", "--orders"],
            cwd=folder,
            env=env,
            stdout=log,
            stderr=log,
            check=True,
        )
    process = subprocess.Popen(
        [str(BIN / "tmf-adapter"), "serve", "--port", str(port), *arguments],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=log,
    )
    root = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(root, process, folder / "server.log")
        yield root
    finally:
        process.terminate()
        process.wait(timeout=30)
        if schema:
            with admin.begin() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            admin.dispose()


def _wait_until_up(root: str, process: subprocess.Popen[bytes], log: pathlib.Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server stopped:\n{log.read_text()}")
        try:  # the document is public with or without authentication
            urllib.request.urlopen(
                f"{root}/tmf-api/productCatalogManagement/v4/openapi.json", timeout=2
            )
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not come up:\n{log.read_text()}")
