"""§ 422.166(a)(2)(i), § 423.186(a)(2)(i) - the Star Ratings part of ``partcd demo`` (4185-P L2241 / L3212).

Always: seeded synthetic 2025 scores for a subset of the real 2025 catalogue (:mod:`partcd.stars.samples`, about 400
contracts) with synthetic 2024 scores and 2024 "published" cut points as the prior year, written as tidy CSVs and run
through the same job as ``partcd stars cutpoints`` (:func:`partcd.stars.pipelines.run_cut_points`) with the rating
year's methodology (``cms-2024+``); stars are assigned and the report written to ``stars/synthetic/report.html``.

When the public CMS data tables are present (``$PARTCD_SHARED_DIR/data/star-ratings``, else ``shared/`` beside the
working directory or the checkout, see :func:`star_data_dir`), the 2025 Measure Data is also run with the 2024
published Part C and Part D cut points and the 2024 Measure Data as prior (``stars/cms-2025/report.html``); the two
reports link each other. Without them the headline printed by ``partcd demo`` says the CMS run was skipped and where
the tables are looked for. The ``engine`` argument is not used: cut points are computed in memory (numpy), not by DuckDB or Spark.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

from partcd.platform import report
from partcd.platform.demo import DemoResult
from partcd.platform.params import load_params
from partcd.stars.pipelines import CutPointRun, run_cut_points, write_tidy_cut_points, write_tidy_scores
from partcd.stars.readers import load_catalogue
from partcd.stars.report import save_run
from partcd.stars.rules.methodology import StarsParams
from partcd.stars.samples import DEMO_MEASURE_KEYS, synthetic_star_scores

RATING_YEAR = 2025
SYNTHETIC_HREF = "stars/synthetic/report.html"
CMS_HREF = "stars/cms-2025/report.html"


def star_data_dir() -> Path | None:
    """The folder of the CMS Star Ratings data tables when the 2024 and 2025 tables are there: under
    ``$PARTCD_SHARED_DIR`` when it is set (and only there), else under a ``shared/`` folder beside the working directory,
    the checkout or one of their parents."""
    env = os.environ.get("PARTCD_SHARED_DIR")
    if env:
        candidates = [Path(env)]
    else:
        here = Path(__file__).resolve()
        candidates = [p / "shared" for p in (Path.cwd(), *Path.cwd().parents, *here.parents)]
    for shared in candidates:
        data = shared / "data" / "star-ratings"
        if (data / str(RATING_YEAR)).is_dir() and (data / str(RATING_YEAR - 1)).is_dir():
            return data
    return None


def _one(folder: Path, kind: str) -> Path | None:
    found = sorted(folder.glob(f"* - {kind}*.csv"))
    return found[0] if found else None


def synthetic_run(folder: Path, seed: int) -> CutPointRun:
    """Write the synthetic inputs into ``folder`` and compute the 2025 cut points from them."""
    catalogue = {m.measure_key: m for m in load_catalogue(RATING_YEAR)}
    measures = [catalogue[k] for k in DEMO_MEASURE_KEYS]
    prior_params = load_params("stars", RATING_YEAR - 1).typed(StarsParams)
    sample = synthetic_star_scores(measures, seed=seed, rating_year=RATING_YEAR, prior_params=prior_params)
    ids = {m.measure_key: m.measure_id for m in measures}
    scores = write_tidy_scores(folder / "scores_2025.csv", sample.scores, ids)
    prior_scores = write_tidy_scores(folder / "scores_2024.csv", sample.prior_scores)
    prior_cut_points = write_tidy_cut_points(folder / "cut_points_2024.csv", sample.prior_cut_points)
    run = run_cut_points(scores, RATING_YEAR, [prior_cut_points], prior_scores, seed)
    return _named(run, lambda p: p.name)


def _named(run: CutPointRun, name: Callable[[Path], str]) -> CutPointRun:
    """The run with its input files named for the report (not by where this machine keeps them)."""
    return dataclasses.replace(
        run, scores_file=name(Path(run.scores_file)),
        prior_cut_points_files=tuple(name(Path(p)) for p in run.prior_cut_points_files),
        prior_scores_file=None if run.prior_scores_file is None else name(Path(run.prior_scores_file)),
    )


def cms_run(data: Path, seed: int) -> CutPointRun | None:
    """The 2025 Measure Data with the 2024 published cut points and scores as prior (None when a file is missing)."""
    scores = _one(data / str(RATING_YEAR), "Measure Data")
    prior_scores = _one(data / str(RATING_YEAR - 1), "Measure Data")
    priors = [_one(data / str(RATING_YEAR - 1), f"Part {part} Cut Points") for part in ("C", "D")]
    if scores is None or prior_scores is None or None in priors:
        return None
    run = run_cut_points(scores, RATING_YEAR, [p for p in priors if p is not None], prior_scores, seed)
    return _named(run, lambda p: f"shared/data/star-ratings/{p.parent.name}/{p.name}")


def _headline(run: CutPointRun) -> str:
    rows = run.rows()
    capped = sum(r.reason in ("capped_up", "capped_down") for r in rows)
    contracts = len({s.contract_id for s in run.scores})
    return f"{contracts} contracts, {len(run.results)} measure/contract types, {capped} of {len(rows)} thresholds capped"


def demo(out: Path, seed: int, engine: str) -> DemoResult:
    """Synthetic 2025 cut points (and, with the CMS tables at hand, the real 2025 ones) with their reports."""
    out.mkdir(parents=True, exist_ok=True)
    report.ensure_plotly_js(out)
    plotly_js = "../../" + report.PLOTLY_JS
    folder = out / "stars"
    synthetic = synthetic_run(folder / "synthetic", seed)
    data = star_data_dir()
    real = cms_run(data, seed) if data is not None else None
    links = [("Synthetic 2025 run", "../synthetic/report.html")]
    if real is not None:
        links.append(("CMS 2025 Measure Data run", "../cms-2025/report.html"))
    save_run(synthetic, folder / "synthetic", plotly_js,
             title="Star Ratings cut points 2025 - synthetic contracts (seeded)", links=links)
    demo_links: list[tuple[str, str]] = []
    details = [f"synthetic inputs: {folder / 'synthetic'}", f"cut points: {folder / 'synthetic' / 'cut_points.csv'}"]
    headline = f"{synthetic.method.name}, seed {seed}; synthetic: {_headline(synthetic)}"
    if real is not None:
        save_run(real, folder / "cms-2025", plotly_js,
                 title="Star Ratings cut points 2025 - CMS Measure Data, 2024 published cut points as prior", links=links)
        details.append(f"CMS 2025 Measure Data run: {CMS_HREF}")
        demo_links.append(("CMS 2025 Measure Data run", CMS_HREF))
        headline += f"; CMS 2025 Measure Data: {_headline(real)} ({CMS_HREF})"
    else:
        skipped = (f"CMS {RATING_YEAR} run skipped: the public Star Ratings tables were not found (shared/data/star-ratings "
                   "beside the checkout; set PARTCD_SHARED_DIR to the folder holding data/star-ratings)")
        headline += f"; {skipped}"
        details.append(f"CMS data tables not found: real-data run skipped - {skipped}")
    return DemoResult("stars", "Star Ratings cut points 2025 (cms-2024+, guardrail vs. prior year)", SYNTHETIC_HREF,
                      headline, details=details, links=demo_links)
