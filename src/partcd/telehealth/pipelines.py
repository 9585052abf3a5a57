"""§§ 422.135, 422.252-422.264 - from files (or request bodies) to classifications and bids: reads the worksheet or the
services, applies the user's changes, loads the contract year's parameters and calls the pure rules.

Used by the CLI, the HTTP API, the web page and the demo, so all four give the same answer.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from partcd.core.errors import ConfigError, InputError
from partcd.platform.params import load_params
from partcd.telehealth import readers
from partcd.telehealth.rules.bid import Assumptions, BidComparison, Worksheet, compare_bid
from partcd.telehealth.rules.classification import Classification, PlanCompliance, TelehealthService, classify_all
from partcd.telehealth.rules.parameters import Reading, TelehealthParams
from partcd.telehealth.samples import example_worksheet

#: Keys ``--set`` may change: every assumption, the plan-level facts of § 422.135(c), the plan's name and year.
SETTABLE = (*(f"assumptions.{k}" for k in Assumptions.model_fields),
            *(f"plan_compliance.{k}" for k in PlanCompliance.model_fields), "plan_name", "contract_year")


def params_for(year: int) -> TelehealthParams:
    """The typed parameters of a contract year (years before 2020 have no file: a ``ParameterError``)."""
    return load_params("telehealth", year).typed(TelehealthParams)


def apply_settings(data: dict[str, Any], settings: Iterable[str]) -> dict[str, Any]:
    """``KEY=VALUE`` changes (``benchmark_pmpm_usd=950``, ``plan_compliance.information_available_to_cms=false``)
    applied to a worksheet's data; a bare assumption name means ``assumptions.<name>``."""
    out = {**data, "assumptions": dict(data.get("assumptions") or {}),
           "plan_compliance": dict(data.get("plan_compliance") or {})}
    for setting in settings:
        key, sep, value = setting.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"--set: expected KEY=VALUE, got {setting!r}")
        if "." not in key and key in Assumptions.model_fields:
            key = f"assumptions.{key}"
        if key not in SETTABLE:
            raise ConfigError(f"--set: unknown key {key!r}; known: {', '.join(SETTABLE)}")
        section, _, name = key.rpartition(".")
        target = out[section] if section else out
        target[name] = value.strip()
    return out


def worksheet_data(path: Path | None, *, assumptions: Path | None = None) -> dict[str, Any]:
    """The data of a worksheet file (YAML, or CSV lines with the plan and assumptions from ``assumptions`` or the
    worked example); without a file, the worked example itself."""
    if path is None:
        return example_worksheet()
    if readers.kind(path) == "yaml":
        return readers.read_yaml(path)
    lines, services = readers.csv_lines(path)
    base = readers.read_yaml(assumptions) if assumptions is not None else example_worksheet()
    return {**{k: v for k, v in base.items() if k not in ("lines", "telehealth_services")},
            "telehealth_services": services, "lines": lines}


def worksheet_from(data: Mapping[str, Any], file: str) -> Worksheet:
    """A validated worksheet; a problem in a line names its row (CSV: spreadsheet row, YAML: item number)."""
    first = 2 if file.lower().endswith(".csv") else 1
    result: Worksheet = readers.validate(Worksheet, data, file, rows="lines", first_row=first)
    return result


def load_worksheet(path: Path | None, *, assumptions: Path | None = None, settings: Iterable[str] = ()) -> Worksheet:
    """A worksheet file with the user's ``--set`` changes applied."""
    data = apply_settings(worksheet_data(path, assumptions=assumptions), settings)
    return worksheet_from(data, str(path) if path is not None else "worked example")


def run_bid(worksheet: Worksheet) -> BidComparison:
    """The bid as classified and with telehealth as supplemental benefits, under the worksheet's contract year."""
    return compare_bid(worksheet, params_for(worksheet.contract_year))


def services_from(data: Mapping[str, Any], file: str, *, plan: Mapping[str, Any] | None = None
                  ) -> tuple[int, PlanCompliance, list[TelehealthService]]:
    """(contract year, § 422.135(c) facts, services) of a services document."""
    year = data.get("contract_year")
    if not isinstance(year, int) or isinstance(year, bool):
        raise InputError(file, None, "contract_year", "a contract year is required, e.g. 2020")
    plan_data = plan if plan is not None else data.get("plan_compliance")
    if plan_data is None:
        raise InputError(file, None, "plan_compliance", "the plan-level facts of 42 CFR 422.135(c) are required")
    compliance: PlanCompliance = readers.validate(PlanCompliance, plan_data, file)
    raw = data.get("services")
    if not isinstance(raw, list) or not raw:
        raise InputError(file, None, "services", "a non-empty list of services is required")
    if len(raw) > readers.MAX_ROWS:
        raise InputError(file, None, "services", f"more than {readers.MAX_ROWS} services")
    first = 2 if file.lower().endswith(".csv") else 1
    services = []
    for index, item in enumerate(raw):
        try:
            services.append(readers.validate(TelehealthService, item, file))
        except InputError as exc:
            raise InputError(file, index + first, exc.field, exc.reason) from None
    return year, compliance, services


def load_services(path: Path, *, plan: Path | None = None, year: int | None = None
                  ) -> tuple[int, PlanCompliance, list[TelehealthService]]:
    """A services file (YAML, or CSV with ``--plan`` YAML holding ``plan_compliance`` and ``contract_year``)."""
    plan_doc = readers.read_yaml(plan) if plan is not None else None
    plan_facts = (plan_doc.get("plan_compliance", plan_doc) if plan_doc is not None else None)
    if readers.kind(path) == "yaml":
        data = readers.read_yaml(path)
    else:
        if plan_doc is None:
            raise ConfigError("--plan: a CSV services file needs the plan's § 422.135(c) facts in a YAML file")
        data = {"contract_year": plan_doc.get("contract_year"), "services": readers.read_csv_rows(path)}
    if year is not None:
        data = {**data, "contract_year": year}
    return services_from(data, str(path), plan=plan_facts)


def run_classify(year: int, plan: PlanCompliance, services: list[TelehealthService],
                 reading: Reading | None = None) -> list[Classification]:
    """Every service classified under the contract year's parameters."""
    return classify_all(services, plan, params_for(year), reading)
