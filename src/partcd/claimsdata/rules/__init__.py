"""Pure claims-data rules (no file, database, network or clock access; dates are arguments).

* :mod:`~partcd.claimsdata.rules.parameters` - the typed view of ``claimsdata/params/*.yaml`` and the two readings;
* :mod:`~partcd.claimsdata.rules.requests` - who may request, the attestation, the request's life, eligibility;
* :mod:`~partcd.claimsdata.rules.uses` - permitted and forbidden uses, contractors and downstream recipients;
* :mod:`~partcd.claimsdata.rules.releases` - release timing, calendar findings, the releases a sponsor receives,
  the population date;
* :mod:`~partcd.claimsdata.rules.extract` - the extract's columns: the data elements, nothing more.
"""
