"""Pure RADV rules (no file, database, network or clock access; randomness only through a numpy Generator argument).

* :mod:`~partcd.radv.rules.parameters` - the typed view of ``radv/params/*.yaml`` and the two readings;
* :mod:`~partcd.radv.rules.sampling` - RADV eligibility, risk-score strata, the seeded draw;
* :mod:`~partcd.radv.rules.payment_error` - risk scores from HCC coefficient tables, enrollee payment error;
* :mod:`~partcd.radv.rules.estimators` - unrestricted and stratified mean-per-unit extrapolation;
* :mod:`~partcd.radv.rules.attribute` - exact (hypergeometric) bounds on the number of enrollees in error;
* :mod:`~partcd.radv.rules.recovery` - whether extrapolation applies for a payment year, the recovery amount with and
  without an FFS Adjuster, and the MARx offset schedule;
* :mod:`~partcd.radv.rules.steps` - the auditor's step list every result carries.
"""
