"""Issue 10 item 8: the root README's Star Ratings examples run as written against ../shared (42 CFR 422.166, 423.186).

The README block sets ``S=../shared/data/star-ratings`` and runs ``partcd stars cutpoints | rate | explain ...``; each
command is read out of README.md (continuation lines joined, comments dropped), ``$S`` pointed at the shared data
folder and run through the CLI in a scratch folder, as a newcomer would run it from the checkout.
"""

from __future__ import annotations

import csv
import json
import re
import shlex
from pathlib import Path

import pytest
from typer.testing import CliRunner

from partcd.platform.cli import app

README = Path(__file__).resolve().parents[2] / "README.md"
runner = CliRunner()


def stars_commands(text: str) -> list[list[str]]:
    """The ``partcd stars`` commands of the README's shell block after the ``S=...`` line, as argument lists."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("S=../shared/data/star-ratings"))
    joined: list[str] = []
    buffer = ""
    for line in lines[start + 1:]:
        if not line.strip() or line.startswith("```"):
            break
        code = re.sub(r"\s+#.*$", "", line.rstrip())
        if code.endswith("\\"):
            buffer += code[:-1] + " "
            continue
        joined.append(buffer + code)
        buffer = ""
    commands = []
    for line in joined:
        for part in line.split(" ; "):
            args = shlex.split(part)
            if args[:2] == [".venv/bin/partcd", "stars"]:
                commands.append(args[1:])
    return commands


def test_readme_commands_are_found() -> None:
    commands = stars_commands(README.read_text(encoding="utf-8"))
    assert [c[1] for c in commands] == ["cutpoints", "rate", "explain", "whatif", "uncertainty", "year"]
    assert "--prior-scores" in commands[0]  # the restricted-range cap of non-0-100 measures needs last year's scores


@pytest.mark.parametrize("which", ["cutpoints", "rate", "explain"])
def test_readme_star_examples_run_as_written(which: str, shared_dir: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    data = str(shared_dir / "data" / "star-ratings")
    args = next(c for c in stars_commands(README.read_text(encoding="utf-8")) if c[1] == which)
    args = [a.replace("$S", data) for a in args]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    if which == "cutpoints":
        rows = list(csv.DictReader((tmp_path / "runs" / "2025-cut-points.csv").open(encoding="utf-8")))
        assert len(rows) == 160  # 22 Part C + 2 x 9 Part D non-CAHPS measures with scores, 4 thresholds each
        c01 = {r["threshold"]: r for r in rows if r["measure_id"] == "C01"}
        assert (c01["2"]["value"], c01["2"]["display"], c01["2"]["reason"]) == ("53", "53", "capped_up")  # 48 + 5
        assert (tmp_path / "runs" / "2025" / "report.html").is_file()
        assert "60 percent rule: 19 contract(s) left out of the clustering" in " ".join(result.stderr.split())
    elif which == "rate":
        (row,) = json.loads(result.stdout)
        assert (row["contract_id"], row["highest_rating_type"]) == ("H0028", "overall")
        assert row["overall"] == 3.5  # published 2025 overall of H0028: 3.5
    else:
        assert "Contract H0028 in the 2025 Star Ratings." in result.stdout
        assert data not in result.stdout and "src/partcd" not in result.stdout
