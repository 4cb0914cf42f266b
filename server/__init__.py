"""Wiring: settings, the application factory and the command line (the bootstrap)."""
