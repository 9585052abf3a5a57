"""MPF Price Accuracy demo: a synthetic 2024 PDE year of a Part D sponsor, scored for the 2026 Star Ratings and under
the proposal's reading (CMS-4185-P), with the per-PDE outcomes and one small contract below the 30-PDE minimum."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from partcd.mpf.pipelines import score
from partcd.mpf.report import render_run
from partcd.mpf.samples import synthetic_pdes, synthetic_world
from partcd.platform.demo import DemoResult

DEMO_PDES = 60_000
SMALL_CONTRACT_PDES = 24


def demo(out: Path, seed: int, engine: str) -> DemoResult:
    """Write the sample files under ``out/mpf/``, score them (law of 2026 and the proposal variant), render both."""
    folder = out / "mpf"
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    world = synthetic_world(rng, contracts=4)
    pdes = synthetic_pdes(rng, DEMO_PDES, world)
    small = str(world.plans[-1, 0])
    in_small = pc.equal(pdes["contract_id"], small)
    keep = pc.or_(pc.invert(in_small), pc.less(pa.array(np.cumsum(in_small.to_numpy(zero_copy_only=False))),
                                              SMALL_CONTRACT_PDES + 1))
    pdes = pdes.filter(keep)
    paths = {name: folder / f"{name}.csv" for name in ("pde", "prices", "pharmacies", "bid_supply")}
    for name, table in (("pde", pdes), ("prices", world.prices()), ("pharmacies", world.pharmacies()),
                        ("bid_supply", world.bid_supply())):
        pacsv.write_csv(table, paths[name])
    law = score(paths["pde"], paths["prices"], paths["pharmacies"], 2026, bid_supply=paths["bid_supply"], engine=engine,
                claims_out=folder / "claims.csv", top_claims=25)
    proposal = score(paths["pde"], paths["prices"], paths["pharmacies"], 2026, bid_supply=paths["bid_supply"],
                     engine=engine, variant="proposal-4185-p", top_claims=25)
    links = [("2026 Technical Notes", "index.html"), ("proposal CMS-4185-P", "proposal.html")]
    render_run(law, folder / "index.html", links=links)
    render_run(proposal, folder / "proposal.html", title="MPF Price Accuracy - 2026 Star Ratings, proposal's reading",
               links=links)
    proposed = {s.contract_id: s.measure_score for s in proposal.scores}
    scores = ", ".join(f"{s.contract_id} {'-' if s.measure_score is None else f'{s.measure_score:g}'}"
                       f" (proposal {'-' if proposed[s.contract_id] is None else f'{proposed[s.contract_id]:g}'})"
                       for s in law.scores)
    return DemoResult("mpf", "MPF Price Accuracy (D07), 2026 Star Ratings", "mpf/index.html",
                      f"{law.pde_rows:,} PDEs of 2024: {scores}",
                      details=[f"files: {folder}", f"{small}: {SMALL_CONTRACT_PDES} PDEs, below the 30-PDE minimum"],
                      links=[("proposal's reading", "mpf/proposal.html"), ("per-PDE outcomes (CSV)", "mpf/claims.csv")])
