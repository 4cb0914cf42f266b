"""The authentication commands as an operator uses them: the scope table, development keys
and tokens that a server with TMF_AUTH_JWKS_FILE believes, and serve's refusal to listen
openly without authentication."""

from __future__ import annotations

import pathlib

import pytest
from typer.testing import CliRunner

from core.persistence.database import Database
from server.auth.devkeys import DEV_AUDIENCE, DEV_ISSUER
from server.cli import cli
from tests.e2e.conftest import make_client

CATALOG = "/tmf-api/productCatalogManagement/v4"


def test_the_scope_table_lists_every_operation_from_the_documents() -> None:
    answer = CliRunner().invoke(cli, ["scopes"])
    assert answer.exit_code == 0, answer.output
    rows = [line.split("\t") for line in answer.output.splitlines()]
    by_operation = {row[2]: row[3] for row in rows if row[2]}
    assert by_operation["listProductOffering"] == "tmf620:read"
    assert by_operation["createProductOrder"] == "tmf622:write"
    assert by_operation["registerListener"] in ("tmf620:write", "tmf622:write", "tmf637:write")
    assert by_operation["listProduct"] == "tmf637:read"
    assert by_operation["patchProduct"] == "tmf637:write"
    assert by_operation["decideApproval"] == "admin:write"
    assert by_operation["listFallout"] == "admin:read"
    assert ["GET", "/metrics", "", "admin:read"] in rows
    assert ["GET", "/health", "", "(none: public)"] in rows
    assert len(rows) > 60


def test_a_development_token_is_believed_by_a_server_reading_the_jwks_file(
    tmp_path: pathlib.Path, shop_db: Database, file_dirs: dict[str, str]
) -> None:
    runner = CliRunner()
    folder = tmp_path / "idp"
    made = runner.invoke(cli, ["dev", "keys", str(folder), "--algorithm", "ES256"])
    assert made.exit_code == 0, made.output
    minted = runner.invoke(
        cli, ["dev", "token", "--keys", str(folder), "--sub", "sam", "--scope", "tmf620:read"]
    )
    assert minted.exit_code == 0, minted.output
    token = minted.output.strip()
    settings = {
        "TMF_AUTH": "jwt",
        "TMF_AUTH_JWKS_FILE": str(folder / "jwks.json"),
        "TMF_AUTH_ISSUER": DEV_ISSUER,
        "TMF_AUTH_AUDIENCE": DEV_AUDIENCE,
    }
    with make_client(shop_db, TMF_RUN_JOBS=False, **settings, **file_dirs) as client:
        ok = client.get(f"{CATALOG}/category", headers={"Authorization": f"Bearer {token}"})
        assert ok.status_code == 200
        assert client.get(f"{CATALOG}/category").status_code == 401
        write = client.post(
            f"{CATALOG}/category",
            json={"name": "x"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert write.status_code == 403


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::"])
def test_serve_refuses_an_open_address_without_authentication(
    host: str, monkeypatch: pytest.MonkeyPatch, tmp_path: pathlib.Path
) -> None:
    monkeypatch.delenv("TMF_AUTH", raising=False)
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/x.db")
    answer = CliRunner().invoke(cli, ["serve", "--host", host])
    assert answer.exit_code == 2
    assert "TMF_AUTH=jwt" in answer.output
    assert not (tmp_path / "x.db").exists()  # refused before anything was done


def test_jwt_without_issuer_audience_or_keys_is_refused_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TMF_AUTH", "jwt")
    answer = CliRunner().invoke(cli, ["serve"])
    assert answer.exit_code != 0
    assert "TMF_AUTH_ISSUER" in str(answer.exception) + answer.output
