"""partcd: Medicare Advantage (Part C) and Part D rules as code.

The areas are listed in :mod:`partcd.registry`; each is one folder ``partcd/<area>/`` whose ``rules/`` package is
its pure library API (``partcd.<area>.rules.<module>``) and whose ``pipelines`` run its jobs. Regulation values with
their citations come from :func:`partcd.platform.params.load_params`. Heavy modules load only when used.
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
