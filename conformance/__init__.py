"""The Schemathesis conformance suite and the ``tmf-conformance`` command."""
