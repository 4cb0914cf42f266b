"""Wiring: settings, the application factory and the command line (the bootstrap)."""

import warnings

# Connexion imports starlette.testclient at import time, which warns about httpx; not ours to fix.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
