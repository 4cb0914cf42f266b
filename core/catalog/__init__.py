"""The product catalog: entities, lifecycle, versioning, integrity and their use cases."""
