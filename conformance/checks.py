"""Which checks make up TMF conformance, each with the one line the reports print for it."""

from __future__ import annotations

import openapi

# Contract checks from Schemathesis. "positive_data_acceptance" is left out: a TMF server may
# refuse schema-valid bodies for business reasons (an unknown lifecycleStatus, an unresolvable
# reference in strict mode).
CONTRACT_CHECKS = {
    "not_a_server_error": "No answer is a 5xx, whatever the client sends.",
    "status_code_conformance": "Every status code answered is documented for the operation.",
    "content_type_conformance": "The answer's Content-Type is one the document lists.",
    "response_headers_conformance": "Headers the document requires are present and valid.",
    "response_schema_conformance": "The answer's body validates against the documented schema.",
    "negative_data_rejection": "Invalid input (wrong types, missing required fields) gets a 4xx.",
}

# Our TMF630 checks (conformance/tmf630.py); the names are those of the check functions.
SEMANTIC_CHECKS = {
    "tmf_create_returns_resource": (
        "POST gives 201, Location, id and href; GET of the href is the same resource."
    ),
    "tmf_list_is_array": "Lists are arrays with coherent X-Total-Count, X-Result-Count, 200/206.",
    "tmf_fields_projection": (
        "fields= returns only the asked attributes, id, href and what the schema requires."
    ),
    "tmf_filter_matches": "A filter returns only matching resources; an impossible one, [].",
    "tmf_sort_order": "sort=a and sort=-a return the same values in opposite orders; dates ascend.",
    "tmf_paging": "offset/limit pages are disjoint and together hold the whole list.",
    "tmf_merge_patch": "A merge PATCH changes the attributes it names and keeps every other one.",
    "tmf_delete_then_gone": "After a successful DELETE, GET of the resource is 404.",
    "tmf_error_body": "Error answers carry a TMF Error object (string code and reason).",
    "tmf_timestamps": "Date-time attributes are RFC 3339.",
}

SCENARIO_CHECKS = {
    "tmf_resource_lifecycle": "create, get, patch, list by id, delete, get 404: per resource.",
    "tmf_order_lifecycle": "create order, get, patch, cancelProductOrder, get: as TMF622 says.",
    "tmf_product_from_order": (
        "An order placed through TMF622, once completed, is the customer's product in TMF637."
    ),
}

ALL_CHECKS = {**CONTRACT_CHECKS, **SEMANTIC_CHECKS, **SCENARIO_CHECKS}

API_BASE_PATHS = {
    api: str(openapi.load(api)["servers"][0]["url"]) for api in ("tmf620", "tmf622", "tmf637")
}
