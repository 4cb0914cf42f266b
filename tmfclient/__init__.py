"""Calling TMF APIs as a client: what the provisioning adapter and the conformance checker share."""
