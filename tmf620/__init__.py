"""TMF620 Product Catalog Management v4: handlers bound by operationId, TMF JSON <-> core."""
