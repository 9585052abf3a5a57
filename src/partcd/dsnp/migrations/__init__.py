"""Alembic branch ``dsnp`` (off ``0001_base``): the D-SNP integration tables."""
