"""Broker adapters: where outbox events are published besides the TMF hub."""
