"""Structural comparison of our OpenAPI 3 documents with the TM Forum Swagger 2 reference.

Both are reduced to the facts the standard fixes (paths, methods, parameters, status codes, body
and response schemas, schema properties with types, formats, enums and required lists) and the
differences are listed as short lines such as ``GET /hub: missing``.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any

Signature = tuple[Any, ...]


def _sig(schema: dict[str, Any] | None) -> Signature:
    if not schema:
        return ("any",)
    if "$ref" in schema:
        return ("ref", schema["$ref"].rsplit("/", 1)[1])
    items = _sig(schema["items"]) if "items" in schema else None
    return (schema.get("type", "any"), schema.get("format"), tuple(schema.get("enum") or ()), items)


def _schemas(definitions: dict[str, Any]) -> dict[str, Any]:
    return {
        name: {
            "type": schema.get("type"),
            "enum": tuple(schema.get("enum") or ()),
            "required": tuple(sorted(schema.get("required") or ())),
            "properties": {p: _sig(s) for p, s in (schema.get("properties") or {}).items()},
        }
        for name, schema in definitions.items()
    }


def reduce_swagger2(document: dict[str, Any]) -> dict[str, Any]:
    operations = {}
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            params = {
                (p["name"], p["in"]): (p.get("type"), bool(p.get("required")))
                for p in op.get("parameters", [])
                if p["in"] != "body"
            }
            body = [_sig(p["schema"]) for p in op.get("parameters", []) if p["in"] == "body"]
            responses = {
                s: _sig(r.get("schema")) if "schema" in r else None
                for s, r in op["responses"].items()
            }
            operations[f"{method.upper()} {path}"] = (params, body[0] if body else None, responses)
    return {"operations": operations, "schemas": _schemas(document["definitions"])}


def reduce_openapi3(document: dict[str, Any]) -> dict[str, Any]:
    operations = {}
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            params = {
                (p["name"], p["in"]): (p["schema"].get("type"), bool(p.get("required")))
                for p in op.get("parameters", [])
            }
            body = None
            if "requestBody" in op:
                body = _sig(op["requestBody"]["content"]["application/json"]["schema"])
            responses = {
                s: _sig(r["content"]["application/json"]["schema"]) if "content" in r else None
                for s, r in op["responses"].items()
            }
            operations[f"{method.upper()} {path}"] = (params, body, responses)
    return {"operations": operations, "schemas": _schemas(document["components"]["schemas"])}


def differences(reference: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    """Every structural difference, one short line each."""
    ref, own = reduce_swagger2(reference), reduce_openapi3(ours)
    found: list[str] = []
    for key in sorted(set(ref["operations"]) | set(own["operations"])):
        if key not in own["operations"]:
            found.append(f"{key}: missing")
            continue
        if key not in ref["operations"]:
            found.append(f"{key}: extra")
            continue
        (rp, rb, rr), (op, ob, orr) = ref["operations"][key], own["operations"][key]
        for name in sorted(set(rp) | set(op)):
            if rp.get(name) != op.get(name):
                found.append(
                    f"{key}: parameter {name[0]} ({name[1]}) {rp.get(name)} != {op.get(name)}"
                )
        if rb != ob:
            found.append(f"{key}: request body {rb} != {ob}")
        for status in sorted(set(rr) | set(orr)):
            if status not in orr:
                found.append(f"{key}: missing status {status}")
            elif status not in rr:
                found.append(f"{key}: extra status {status}")
            elif rr[status] != orr[status]:
                found.append(f"{key}: status {status} schema {rr[status]} != {orr[status]}")
    found.extend(_security_differences(reference, ours))
    for name in sorted(set(ref["schemas"]) | set(own["schemas"])):
        if name not in own["schemas"]:
            found.append(f"schema {name}: missing")
        elif name not in ref["schemas"]:
            found.append(f"schema {name}: extra")
        else:
            found.extend(_schema_differences(name, ref["schemas"][name], own["schemas"][name]))
    return found


def _security_differences(reference: dict[str, Any], ours: dict[str, Any]) -> list[str]:
    """Security schemes and the document-wide requirement (the served, authenticated variant
    of our documents declares a bearer scheme that the standard's do not)."""
    ref_schemes = set(reference.get("securityDefinitions") or {})
    own_schemes = set((ours.get("components") or {}).get("securitySchemes") or {})
    found = [f"security: extra scheme {n}" for n in sorted(own_schemes - ref_schemes)]
    found += [f"security: missing scheme {n}" for n in sorted(ref_schemes - own_schemes)]
    if (reference.get("security") or None) != (ours.get("security") or None):
        found.append(f"security: requirement {reference.get('security')} != {ours.get('security')}")
    return found


def _schema_differences(name: str, ref: dict[str, Any], own: dict[str, Any]) -> list[str]:
    found = []
    for attribute in ("type", "enum", "required"):
        if ref[attribute] != own[attribute]:
            found.append(f"schema {name}: {attribute} {ref[attribute]} != {own[attribute]}")
    for prop in sorted(set(ref["properties"]) | set(own["properties"])):
        left, right = ref["properties"].get(prop), own["properties"].get(prop)
        if left != right:
            found.append(f"schema {name}.{prop}: {left} != {right}")
    return found


def allowed_differences(decisions_markdown: str) -> list[str]:
    """The fnmatch patterns bulleted under the documented-differences heading."""
    section = decisions_markdown.split("## Documented differences from the TMF reference", 1)
    if len(section) < 2:
        return []
    body = section[1].split("\n## ", 1)[0]
    return re.findall(r"^- `([^`]+)`", body, flags=re.MULTILINE)


def unexplained(found: list[str], allowed: list[str]) -> tuple[list[str], list[str]]:
    """Differences no pattern explains, and patterns that explain nothing (stale)."""
    left = [d for d in found if not any(fnmatch.fnmatchcase(d, p) for p in allowed)]
    stale = [p for p in allowed if not any(fnmatch.fnmatchcase(d, p) for d in found)]
    return left, stale
