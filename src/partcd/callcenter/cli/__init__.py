"""``partcd callcenter``: call-log metrics and verdicts, the CMS daily report, hours and monitoring, staffing.

Each command module registers its commands here; modules import their heavy dependencies inside the commands,
so ``partcd callcenter --help`` loads no numpy, pyarrow or DuckDB.
"""

import typer

from partcd.callcenter.area import AREA
from partcd.callcenter.cli import daily, metrics, monitoring, sim, staffing

app = typer.Typer(help=AREA.summary, no_args_is_help=True)

for _module in (metrics, daily, staffing, sim, monitoring):
    _module.register(app)
