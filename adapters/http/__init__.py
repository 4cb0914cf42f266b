"""Adapters that call real systems over their TMF APIs."""
