"""§§ 422.162(a), 422.166, 423.182(a), 423.186 - drafting a rating year the package does not know yet (pure).

A rating year is law only once its catalogue and parameter file are written and cited; there is no silent
carry-forward (``stars/params/_area.yaml``: ``carry_forward: false``). For a year whose Technical Notes are not in the
package yet, :func:`draft_rating_year` drafts both from a known year and the new year's Measure Data header:

* every parameter value is copied with ``unverified: true`` and a note saying where it came from; values CMS publishes
  anew each year (``PER_YEAR_VALUES``: the CAHPS 12 % reliability cut-offs) are not carried at all;
* every measure of the new Measure Data found in the known catalogue (by part and name, never by id) is copied with its
  new id and domain and ``unverified: true``; a measure in its first year in the known catalogue gets its category's
  weight of that year (§ 422.166(e)(2): weight 1 in the first year only), still unverified;
* a measure not in the known catalogue is a new measure: weight 1 in its first year is the law (§ 422.166(e)(2),
  § 423.186(e)(2); 4185-P L691) and stays verified, everything else about it (direction, data source, category) is
  unknown and marked so; scale and precision are read off the sample cells of its column;
* measures of the known catalogue missing from the new data are left out (retired or moved to display).

:func:`unverified_inputs` lists what a computation used that is unverified, so its output can say so. The files are
written and read by the edges; this module neither reads nor writes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from partcd.core.citation import Cite, cites
from partcd.core.errors import RuleError
from partcd.core.params import ParamEntry, ParamFile, ParamSet
from partcd.stars.rules.catalogue import Catalogue, CatalogueMeasure, find_measure, name_token
from partcd.stars.rules.models import Measure, Part

_CITE = Cite(cfr="42 CFR 422.166, 423.186")

#: Values CMS publishes anew for each rating year: never carried into a draft, even as unverified.
PER_YEAR_VALUES: frozenset[str] = frozenset({"cahps_low_reliability_cutoffs_table"})

#: § 422.166(e)(2) / § 423.186(e)(2): a new measure's weight in its first year (law, not a carried value).
NEW_MEASURE_WEIGHT_CITES: tuple[Cite, ...] = (
    Cite(cfr="42 CFR 422.166(e)(2), 423.186(e)(2)", source="ecfr-42",
         quote="New measures to the Star Ratings program will receive a weight of 1 for their first year in the Star "
               "Ratings program."),
    Cite(cfr="42 CFR 422.166(e)(2), 423.186(e)(2)", source="cms-4185-p", line=691,
         quote="the measure will receive a weight of 1 for the first year in the Star Ratings program"),
)

_PERCENT = re.compile(r"^-?\d+(?:\.(\d+))? ?%$")
_NUMBER = re.compile(r"^-?\d+(?:\.(\d+))?$")


@dataclass(frozen=True)
class MeasureColumn:
    """One measure column of the new year's Measure Data: id and name as printed, domain code, sample cells."""

    measure_id: str
    name: str
    domain: str
    domain_name: str
    cells: tuple[str, ...] = ()


@dataclass(frozen=True)
class DraftYear:
    """A drafted rating year: catalogue and parameter file (both marked unverified) and what changed."""

    rating_year: int
    base_year: int
    catalogue: Catalogue
    params: ParamFile
    changes: tuple[str, ...]


def _unverified_entry(entry: ParamEntry, base_year: int) -> ParamEntry:
    note = f"carried from the {base_year} file, unverified" + (f"; {entry.note}" if entry.note else "")
    return entry.model_copy(update={"unverified": True, "note": note})


