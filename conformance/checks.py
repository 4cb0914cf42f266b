"""Which Schemathesis checks make up TMF conformance, shared by the self-check and the command."""

from __future__ import annotations

import tmf620
import tmf622

# Contract checks: documented status codes, content type, headers and response schema, no 5xx.
# "positive data acceptance" is left out: a TMF server may refuse schema-valid bodies for
# business reasons (an unknown lifecycleStatus, an unresolvable reference in strict mode).
CONTRACT_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
)

API_BASE_PATHS = {"tmf620": tmf620.BASE_PATH, "tmf622": tmf622.BASE_PATH}
