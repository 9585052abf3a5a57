"""``partcd stars year new``: draft a rating year the package does not know yet (42 CFR 422.166, 423.186).

Writes ``catalogue/<year>.yaml`` and ``params/<year>.yaml`` into ``--out`` from a known year's files and the new year's
CMS Measure Data header (:func:`partcd.stars.rules.yearly.draft_rating_year`): every carried value is marked
``unverified: true``. Check them against the year's Technical Notes, cite them, then move the files into
``src/partcd/stars/catalogue/`` and ``src/partcd/stars/params/``. Heavy imports stay inside the command.
"""

from __future__ import annotations

from pathlib import Path

import typer

year_app = typer.Typer(help="Rating years: draft one the package does not know yet.", no_args_is_help=True)


@year_app.command("new")
def new(
    year: int = typer.Argument(..., help="The rating year to draft, e.g. 2027."),
    base: int = typer.Option(..., "--from", help="A rating year the package knows (its catalogue and parameters)."),
    measure_data: Path = typer.Option(..., "--measure-data", exists=True, dir_okay=False,
                                      help="The new year's CMS 'Measure Data' CSV (its header gives ids, names, domains)."),
    out: Path = typer.Option(Path("stars-draft"), "--out", file_okay=False,
                             help="Folder for catalogue/<year>.yaml and params/<year>.yaml."),
) -> None:
    """Draft catalogue + parameters of YEAR from --from and the new Measure Data; every carried value unverified."""
    import re

    import yaml

    from partcd.core.errors import InputError
    from partcd.platform.params import area_files
    from partcd.stars.readers import load_catalogue_file, read_rows
    from partcd.stars.rules.yearly import MeasureColumn, draft_documents, draft_rating_year

    rows = read_rows(measure_data)
    if len(rows) < 5 or not rows[0] or not re.match(rf"^{year} Data View:", rows[0][0]):
        raise InputError(str(measure_data), 1, None, f"expected a CMS '{year} Data View' Measure Data table")
    columns: list[MeasureColumn] = []
    domain = ""
    for col in range(5, len(rows[2])):
        domain = (rows[1][col] if col < len(rows[1]) else "") or domain
        label = rows[2][col]
        if not label:
            continue
        m = re.match(r"^([CD]\d{2})\s*:\s*(.+)$", label)
        if m is None:
            raise InputError(str(measure_data), 3, label, "measure label is not 'ID: name'")
        code, _, name = domain.partition(":")
        columns.append(MeasureColumn(m.group(1), m.group(2).strip(), code.strip(), name.strip(),
                                     tuple(r[col] for r in rows[4:] if col < len(r))))
    files = area_files("stars")
    if f"{base}.yaml" not in files:
        raise InputError(f"stars/params/{base}.yaml", None, None, f"--from {base}: no parameters for that rating year")
    draft = draft_rating_year(load_catalogue_file(base), files[f"{base}.yaml"], year, columns)
    catalogue, params = draft_documents(draft)
    for sub, doc in (("catalogue", catalogue), ("params", params)):
        path = out / sub / f"{year}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        header = (f"# DRAFT {sub} of the {year} Star Ratings from {base} (partcd stars year new): every carried value is\n"
                  f"# marked unverified: true until checked against the {year} Technical Notes.\n")
        path.write_text(header + yaml.safe_dump(doc, sort_keys=False, allow_unicode=True, width=120), encoding="utf-8")
        typer.echo(f"wrote {path}", err=True)
    for change in draft.changes:
        typer.echo(change)


def register(app: typer.Typer) -> None:
    """Add the ``year`` group to the ``partcd stars`` sub-app."""
    app.add_typer(year_app, name="year")
