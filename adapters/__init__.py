"""Implementations of the core's ports (simulated, HTTP, broker), chosen by configuration."""
