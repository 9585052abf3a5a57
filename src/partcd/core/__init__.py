"""Shared pure kernel: errors, citations, parameter schema, periods, clocks, results (no I/O)."""
