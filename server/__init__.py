"""Wiring: settings, the application factory and the command line (the bootstrap)."""

import warnings

import core  # noqa: F401  (first: it keeps a slow, unused format checker from loading)

# Connexion imports starlette.testclient at import time, which warns about httpx; not ours to fix.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
