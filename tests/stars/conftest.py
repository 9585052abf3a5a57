"""Shared Star Ratings test inputs: a hand-computed 2026 rating example in tidy files, and the CMS tables of ../shared."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from partcd.stars.readers import load_catalogue

#: Two MA-only contracts (Local CCP, every Part D measure not required) rated on four Part C measures of 2026:
#: C01 (weight 1), C12 (3), C28 (2), C31 (2); every other Part C measure is "not required", so 4 of 4 are rated.
HAND_STARS = {"H9001": {"C01": 5, "C12": 4, "C28": 5, "C31": 4}, "H9002": {"C01": 1, "C12": 2, "C28": 3, "C31": 2}}
#: Final adjustment categories (2026 Part C CAI: category 1 -0.058259, category 8 +0.10237, TN Table 12).
HAND_CAI = {"H9001": 1, "H9002": 8}


def write_hand_example(folder: Path) -> tuple[Path, Path]:
    """Tidy measure stars and CAI categories of :data:`HAND_STARS` for rating year 2026.

    Hand arithmetic (2026 published reward thresholds, part_c with improvement and new measures: 65th 3.695652,
    85th 4.0, variance 30th 0.918435, 70th 1.28517):

    * H9001: mean (5*1 + 4*3 + 5*2 + 4*2) / 8 = 35/8 = 4.375; deviations 0.625 and -0.375, sum w*d^2 =
      0.390625 + 3*0.140625 + 2*0.390625 + 2*0.140625 = 1.875, variance n*sum/(W*(n-1)) = 4*1.875/(8*3) = 0.3125
      -> high mean, low variance -> reward factor 0.4; CAI -0.058259; 4.375 + 0.4 - 0.058259 = 4.716741 -> 4.5 stars.
    * H9002: mean (1 + 2*3 + 3*2 + 2*2) / 8 = 17/8 = 2.125 -> reward factor 0; CAI +0.10237; 2.22737 -> 2.0 stars.
    """
    measures = load_catalogue(2026)
    rows = ["contract_id,measure_id,stars,organization_type"]
    for cid, given in HAND_STARS.items():
        for m in measures:
            star = given.get(m.measure_id)
            rows.append(f"{cid},{m.measure_id},{star if star is not None else 'Plan not required to report measure'},"
                        "Local CCP")
    stars = folder / "stars_2026.csv"
    stars.write_text("\n".join(rows) + "\n", encoding="utf-8")
    cai = folder / "cai_2026.csv"
    cai.write_text("contract_id,part_c_fac,part_d_mapd_fac,part_d_pdp_fac,overall_fac\n"
                   + "".join(f"{cid},{cat},N/A,N/A,N/A\n" for cid, cat in HAND_CAI.items()), encoding="utf-8")
    return stars, cai


@pytest.fixture()
def hand_example(tmp_path: Path) -> tuple[Path, Path]:
    return write_hand_example(tmp_path)


@pytest.fixture(scope="session")
def star_file(shared_dir: Path) -> Callable[[int, str], Path]:
    """``star_file(year, kind)``: the CMS data table of that kind (e.g. "Measure Stars", "Part C Cut") as a path."""
    def find(year: int, kind: str) -> Path:
        return next((shared_dir / "data" / "star-ratings" / str(year)).glob(f"* - {kind}*"))

    return find
