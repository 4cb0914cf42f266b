"""TMF637 Product Inventory v4: handlers bound by operationId, TMF JSON <-> core."""

import openapi
from core.inventory.model import INVENTORY_PATH

# The one place the base path comes from: our OpenAPI document's server URL (which core's
# links to products use too).
BASE_PATH: str = openapi.load("tmf637")["servers"][0]["url"]
assert BASE_PATH == INVENTORY_PATH, (BASE_PATH, INVENTORY_PATH)
