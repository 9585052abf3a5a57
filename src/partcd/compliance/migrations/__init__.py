"""The CAP and business-continuity tables: an Alembic branch off the base revision 0001_base (revision ids kept)."""
