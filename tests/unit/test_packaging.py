"""What the two distributions declare is what their code imports: nothing missing, nothing idle."""

from __future__ import annotations

import ast
import pathlib
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

ROOT = pathlib.Path(__file__).resolve().parents[2]
SERVER = ("core", "adapters", "server", "console", "tmf620", "tmf622", "tmf637")
CHECKER = ("conformance", "openapi", "tmfclient")
# Declared without an import of their own: the driver SQLAlchemy loads for postgresql+psycopg.
LOADED_BY_NAME = {"psycopg"}
# A namespace package several distributions share: the module says which one.
NAMESPACES = {
    "opentelemetry.sdk": "opentelemetry-sdk",
    "opentelemetry.exporter.otlp.proto.http": "opentelemetry-exporter-otlp-proto-http",
    "opentelemetry": "opentelemetry-api",
}


def imported(packages: tuple[str, ...]) -> set[str]:
    """Distributions (normalized names) the packages import, tests aside."""
    owners = packages_distributions()
    found: set[str] = set()
    for package in packages:
        for path in (ROOT / package).rglob("*.py"):
            if "tests" in path.relative_to(ROOT).parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                    names = [node.module]
                else:
                    continue
                for name in names:
                    top = name.split(".")[0]
                    if top in sys.stdlib_module_names:
                        continue
                    if top in SERVER + CHECKER:
                        if top in CHECKER and package in SERVER:
                            found.add("tmf-conformance")
                        continue
                    if top in NAMESPACES:
                        found.add(next(d for m, d in NAMESPACES.items() if name.startswith(m)))
                        continue
                    found.update(_normal(d) for d in owners.get(top, [top]))
    return found


def declared(pyproject: pathlib.Path, *extras: str) -> set[str]:
    project = tomllib.loads(pyproject.read_text())["project"]
    requirements = list(project["dependencies"])
    for extra in extras:
        requirements += project["optional-dependencies"][extra]
    return {_normal(re.split(r"[\[<>=!~; ]", r, maxsplit=1)[0]) for r in requirements}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_the_server_declares_what_it_imports() -> None:
    base = declared(ROOT / "pyproject.toml")
    extras = declared(ROOT / "pyproject.toml", "postgres", "nats", "otel") - base
    uses = imported(SERVER)
    assert uses - base - extras == set(), "imported but not declared"
    assert base - uses == set(), "declared but not imported"
    assert extras - uses - LOADED_BY_NAME == set(), "an extra nothing imports"


def test_the_checker_declares_what_it_imports_and_none_of_the_server() -> None:
    base = declared(ROOT / "packaging" / "tmf-conformance" / "pyproject.toml")
    uses = imported(CHECKER)
    assert uses == base
    assert not {"sqlalchemy", "alembic", "psycopg", "connexion", "uvicorn"} & uses
