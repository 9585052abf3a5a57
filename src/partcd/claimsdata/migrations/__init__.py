"""The claims-data tables: an Alembic branch (``claimsdata``) off the base revision 0001_base."""
