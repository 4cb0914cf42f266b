"""The CPQ/OMS core: domain, use cases, persistence and ports. No web framework, no adapters."""
