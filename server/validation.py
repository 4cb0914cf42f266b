"""Request validation tweaks: parameter errors that name the parameter, validators built once."""

from __future__ import annotations

from typing import Any

from connexion.utils import is_null, is_nullable
from connexion.validators import ParameterValidator
from jsonschema import Draft4Validator

# Connexion deep-copies the parameter schema and builds a validator on every request; the
# schemas never change, so one validator per parameter object is enough (a hot path).
_VALIDATORS: dict[int, tuple[dict[str, Any], Any]] = {}


def _validator(param: dict[str, Any]) -> Any:
    cached = _VALIDATORS.get(id(param))
    if cached is None or cached[0] is not param:
        cached = (
            param,
            Draft4Validator(
                param.get("schema", param), format_checker=Draft4Validator.FORMAT_CHECKER
            ),
        )
        _VALIDATORS[id(param)] = cached
    return cached[1]


class NamingParameterValidator(ParameterValidator):  # type: ignore[misc]
    """Connexion's parameter validator with the parameter's name in every message."""

    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
    ) -> str | None:
        if is_nullable(param) and is_null(value):
            return None
        if value is not None:
            error = next(iter(_validator(param).iter_errors(value)), None)
            if error is None:
                return None
            return f"{parameter_type} parameter {param['name']!r}: {error.message}"
        if param.get("required"):
            return f"Missing {parameter_type} parameter {param['name']!r}"
        return None
