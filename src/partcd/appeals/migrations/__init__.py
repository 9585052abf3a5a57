"""The appeals tables: an Alembic branch ("appeals") off the base revision 0001_base."""