@cites("42 CFR 422.166", "42 CFR 423.186")
def draft_params(base: ParamFile, rating_year: int) -> ParamFile:
    """The base year's parameter file for ``rating_year``: every value carried and marked unverified."""
    base_year = int(base.period_value)  # type: ignore[arg-type]
    if base.period_kind != "rating_year" or rating_year <= base_year:
        raise RuleError(f"a draft needs a later rating year than its base ({base_year}), got {rating_year}", _CITE)
    values = {k: _unverified_entry(e, base_year) for k, e in base.values.items() if k not in PER_YEAR_VALUES}
    return base.model_copy(update={
        "period": {"rating_year": rating_year},
        "last_reviewed": None,
        "description": (f"DRAFT for the {rating_year} Star Ratings: every value carried from {base_year} and unverified "
                        f"until checked against the {rating_year} Technical Notes. " + (base.description or "")).strip(),
        "values": values,
    })


def _category_weights(base: Catalogue) -> dict[str, float]:
    """The weight most measures of each category carry in the base year, counting only measures past their first year."""
    seen: dict[str, Counter[float]] = {}
    for m in base.measures:
        if m.first_rating_year < base.rating_year:
            seen.setdefault(m.weighting_category, Counter())[float(m.weight.value)] += 1
    return {cat: counts.most_common(1)[0][0] for cat, counts in seen.items()}


def _carried(m: CatalogueMeasure, col: MeasureColumn, base: Catalogue, category_weight: dict[str, float]) -> CatalogueMeasure:
    weight = _unverified_entry(m.weight, base.rating_year)
    if m.first_rating_year == base.rating_year and m.weighting_category in category_weight:
        value = category_weight[m.weighting_category]
        weight = weight.model_copy(update={
            "value": value,
            "note": (f"weight {m.weight.value:g} was its first-year weight in {base.rating_year}; from its second year a "
                     f"measure takes its category's weight (§ 422.166(e)(2)), here {value:g} as for the other "
                     f"{m.weighting_category} measures of {base.rating_year}; unverified"),
        })
    aliases = m.aliases if name_token(col.name) == name_token(m.name) else (*m.aliases, m.name)
    return m.model_copy(update={
        "measure_id": col.measure_id, "name": col.name if name_token(col.name) != name_token(m.name) else m.name,
        "aliases": tuple(a for a in aliases if name_token(a) != name_token(col.name)), "domain": col.domain,
        "weight": weight, "unverified": True,
        "note": f"carried from the {base.rating_year} catalogue ({m.measure_id}), unverified" + (f"; {m.note}" if m.note else ""),
    })


def _decimals(cells: Sequence[str]) -> tuple[bool, int] | None:
    """(percent?, decimals) read off the numeric cells of a column; None when it has no numeric cell."""
    percent, decimals, numeric = False, 0, False
    for cell in cells:
        text = cell.strip()
        m = _PERCENT.match(text) or _NUMBER.match(text)
        if not m:
            continue
        numeric = True
        percent = percent or text.endswith("%")
        decimals = max(decimals, len(m.group(1) or ""))
    return (percent, decimals) if numeric else None


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", name_token(name)).strip("_")
    return slug if slug[:1].isalpha() else f"measure_{slug}"


def _new_measure(col: MeasureColumn, rating_year: int) -> CatalogueMeasure:
    shape = _decimals(col.cells)
    percent, decimals = shape if shape is not None else (True, 0)
    return CatalogueMeasure(
        measure_id=col.measure_id, measure_key=_slug(col.name), name=col.name, part=Part(col.measure_id[0]),
        domain=col.domain, data_source="unknown", higher_is_better=True, scale_0_100=percent, precision=decimals,
        weighting_category="unknown",
        weight=ParamEntry(value=1, unit="weight", cite=NEW_MEASURE_WEIGHT_CITES,
                          note="a new measure's first-year weight (law); its category is unknown until the Technical Notes"),
        first_rating_year=rating_year, cahps=False, improvement=False, unverified=True,
        note=("NEW in the Measure Data and not in the base catalogue: direction (higher is better assumed), data source, "
              "weighting category and CAHPS/improvement status are unknown; scale and precision read off the column's "
              "cells; unverified"),
    )


