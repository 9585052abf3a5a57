"""Seeded synthetic sample data for demos and tests (no real members, no PHI). Areas add generators here."""

from partcd.samples.callcenter import synthetic_call_log

__all__ = ["synthetic_call_log"]
