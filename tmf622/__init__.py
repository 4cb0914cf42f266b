"""TMF622 Product Ordering v4: handlers bound by operationId, TMF JSON <-> core."""

import openapi

# The one place the base path comes from: our OpenAPI document's server URL.
BASE_PATH: str = openapi.load("tmf622")["servers"][0]["url"]
