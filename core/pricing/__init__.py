"""Pricing: item and order prices computed from the catalog, and the snapshot that proves them."""
