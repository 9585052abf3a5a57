"""partcd: Medicare Advantage (Part C) and Part D rules as code.

The library API is small and explicit; heavy modules load only when used::

    from partcd.io.params import load_params            # regulation values with citations
    from partcd.callcenter import evaluate              # verdicts against the call-center standards
    from partcd.pipelines.callcenter import run_metrics # call log -> metrics -> verdicts
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
