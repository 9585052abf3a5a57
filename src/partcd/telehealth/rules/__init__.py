"""Pure telehealth rules (no file, database, network or clock access).

* :mod:`~partcd.telehealth.rules.parameters` - the typed view of ``telehealth/params/*.yaml`` and the two readings;
* :mod:`~partcd.telehealth.rules.classification` - § 422.135: additional telehealth benefit, § 1834(m) telehealth,
  supplemental benefit or in-person service, with every condition and its citation;
* :mod:`~partcd.telehealth.rules.bid` - §§ 422.252, 422.254(b), 422.264(a): the bid line by line, capital and
  infrastructure costs excluded, compared with the same services as supplemental benefits;
* :mod:`~partcd.telehealth.rules.impact` - the proposal's Trust Fund estimate (RIA, L1541-L1552).
"""
