"""The CPQ/OMS core: domain, use cases, persistence and ports. No web framework, no adapters."""

import sys

# jsonschema checks the "iri" formats with rfc3987-syntax when it is installed, which builds a
# grammar for 2.5 s at import; none of our documents uses those formats, so it stays unloaded
# (every process, CLI command and worker starts that much sooner; see docs/decisions.md).
sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]
