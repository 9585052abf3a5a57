"""Orchestration: load -> validate -> compute -> report. CLI, API and dashboard call these same functions."""
