"""Request validation tweaks: parameter errors that name the parameter."""

from __future__ import annotations

from typing import Any

from connexion.validators import ParameterValidator


class NamingParameterValidator(ParameterValidator):  # type: ignore[misc]
    """Connexion's parameter validator, with the parameter's name in every message."""

    @staticmethod
    def validate_parameter(
        parameter_type: str, value: Any, param: dict[str, Any], param_name: str | None = None
    ) -> str | None:
        error = ParameterValidator.validate_parameter(parameter_type, value, param, param_name)
        if error and not error.startswith("Missing"):
            return f"{parameter_type} parameter {param['name']!r}: {error.splitlines()[0]}"
        return error  # type: ignore[no-any-return]
