"""Alembic branch ``preclusion`` (off ``0001_base``): the preclusion area's tables."""
