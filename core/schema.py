"""Resource schemas as data: the core validates, navigates and normalizes documents with them.

The core never reads an API document itself; the application hands it the component schemas of
the API it serves, so a v5 mapping can hand over other schemas without touching the core.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jsonschema import Draft7Validator, FormatChecker

from core import timeutil

JsonObject = dict[str, Any]

SCALAR_TYPES = {"string", "number", "integer", "boolean"}

# Formats are checked on write (uri, email, ...); date-time is normalized separately so that
# every RFC 3339 spelling is accepted and stored one way.
FORMATS = FormatChecker([f for f in Draft7Validator.FORMAT_CHECKER.checkers if f != "date-time"])


@dataclass(frozen=True)
class Attribute:
    """What a dotted attribute path names: its JSON type, format and where arrays are crossed."""

    path: tuple[str, ...]
    type: str  # string, number, integer, boolean, any
    format: str | None
    through_array: tuple[bool, ...]  # per segment: the value at this segment is an array

    @property
    def is_datetime(self) -> bool:
        return self.type == "string" and self.format == "date-time"

    @property
    def crosses_array(self) -> bool:
        return any(self.through_array)


class ResourceSchemas:
    """The component schemas of one API, with validators built once."""

    def __init__(self, components: dict[str, JsonObject]) -> None:
        self._components = components
        self._validators: dict[str, Draft7Validator] = {}
        self._required: dict[tuple[str, tuple[str, ...]], tuple[str, ...]] = {}

    def has(self, name: str) -> bool:
        return name in self._components

    def resolve(self, schema: JsonObject) -> JsonObject:
        """Follow ``$ref`` chains to the schema they point to."""
        while "$ref" in schema:
            schema = self._components[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def get(self, name: str) -> JsonObject:
        return self._components[name]

    def validate(self, name: str, document: JsonObject) -> list[str]:
        """Every schema violation of ``document`` against schema ``name``, naming the field."""
        validator = self._validators.get(name)
        if validator is None:
            root = {
                "$ref": f"#/components/schemas/{name}",
                "components": {"schemas": self._components},
            }
            validator = Draft7Validator(root, format_checker=FORMATS)
            self._validators[name] = validator
        problems = []
        for error in sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path)):
            where = ".".join(str(p) for p in error.absolute_path) or "(body)"
            problems.append(f"{where}: {error.message}")
        return problems

    def check(self, name: str, document: JsonObject) -> list[str]:
        """Schema violations of ``document``; when there are none, its timestamps normalized
        in place (and any that do not parse)."""
        return self.validate(name, document) or self.normalize_datetimes(name, document)

    def attribute(self, name: str, path: tuple[str, ...]) -> Attribute | None:
        """Describe a dotted attribute path of schema ``name``; None if the schema lacks it."""
        schema = self._components[name]
        arrays: list[bool] = []
        for segment in path:
            schema = self.resolve(schema)
            properties = schema.get("properties", {})
            if segment not in properties:
                return None
            schema = self.resolve(properties[segment])
            is_array = schema.get("type") == "array"
            if is_array:
                schema = self.resolve(schema.get("items", {}))
            arrays.append(is_array)
        kind = schema.get("type", "any" if not schema.get("properties") else "object")
        if kind not in SCALAR_TYPES and kind != "any":
            kind = "object"
        return Attribute(path, kind, schema.get("format"), tuple(arrays))

    def required(self, name: str, path: tuple[str, ...]) -> tuple[str, ...]:
        """The attributes the schema requires of the object at ``path`` (arrays looked through)."""
        key = (name, path)
        if key not in self._required:
            schema = self.resolve(self._components[name])
            for segment in path:
                schema = self.resolve(schema.get("properties", {}).get(segment, {}))
                if schema.get("type") == "array":
                    schema = self.resolve(schema.get("items", {}))
            self._required[key] = tuple(schema.get("required", ()))
        return self._required[key]

    def normalize_datetimes(self, name: str, document: JsonObject) -> list[str]:
        """Rewrite every date-time value to canonical UTC in place; return the unparsable ones."""
        problems: list[str] = []
        self._walk(self._components[name], document, (), problems)
        return problems

    def _walk(
        self, schema: JsonObject, value: Any, where: tuple[str, ...], problems: list[str]
    ) -> Any:
        schema = self.resolve(schema)
        if isinstance(value, dict):
            properties = schema.get("properties", {})
            for key, item in value.items():
                if key in properties:
                    value[key] = self._walk(properties[key], item, (*where, key), problems)
        elif isinstance(value, list) and schema.get("type") == "array":
            items = schema.get("items", {})
            for index, item in enumerate(value):
                value[index] = self._walk(items, item, (*where, str(index)), problems)
        elif isinstance(value, str) and schema.get("format") == "date-time":
            try:
                return timeutil.normalize(value)
            except ValueError:
                problems.append(f"{'.'.join(where)}: {value!r} is not an RFC 3339 date-time")
        return value