@cites("42 CFR 422.162(a)", "42 CFR 423.182(a)", "42 CFR 422.166(e)(2)", "42 CFR 423.186(e)(2)")
def draft_catalogue(base: Catalogue, rating_year: int, columns: Sequence[MeasureColumn]) -> tuple[Catalogue, list[str]]:
    """The new year's catalogue from the base catalogue and the new Measure Data columns, with the changes in words."""
    if rating_year <= base.rating_year:
        raise RuleError(f"a draft needs a later rating year than its base ({base.rating_year}), got {rating_year}", _CITE)
    if not columns:
        raise RuleError("the new Measure Data has no measure columns", _CITE)
    known = base.to_measures()
    aliases = {m.measure_key: m.aliases for m in base.measures}
    by_key = {m.measure_key: m for m in base.measures}
    category_weight = _category_weights(base)
    measures: list[CatalogueMeasure] = []
    changes: list[str] = []
    found: set[str] = set()
    for col in columns:
        hit: Measure | None = find_measure(known, col.measure_id[0], col.name, aliases)
        if hit is None:
            measures.append(_new_measure(col, rating_year))
            changes.append(f"{col.measure_id} {col.name}: new measure (not in the {base.rating_year} catalogue)")
            continue
        found.add(hit.measure_key)
        measures.append(_carried(by_key[hit.measure_key], col, base, category_weight))
        if hit.measure_id != col.measure_id:
            changes.append(f"{col.measure_id} {col.name}: was {hit.measure_id} in {base.rating_year}")
    changes.extend(f"{m.measure_id} {m.name}: in {base.rating_year}, not in the {rating_year} Measure Data (left out)"
                   for m in base.measures if m.measure_key not in found)
    domains = dict(base.domains)
    domains.update({c.domain: c.domain_name for c in columns if c.domain_name})
    catalogue = Catalogue(
        rating_year=rating_year,
        source=f"DRAFT from the {base.rating_year} catalogue and the {rating_year} Measure Data header; unverified",
        note=(f"Drafted for the {rating_year} Star Ratings before its Technical Notes are in the package. Every measure is "
              f"marked unverified: check ids, names, direction, weights and first years against the {rating_year} "
              f"Technical Notes, cite each weight, then remove the marks."),
        domains={k: v for k, v in domains.items() if any(m.domain == k for m in measures)},
        measures=tuple(measures),
    )
    return catalogue, changes


@cites("42 CFR 422.166", "42 CFR 423.186")
def draft_rating_year(base_catalogue: Catalogue, base_params: ParamFile, rating_year: int,
                      columns: Sequence[MeasureColumn]) -> DraftYear:
    """Catalogue and parameters of ``rating_year`` drafted from a known year; nothing is silently law."""
    base_year = int(base_params.period_value)  # type: ignore[arg-type]
    if base_catalogue.rating_year != base_year:
        raise RuleError(f"base catalogue {base_catalogue.rating_year} and base parameters {base_year} differ", _CITE)
    catalogue, changes = draft_catalogue(base_catalogue, rating_year, columns)
    dropped = sorted(PER_YEAR_VALUES & set(base_params.values))
    if dropped:
        changes.append(f"not carried (published anew each year): {', '.join(dropped)}")
    return DraftYear(rating_year, base_year, catalogue, draft_params(base_params, rating_year), tuple(changes))


def unverified_inputs(params: ParamSet, measures: Sequence[Measure] = ()) -> list[str]:
    """What a computation with these parameters and measures used that nobody has verified (empty when all is cited)."""
    out = [f"parameter {key} of {params.file} is carried from another year and unverified" for key in params.unverified()]
    out.extend(f"measure {m.measure_id} {m.name} of the {params.period} catalogue is carried or new and unverified"
               for m in measures if m.unverified)
    return out


def draft_documents(draft: DraftYear) -> tuple[dict[str, Any], dict[str, Any]]:
    """The draft as plain data for YAML (catalogue, parameter file), in the shapes their schemas read back."""
    return (draft.catalogue.model_dump(mode="json", exclude_defaults=True),
            draft.params.model_dump(mode="json", exclude_defaults=True))
