"""Compliance rules (pure): the corrective action plan lifecycle and business-continuity checks."""
