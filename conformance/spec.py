"""Just enough of an OpenAPI 2/3 document for the semantic checks: schemas, refs resolved."""

from __future__ import annotations

import pathlib
from dataclasses import dataclass
from typing import Any

import yaml

Schema = dict[str, Any]


@dataclass(frozen=True)
class Document:
    """A parsed OpenAPI document: which attributes an operation's bodies define or require."""

    raw: dict[str, Any]

    @classmethod
    def load(cls, path: str | pathlib.Path) -> Document:
        """Read a YAML or JSON document (JSON is YAML)."""
        try:
            raw = yaml.safe_load(pathlib.Path(path).read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise ValueError(f"{path} is neither YAML nor JSON: {error}") from None
        if not isinstance(raw, dict) or "paths" not in raw:
            raise ValueError(f"{path} is not an OpenAPI document (no 'paths')")
        return cls(raw)

    @property
    def is_swagger2(self) -> bool:
        return str(self.raw.get("swagger", "")).startswith("2")

    def operation(self, path: str, method: str) -> dict[str, Any]:
        """The operation object, or an empty one when the document has no such operation."""
        found = (self.raw.get("paths") or {}).get(path, {}).get(method.lower())
        return found if isinstance(found, dict) else {}

    def has_operation(self, path: str, method: str) -> bool:
        return bool(self.operation(path, method))

    def response_schema(self, path: str, method: str, status: int) -> Schema:
        """Schema of the JSON body answered with ``status`` (empty when undocumented)."""
        response = self.resolve(
            (self.operation(path, method).get("responses") or {}).get(str(status), {})
        )
        if self.is_swagger2:
            return self.resolve(response.get("schema", {}))
        return self.resolve(_json_media(response.get("content") or {}).get("schema", {}))

    def request_schema(self, path: str, method: str) -> Schema:
        """Schema of the JSON request body (empty when the operation takes none)."""
        operation = self.operation(path, method)
        if self.is_swagger2:
            for parameter in operation.get("parameters", []):
                parameter = self.resolve(parameter)
                if parameter.get("in") == "body":
                    return self.resolve(parameter.get("schema", {}))
            return {}
        body = self.resolve(operation.get("requestBody", {}))
        return self.resolve(_json_media(body.get("content") or {}).get("schema", {}))

    def request_media_types(self, path: str, method: str) -> list[str]:
        """Media types the operation's request body is documented with."""
        operation = self.operation(path, method)
        if self.is_swagger2:
            return list(
                operation.get("consumes") or self.raw.get("consumes") or ["application/json"]
            )
        return list((self.resolve(operation.get("requestBody", {})).get("content") or {}).keys())

    def properties(self, schema: Schema) -> dict[str, Schema]:
        """Properties of an object schema, through ``allOf``."""
        schema = self.resolve(schema)
        found: dict[str, Schema] = {}
        for part in schema.get("allOf", []):
            found.update(self.properties(part))
        found.update(schema.get("properties") or {})
        return found

    def required(self, schema: Schema) -> set[str]:
        """Required attributes of an object schema, through ``allOf``."""
        schema = self.resolve(schema)
        names = set(schema.get("required") or [])
        for part in schema.get("allOf", []):
            names |= self.required(part)
        return names

    def items(self, schema: Schema) -> Schema:
        """The element schema of an array schema."""
        return self.resolve(self.resolve(schema).get("items", {}))

    def resolve(self, node: Any) -> Schema:
        """Follow local ``$ref`` pointers until a schema that is not a reference."""
        seen = 0
        while isinstance(node, dict) and "$ref" in node and seen < 32:
            node = self._pointer(node["$ref"])
            seen += 1
        return node if isinstance(node, dict) else {}

    def _pointer(self, ref: str) -> Any:
        if not ref.startswith("#/"):
            return {}
        node: Any = self.raw
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            node = node.get(part, {}) if isinstance(node, dict) else {}
        return node


def _json_media(content: dict[str, Any]) -> dict[str, Any]:
    """The JSON media type entry of a content map (``application/json`` or a ``+json`` one)."""
    for media, entry in content.items():
        if media.split(";")[0].strip() in ("application/json", "*/*") or media.endswith("+json"):
            return entry if isinstance(entry, dict) else {}
    return {}
