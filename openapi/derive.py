"""Derive our OpenAPI 3.0 documents from the structure of the TM Forum Swagger 2.0 documents.

The structure (paths, methods, status codes, schemas, attribute names, types, enums, required
fields) is a fact of the standard and is carried over; every description is ours (see
``openapi/words.py``), none of the reference text is copied.

Run ``python -m openapi.derive --reference ../shared/tmf-reference`` to regenerate.
"""

from __future__ import annotations

import argparse
import copy
import json
import pathlib
import re
from typing import Any

import yaml

from openapi import words

HERE = pathlib.Path(__file__).parent

TARGETS = {
    "tmf620": {
        "reference": "TMF620-ProductCatalog-v4.1.0.swagger.json",
        "output": "tmf620-v4.yaml",
        "title": "TMF620 Product Catalog Management",
    },
    "tmf622": {
        "reference": "TMF622-ProductOrdering-v4.0.0.swagger.json",
        "output": "tmf622-v4.yaml",
        "title": "TMF622 Product Ordering",
    },
    "tmf637": {
        "reference": "TMF637-ProductInventory-v4.0.0.swagger.json",
        "output": "tmf637-v4.yaml",
        "title": "TMF637 Product Inventory Management",
    },
}

# Paths of the reference that we deliberately do not serve; each is listed with its reason in
# docs/decisions.md so the drift test accepts it.
EXCLUDED_PATH_PREFIXES = ("/listener/",)


def _ref(name: str) -> str:
    return f"#/components/schemas/{name}"


