"""Approval of commercial promises: policy as data, the facts it reads, cases and decisions."""
