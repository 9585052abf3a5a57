"""§§ 422.162(a), 423.182(a) - the measure catalogue of a rating year as data (schema only, no I/O).

One YAML file per rating year (``<year>.yaml`` next to this module) lists the year's Part C and
Part D measures. A measure is identified across years by its stable ``measure_key`` (or its
name and part), never by ``measure_id``: CMS renumbers ids when measures are added or retired.
The file format is strict (unknown keys fail); :func:`partcd.stars.readers.load_catalogue`
reads it, this module only validates it.

Weights (§ 422.166(e), § 423.186(e)) are law, so each measure's ``weight`` is written in the one law schema of the
parameter files (:class:`partcd.core.params.ParamEntry`: ``value``, ``unit: weight``, ``cite`` with the source line and
a verbatim quote, optional ``note``), next to its ``weighting_category``. The weight is cited per measure rather than
derived from the category because the law itself assigns weights per measure where the category does not decide
them: new and returning measures get weight 1 in their first year (§ 422.166(e)(2); 4185-P L691), and CMS lists each
measure's weight in the Technical Notes (2026: Attachment G). A measure marked ``unverified: true`` was carried from
another rating year's catalogue (:mod:`partcd.stars.rules.yearly`) and has not been checked against this year's text.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from partcd.core.params import ParamEntry
from partcd.stars.rules.models import Measure, Part

#: Where a measure's score comes from (CMS Technical Notes "Primary Data Source", grouped); "unknown" only in a draft.
DataSource = Literal["HEDIS", "HEDIS-HOS", "HOS", "CAHPS", "admin", "PDE", "ratings", "unknown"]

#: The weighting categories of § 422.166(e)(1) / § 423.186(e)(1) (Technical Notes: "Weighting Category"); "unknown"
#: only for a new measure of a drafted (unverified) year.
WeightingCategory = Literal[
    "process", "intermediate_outcome", "outcome", "patient_experience_complaints", "access", "improvement", "unknown"
]


def name_token(name: str) -> str:
    """A measure name reduced for matching: case, dashes, quotes and spacing do not matter."""
    text = name.replace("\u2013", "-").replace("\u2014", "-").replace("\u2019", "'").replace("\u2018", "'")
    return re.sub(r"\s+", " ", text).strip().casefold()


class CatalogueMeasure(BaseModel):
    """One measure of one rating year, as written in ``catalogue/<year>.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    measure_id: str = Field(pattern=r"^[CD][0-9]{2}$")
    measure_key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=1)
    aliases: tuple[str, ...] = ()
    part: Part
    domain: str = Field(pattern=r"^[HD]D[0-9]$")
    data_source: DataSource
    higher_is_better: bool
    scale_0_100: bool
    precision: int = Field(ge=0, le=6)
    weighting_category: WeightingCategory
    weight: ParamEntry
    first_rating_year: int = Field(ge=2008)
    cahps: bool
    improvement: bool
    note: str | None = None
    unverified: bool = False

    @field_validator("weight")
    @classmethod
    def _weight_is_a_weight(cls, weight: ParamEntry) -> ParamEntry:
        if weight.unit != "weight":
            raise ValueError(f"weight must have unit 'weight', not {weight.unit!r}")
        if isinstance(weight.value, bool) or not isinstance(weight.value, int | float) or weight.value < 0:
            raise ValueError(f"weight value must be a number >= 0, got {weight.value!r}")
        return weight

    @model_validator(mode="after")
    def _consistent(self) -> CatalogueMeasure:
        if self.measure_id[0] != self.part.value:
            raise ValueError(f"{self.measure_id}: id prefix does not match part {self.part.value}")
        if self.domain[0] != ("H" if self.part is Part.C else "D"):
            raise ValueError(f"{self.measure_id}: domain {self.domain} is not a Part {self.part.value} domain")
        if self.cahps != (self.data_source == "CAHPS"):
            raise ValueError(f"{self.measure_id}: cahps must be true exactly when data_source is CAHPS")
        if self.improvement != (self.data_source == "ratings"):
            raise ValueError(f"{self.measure_id}: improvement must be true exactly when data_source is ratings")
        if self.improvement != (self.weighting_category == "improvement"):
            raise ValueError(f"{self.measure_id}: weighting_category 'improvement' exactly for improvement measures")
        if "unknown" in (self.data_source, self.weighting_category) and not self.unverified:
            raise ValueError(f"{self.measure_id}: an unknown data source or weighting category needs unverified: true")
        return self

    def to_measure(self) -> Measure:
        return Measure(
            measure_id=self.measure_id, measure_key=self.measure_key, name=self.name, part=self.part,
            domain=self.domain, data_source=self.data_source, higher_is_better=self.higher_is_better,
            scale_0_100=self.scale_0_100, precision=self.precision, weight=float(self.weight.value),
            first_rating_year=self.first_rating_year, cahps=self.cahps, improvement=self.improvement,
            weighting_category=self.weighting_category, unverified=self.unverified or self.weight.unverified,
        )


class Catalogue(BaseModel):
    """A rating year's catalogue: provenance, the domains and the measures."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    rating_year: int = Field(ge=2008)
    source: str = Field(min_length=1)
    note: str = Field(min_length=1)
    domains: dict[str, str] = Field(min_length=1)
    measures: tuple[CatalogueMeasure, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Catalogue:
        for label, values in (
            ("measure_id", [m.measure_id for m in self.measures]),
            ("measure_key", [m.measure_key for m in self.measures]),
            ("part+name", [f"{m.part.value}:{name_token(n)}" for m in self.measures for n in (m.name, *m.aliases)]),
        ):
            dupes = sorted({v for v in values if values.count(v) > 1})
            if dupes:
                raise ValueError(f"duplicate {label}: {', '.join(dupes)}")
        for m in self.measures:
            if m.domain not in self.domains:
                raise ValueError(f"{m.measure_id}: domain {m.domain} not listed under domains")
            if m.first_rating_year > self.rating_year:
                raise ValueError(f"{m.measure_id}: first_rating_year {m.first_rating_year} after {self.rating_year}")
        return self

    def to_measures(self) -> list[Measure]:
        return [m.to_measure() for m in self.measures]

    def unverified(self) -> list[str]:
        """Ids of the measures whose attributes or weight were carried from another year without verification."""
        return [m.measure_id for m in self.measures if m.unverified or m.weight.unverified]


def find_measure(measures: list[Measure], part: Part | str, name: str, aliases: dict[str, tuple[str, ...]] | None = None
                 ) -> Measure | None:
    """The measure of ``part`` whose name (or an alias) matches ``name``; None when there is none."""
    token = name_token(name)
    for m in measures:
        if m.part.value != str(part):
            continue
        names = (m.name, *((aliases or {}).get(m.measure_key, ())))
        if any(name_token(n) == token for n in names):
            return m
    return None
