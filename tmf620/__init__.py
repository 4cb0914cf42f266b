"""TMF620 Product Catalog Management v4: handlers bound by operationId, TMF JSON <-> core."""

import openapi

# The one place the base path comes from: our OpenAPI document's server URL.
BASE_PATH: str = openapi.load("tmf620")["servers"][0]["url"]