def _convert_schema(node: Any, prop_name: str | None = None) -> Any:
    """Rewrite refs to components and replace every description with ours (or none)."""
    if isinstance(node, list):
        return [_convert_schema(n) for n in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    if "$ref" in node:
        # OpenAPI 3.0 ignores siblings of $ref, so we keep the ref alone.
        return {"$ref": _ref(node["$ref"].rsplit("/", 1)[1])}
    for key, value in node.items():
        if key in ("description", "example"):
            continue
        if key == "properties":
            out[key] = {
                name: _with_description(_convert_schema(schema, name), words.property_text(name))
                for name, schema in value.items()
            }
        elif key == "items":
            out[key] = _convert_schema(value)
        else:
            out[key] = value
    return out


def _with_description(schema: dict[str, Any], text: str | None) -> dict[str, Any]:
    if text and "$ref" not in schema:
        return {"description": text, **schema}
    return schema


def _convert_definitions(definitions: dict[str, Any]) -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    for name, schema in definitions.items():
        converted = _convert_schema(schema)
        if name.endswith("_Update"):
            # A PATCH body is a merge patch: it carries only what changes (documented).
            converted.pop("required", None)
        text = words.definition_text(name)
        schemas[name] = {"description": text, **converted} if text else converted
    schemas["JsonPatchOperation"] = words.JSON_PATCH_OPERATION
    return schemas


def _parameter(param: dict[str, Any], resource: str) -> dict[str, Any]:
    schema = {k: param[k] for k in ("type", "format", "enum", "items") if k in param}
    return {
        "name": param["name"],
        "in": param["in"],
        "required": bool(param.get("required", False)),
        "description": words.parameter_text(param["name"], resource),
        "schema": schema,
    }


def _response(status: str, response: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    out: dict[str, Any] = {"description": words.status_text(status)}
    headers = {
        name: {"description": words.header_text(name), "schema": {"type": h.get("type", "string")}}
        for name, h in response.get("headers", {}).items()
    }
    if status == "201":
        headers["Location"] = {
            "description": words.header_text("Location"),
            "schema": {"type": "string"},
        }
    if method == "get" and status == "200" and path.endswith("{id}"):
        headers["ETag"] = {"description": words.header_text("ETag"), "schema": {"type": "string"}}
    if headers:
        out["headers"] = headers
    if "schema" in response:
        out["content"] = {"application/json": {"schema": _convert_schema(response["schema"])}}
    return out


def _resource_of(path: str) -> str:
    return path.strip("/").split("/")[0]


def _operation(path: str, method: str, op: dict[str, Any]) -> dict[str, Any]:
    resource = _resource_of(path)
    out: dict[str, Any] = {
        "operationId": op["operationId"],
        "tags": [resource],
        "summary": words.operation_summary(op["operationId"]),
        "description": words.operation_text(op["operationId"], resource),
    }
    params = [p for p in op.get("parameters", []) if p["in"] != "body"]
    if params:
        out["parameters"] = [_parameter(p, resource) for p in params]
    body = [p for p in op.get("parameters", []) if p["in"] == "body"]
    if body:
        schema = _convert_schema(body[0]["schema"])
        content: dict[str, Any] = {"application/json": {"schema": schema}}
        if method == "patch":
            content["application/merge-patch+json"] = {"schema": schema}
            content["application/json-patch+json"] = {
                "schema": {"type": "array", "items": {"$ref": _ref("JsonPatchOperation")}}
            }
        out["requestBody"] = {
            "required": bool(body[0].get("required", False)),
            "description": words.body_text(method, resource),
            "content": content,
        }
    responses = {
        status: _response(status, response, method, path)
        for status, response in op["responses"].items()
    }
    if op["operationId"].startswith("list"):
        # TMF630: a partial page answers 206 with the same body and headers as 200.
        partial = dict(responses["200"], description=words.status_text("206"))
        responses = {"200": responses["200"], "206": partial, **responses}
    out["responses"] = responses
    return out


# Links from a created resource to what can be done with it next, beyond its own /{id} path.
EXTRA_LINKS = {
    "/productOrder": {
        "createCancelProductOrder": {
            "operationId": "createCancelProductOrder",
            "requestBody": {"productOrder": {"id": "$response.body#/id"}},
        }
    }
}


def _add_links(paths: dict[str, Any]) -> None:
    """OpenAPI links on each 201: the created resource's id feeds its get, patch and delete
    (tools such as Swagger UI and Schemathesis follow them)."""
    for path, ops in paths.items():
        created = ops.get("post", {}).get("responses", {}).get("201")
        if created is None:
            continue
        links = {
            op["operationId"]: {
                "operationId": op["operationId"],
                "parameters": {"id": "$response.body#/id"},
            }
            for op in paths.get(f"{path}/{{id}}", {}).values()
        }
        links.update(EXTRA_LINKS.get(path, {}))
        if links:
            created["links"] = links


def _retrieve_listener(paths: dict[str, Any]) -> None:
    """Our extension: ``GET /hub/{id}`` shows a subscription (the standard has only DELETE)."""
    hub = paths.get("/hub/{id}")
    if hub is None:
        return
    delete = copy.deepcopy(hub["delete"])  # a copy, or YAML writes anchors
    hub["get"] = {
        "operationId": "retrieveListener",
        "tags": delete["tags"],
        "summary": words.operation_summary("retrieveListener"),
        "description": words.operation_text("retrieveListener", "hub"),
        "parameters": delete["parameters"],
        "responses": {
            "200": {
                "description": words.status_text("200"),
                "content": {"application/json": {"schema": {"$ref": _ref("EventSubscription")}}},
            },
            **{k: v for k, v in delete["responses"].items() if k != "204"},
        },
    }


def derive(reference: dict[str, Any], target: dict[str, str]) -> dict[str, Any]:
    """Build our OpenAPI 3.0 document from the reference document's structure."""
    paths: dict[str, Any] = {}
    for path, ops in reference["paths"].items():
        if path.startswith(EXCLUDED_PATH_PREFIXES):
            continue
        paths[path] = {m: _operation(path, m, op) for m, op in ops.items()}
    _retrieve_listener(paths)
    _add_links(paths)
    base = reference["basePath"].rstrip("/")
    tags = list(dict.fromkeys(_resource_of(p) for p in paths))
    return {
        "openapi": "3.0.3",
        "info": {
            "title": target["title"],
            "version": reference["info"]["version"],
            "description": words.api_text(target["title"]),
        },
        "servers": [{"url": base}],
        "tags": [{"name": t, "description": words.tag_text(t)} for t in tags],
        "paths": paths,
        "components": {"schemas": _convert_definitions(reference["definitions"])},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reference", default="../shared/tmf-reference", type=pathlib.Path)
    args = parser.parse_args()
    for target in TARGETS.values():
        reference = json.loads((args.reference / target["reference"]).read_text())
        document = derive(reference, target)
        text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
        text = re.sub(r"\n{3,}", "\n\n", text)
        (HERE / target["output"]).write_text(
            f"# Generated by `python -m openapi.derive`; structure per TMF, words ours.\n{text}"
        )
        print(f"wrote openapi/{target['output']}: {len(document['paths'])} paths")


if __name__ == "__main__":
    main()
