"""The MPF Price Accuracy input files, read by the engine (DuckDB or Spark) and checked there, never row by row in
Python: the PDE file, the MPF Price file, the MPF Pharmacy Cost file and the optional bid-supply file.

Each file is CSV (header row; rows numbered as in a spreadsheet, header = row 1) or Parquet (rows numbered from 1).
Unknown columns are ignored; optional columns may be absent (read as empty). Every column is read as it is stored and
converted with a *try* cast, so a bad value becomes a failed check on its row, not an engine crash. The checks are the
constraints of the pure records (:mod:`partcd.mpf.rules.models`) written as column expressions:
:data:`PDE_COLUMNS`, :data:`PRICE_COLUMNS`, :data:`PHARMACY_COLUMNS`, :data:`BID_COLUMNS`.

A bad row is an :class:`~partcd.core.errors.InputError` naming the file, the row and the field (values are never
echoed: PDE fields are claims data), or, for the PDE file in quarantine mode, a row of the quarantine file.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from partcd.core.errors import InputError
from partcd.mpf.rules.models import MAX_AMOUNT, MAX_UNIT_COST
from partcd.mpf.rules.params import PHARMACY_TYPES
from partcd.platform import frames

#: Spark: the partition of a row is ``_seq >> 33`` and its index in the partition ``_seq & (2**33 - 1)``
#: (``monotonically_increasing_id``); partitions of one file follow the file's order.
SEQ_PARTITION_SHIFT = 33
SEQ = "_partcd_seq"


@dataclasses.dataclass(frozen=True)
class Column:
    """One column of an input file: its target type and the checks of its values.

    ``kind``: ``text`` (``allowed`` values, else a ``pattern``; at most ``max_length`` characters), ``date``, ``int``
    (whole number in ``low..high``) or ``decimal`` (at most ``scale`` decimals, ``low <= v < high``, ``low_open``:
    ``low < v``).
    """

    name: str
    kind: str
    required: bool
    pattern: str | None = None
    max_length: int | None = None
    allowed: tuple[str, ...] = ()
    #: a PDE key column whose pattern a match in a checked MPF file proves (``pharmacy``: the Pharmacy Cost row;
    #: ``price``: the price row, through ``ndc`` or ``reference_ndc``): the pipeline runs the pattern check only on
    #: the rows without that match (:func:`pattern_bad`)
    proven_by: str | None = None
    scale: int = 0
    low: float | None = None
    high: float | None = None
    low_open: bool = False

    @property
    def ibis_type(self) -> str:
        return {"text": "string", "date": "date", "int": "int32"}.get(self.kind, f"decimal(18, {self.scale})")

    def describe(self) -> str:
        """What a valid value looks like (the error text)."""
        if self.kind == "text":
            if self.allowed and self.pattern is None:
                return "one of " + ", ".join(self.allowed)
            return {r"^[A-Z][0-9]{4}$": "a contract id like S1234", r"^[0-9]{3}$": "3 digits",
                    r"^[0-9]{10}$": "10 digits (an NPI)", r"^[0-9]{11}$": "11 digits (an NDC without dashes)",
                    r"^[0-9]{2}$": "2 digits"}.get(self.pattern or "", f"text of 1 to {self.max_length} characters")
        if self.kind == "date":
            return "a date (YYYY-MM-DD)"
        if self.kind == "int":
            return f"a whole number from {self.low:g} to {self.high:g}"
        low = f"above {self.low:g}" if self.low_open else f"at least {self.low:g}"
        return f"a number {low} and below {self.high:,.0f} with at most {self.scale} decimals"


_CONTRACT, _PLAN, _NPI, _NDC = r"^[A-Z][0-9]{4}$", r"^[0-9]{3}$", r"^[0-9]{10}$", r"^[0-9]{11}$"
_AMOUNT, _UNIT = float(MAX_AMOUNT), float(MAX_UNIT_COST)

#: The PDE file (one final-action PDE a row).
PDE_COLUMNS: tuple[Column, ...] = (
    Column("pde_id", "text", True, max_length=64),
    Column("contract_id", "text", True, pattern=_CONTRACT, proven_by="pharmacy"),
    Column("plan_id", "text", True, pattern=_PLAN, proven_by="pharmacy"),
    Column("date_of_service", "date", True),
    Column("pharmacy_npi", "text", True, pattern=_NPI, proven_by="pharmacy"),
    Column("pharmacy_service_type", "text", False, pattern=r"^[0-9]{2}$"),
    Column("ndc", "text", True, pattern=_NDC, proven_by="price"),
    Column("reference_ndc", "text", False, pattern=_NDC, proven_by="price"),
    Column("days_supply", "int", True, low=1, high=999),
    Column("quantity_dispensed", "decimal", True, scale=3, low=0, high=_AMOUNT, low_open=True),
    Column("ingredient_cost_paid", "decimal", True, scale=2, low=0, high=_AMOUNT),
    Column("dispensing_fee_paid", "decimal", True, scale=2, low=0, high=_AMOUNT),
    Column("compound_code", "text", False, allowed=("0", "1", "2")),
    Column("drug_coverage_status_code", "text", False, allowed=("C", "E", "O")),
)
_POSTED: tuple[Column, ...] = (
    Column("contract_id", "text", True, pattern=_CONTRACT),
    Column("plan_id", "text", True, pattern=_PLAN),
    Column("supply_months", "int", True, low=1, high=3),
    Column("price_id", "text", True, max_length=32),
    Column("period_start", "date", True),
    Column("period_end", "date", True),
)
#: The MPF Price file (a drug's unit cost under a price id, for a supply and a posting period).
PRICE_COLUMNS: tuple[Column, ...] = (
    *_POSTED,
    Column("ndc", "text", True, pattern=_NDC),
    Column("unit_cost", "decimal", True, scale=5, low=0, high=_UNIT),
    Column("brand_generic", "text", False, allowed=("B", "G")),
    Column("floor_price", "decimal", False, scale=2, low=0, high=_AMOUNT),
)
#: The MPF Pharmacy Cost file (a pharmacy of a plan, for a supply and a posting period).
PHARMACY_COLUMNS: tuple[Column, ...] = (
    *_POSTED,
    Column("pharmacy_npi", "text", True, pattern=_NPI),
    Column("pharmacy_type", "text", True, allowed=PHARMACY_TYPES),
    Column("dispensing_fee_brand", "decimal", True, scale=5, low=0, high=_UNIT),
    Column("dispensing_fee_generic", "decimal", True, scale=5, low=0, high=_UNIT),
)
#: The optional bid-supply file (a plan's bid days supply for a 1/2/3-month retail supply).
BID_COLUMNS: tuple[Column, ...] = (
    Column("contract_id", "text", True, pattern=_CONTRACT),
    Column("plan_id", "text", True, pattern=_PLAN),
    Column("supply_months", "int", True, low=1, high=3),
    Column("bid_days_supply", "int", True, low=1, high=999),
)


@dataclasses.dataclass(frozen=True)
class Check:
    """One check on a row: the field it names, the reason, the bad-row predicate, and whether a match in a checked
    MPF file proves it (the pattern of a PDE key column)."""

    field: str
    reason: str
    bad: Any
    proven_by: str | None = None


@dataclasses.dataclass(frozen=True)
class InputTable:
    """A file in the engine: ``raw`` (as stored), ``columns`` (each column in its target type, NULL where absent or
    bad: expressions on ``raw``), ``checks`` (one predicate per way a row can be wrong), and how rows are numbered."""

    path: Path
    fmt: str
    raw: Any
    columns: dict[str, Any]
    checks: tuple[Check, ...]
    #: the file's own columns (``raw`` also holds the converted ``_v_<name>`` ones)
    stored: tuple[str, ...] = ()

    @property
    def typed(self) -> Any:
        """The typed columns as a table."""
        return self.raw.select(**self.columns)

    @property
    def file(self) -> str:
        return str(self.path)

    @property
    def first_row(self) -> int:
        """The row number of the first data row: 2 in a CSV (the header is row 1), 1 in Parquet."""
        return 2 if self.fmt == "csv" else 1


def _header(path: Path) -> list[str]:
    import csv

    with path.open(encoding="utf-8-sig", newline="") as fh:
        return [c.strip() for c in next(csv.reader(fh), [])]


def _load(con: Any, path: Path, engine: str) -> tuple[str, Any]:
    """The file as an engine table, every CSV column as text; Spark tables get the ``_partcd_seq`` row id."""
    if not path.is_file():
        raise InputError(str(path), None, None, "file not found")
    fmt = frames.file_format(path)
    if fmt not in ("csv", "parquet"):
        raise InputError(str(path), None, None, f"use CSV or Parquet, not {fmt}")
    name = f"partcd_mpf_{path.stem[:20]}_{uuid.uuid4().hex[:8]}".replace("-", "_").replace(".", "_")
    try:
        if engine == "spark":
            from pyspark.sql import functions as F

            spark = frames.spark_session()
            # the checks make large expression trees; Spark's constraint propagation over them exhausts the heap
            # (it infers constraints from every predicate of every projection). It only adds inferred filters.
            spark.conf.set("spark.sql.constraintPropagation.enabled", "false")
            reader = spark.read.option("header", True).option("inferSchema", False).csv(str(path)) if fmt == "csv" \
                else spark.read.parquet(str(path))
            reader.withColumn(SEQ, F.monotonically_increasing_id()).createOrReplaceTempView(name)
            table = con.table(name)
        elif fmt == "csv":
            table = con.read_csv(str(path), table_name=name, all_varchar=True, header=True)
        else:
            table = con.read_parquet(str(path), table_name=name)
    except Exception as exc:  # the engine's own parse error (ragged line, bad encoding, not Parquet), with its line
        raise InputError(str(path), None, None, f"cannot read: {str(exc).splitlines()[0]}") from None
    if fmt == "csv" and engine == "spark":
        present = _header(path)
        if len(set(present)) != len(present):
            raise InputError(str(path), 1, None, "duplicate column names in the header")
    return fmt, table


def _value_column(raw: Any, col: Column) -> Any:
    """The column converted once, for every check of it to read: text as text, a date as a date, a number as a
    DECIMAL(18, k) - k the column's scale where the stored type cannot carry more decimals (an integer, a narrower
    decimal), else 8 so that surplus decimals can be seen (:func:`_checks_and_type`)."""
    import ibis.expr.datatypes as dt

    kind = raw.type()
    if col.kind == "text":
        return raw if kind.is_string() else raw.cast("string")
    if col.kind == "date":
        return raw if kind.is_date() else raw.cast("date") if kind.is_timestamp() else raw.try_cast("date")
    scale = 0 if col.kind == "int" else col.scale
    if kind.is_integer() or (kind.is_decimal() and kind.scale is not None and kind.scale <= scale):
        return raw.try_cast(dt.Decimal(18, scale))
    return raw.try_cast(dt.Decimal(18, 8))


def _checks_and_type(raw: Any, value: Any, col: Column) -> tuple[Any, list[tuple[str, Any]]]:
    """(the typed column, [(reason, bad predicate)]) of one column present in the file, from its raw and its
    converted value (:func:`_value_column`). Every comparison has one DECIMAL type on both sides: Spark widens mixed
    DECIMAL types past 38 digits by dropping the scale (30.5 would equal its rounding 31)."""
    import ibis

    present = (raw.notnull() & (raw != "")) if raw.type().is_string() else raw.notnull()
    problems: list[tuple[str, Any]] = []
    if col.kind == "text":
        if col.allowed or col.pattern:
            problems.append((f"must be {col.describe()}", present & pattern_bad(col, value)))
        if col.max_length is not None:
            problems.append((f"must be {col.describe()}", present & (value.length() > col.max_length)))
        typed = ibis.ifelse(present, value, ibis.null("string"))
    elif col.kind == "date":
        typed = value
        problems.append((f"must be {col.describe()}", present & value.isnull()))
        problems.append(("must be a date from 2000 to 2100",
                         value.notnull() & ((value.year() < 2000) | (value.year() > 2100))))
    else:
        assert col.low is not None and col.high is not None
        scale = 0 if col.kind == "int" else col.scale
        vtype = value.type()
        low, high = ibis.literal(col.low).cast(vtype), ibis.literal(col.high).cast(vtype)
        inside = ((value > low) if col.low_open else (value >= low)) & ((value <= high) if col.kind == "int" else (value < high))
        good = value.notnull() & inside
        if vtype.scale is not None and vtype.scale > scale:
            good = good & (value == value.round(scale).cast(vtype))
        problems.append((f"must be {col.describe()}", present & ~good.fill_null(False)))
        typed = ibis.ifelse(good, value.cast(col.ibis_type), ibis.null(col.ibis_type))
    if col.required:
        problems.insert(0, ("required value missing", ~present))
    return typed, problems


def read_input(con: Any, path: Path, columns: Sequence[Column], engine: str) -> InputTable:
    """A file as an :class:`InputTable` (lazy: nothing is scanned until a query runs). A required column missing
    from the header is an ``InputError`` at once (row 1 of a CSV). Each column is converted once (a ``_v_<name>``
    column beside the stored ones); the checks and the typed columns read the converted value."""
    import ibis

    fmt, raw = _load(con, path, engine)
    names = [c for c in raw.columns if c != SEQ]
    for col in columns:
        if col.required and col.name not in names:
            raise InputError(str(path), 1 if fmt == "csv" else None, col.name, "required column missing")
    present = [col for col in columns if col.name in names]
    base = raw.mutate(**{f"_v_{col.name}": _value_column(raw[col.name], col) for col in present})
    typed_cols: dict[str, Any] = {}
    checks: list[Check] = []
    for col in columns:
        if col.name not in names:
            typed_cols[col.name] = ibis.null(col.ibis_type)
            continue
        typed, problems = _checks_and_type(base[col.name], base[f"_v_{col.name}"], col)
        typed_cols[col.name] = typed
        checks += [Check(col.name, reason, bad, col.proven_by if reason.startswith("must be") else None)
                   for reason, bad in problems]
    return InputTable(path=path, fmt=fmt, raw=base, columns=typed_cols, checks=tuple(checks), stored=tuple(names))


def bad_flags(table: InputTable) -> dict[str, Any]:
    """``{_bad_<i>: predicate}`` for every check (NULL-safe booleans on the raw rows)."""
    return {f"_bad_{i}": c.bad.fill_null(False) for i, c in enumerate(table.checks)}


def pattern_bad(col: Column, text: Any) -> Any:
    """True where a (non-empty) text value is not one of ``allowed`` / does not match ``pattern``."""
    return ~text.isin(list(col.allowed)) if col.allowed else ~text.re_search(col.pattern)


def ok_expr(table: InputTable, *, unproven_only: bool = False) -> Any:
    """True on a row no check fails (one boolean: the checks' OR, negated). ``unproven_only`` leaves out the
    checks a match in a checked MPF file proves (:attr:`Column.proven_by`); the caller adds them back where no
    match proves them."""
    import ibis

    bad = ibis.literal(False)
    for check in table.checks:
        if not (unproven_only and check.proven_by):
            bad = bad | check.bad.fill_null(False)
    return ~bad


def run_query(query: Callable[[], Any], file: str) -> Any:
    """Run an engine query over a user file; an engine error the try casts did not catch names the file."""
    try:
        return query()
    except InputError:
        raise
    except Exception as exc:
        raise InputError(file, None, None, f"cannot read: {str(exc).splitlines()[0]}") from None


def numbered_rows(raw: Any, keep: Callable[[Any], Any], file: str, limit: int | None = None) -> Any:
    """The rows of ``raw`` for which ``keep`` holds, with ``_index`` = their 0-based position in the file, in file
    order (``limit`` rows at most). DuckDB numbers the rows of its scan in file order; Spark rows are numbered from
    ``monotonically_increasing_id`` and the row count of every earlier partition of the file."""
    import ibis

    if SEQ not in raw.columns:
        numbered = raw.mutate(_index=ibis.row_number())
        found = numbered.filter(keep(numbered)).order_by("_index")
        return found.limit(limit) if limit else found
    part = (raw[SEQ] // (2 ** SEQ_PARTITION_SHIFT)).cast("int64")
    counts = run_query(lambda: raw.group_by(_part=part).aggregate(_n=raw.count()).to_pyarrow().to_pylist(), file)
    offsets, total = [], 0
    for row in sorted(counts, key=lambda r: r["_part"]):
        offsets.append({"_part": int(row["_part"]), "_offset": total})
        total += int(row["_n"])
    found = raw.filter(keep(raw))
    found = found.mutate(_part=(found[SEQ] // (2 ** SEQ_PARTITION_SHIFT)).cast("int64"))
    joined = found.join(ibis.memtable(offsets, schema={"_part": "int64", "_offset": "int64"}), "_part")
    numbered = joined.mutate(_index=(joined._offset + joined[SEQ] % (2 ** SEQ_PARTITION_SHIFT)).cast("int64"))
    numbered = numbered.drop("_part", "_offset", SEQ).order_by("_index")
    return numbered.limit(limit) if limit else numbered


def check_counts(table: InputTable) -> dict[str, int]:
    """One aggregate query: ``_rows`` and the bad rows of each check (``_bad_<i>``)."""
    raw = table.raw
    row: dict[str, Any] = run_query(lambda: raw.aggregate(
        _rows=raw.count(), **{k: v.cast("int64").sum() for k, v in bad_flags(table).items()}
    ).to_pyarrow().to_pylist()[0], table.file)
    return {k: int(v or 0) for k, v in row.items()}


def raise_first_bad_row(table: InputTable) -> None:
    """Raise the ``InputError`` of the file's first bad row: its row number and the first check it fails.
    Returns when no row fails."""
    flags = bad_flags(table)
    if not flags:
        return
    flagged = table.raw.mutate(**flags)

    def any_bad(t: Any) -> Any:
        names = list(flags)
        out = t[names[0]]
        for name in names[1:]:
            out = out | t[name]
        return out

    rows = run_query(lambda: numbered_rows(flagged, any_bad, table.file, limit=1).to_pyarrow().to_pylist(), table.file)
    if not rows:
        return
    hit = rows[0]
    check = next(c for i, c in enumerate(table.checks) if hit[f"_bad_{i}"])
    raise InputError(table.file, int(hit["_index"]) + table.first_row, check.field, check.reason)


def read_checked(con: Any, path: Path, columns: Sequence[Column], engine: str) -> tuple[InputTable, int]:
    """A reference file (prices, pharmacies, bid supply) read and checked: any bad row is an ``InputError``.
    Returns the table and its row count."""
    table = read_input(con, path, columns, engine)
    counts = check_counts(table)
    if any(v for k, v in counts.items() if k != "_rows"):
        raise_first_bad_row(table)
    return table, counts["_rows"]


def raise_on_overlap(table: InputTable, keys: Sequence[str], what: str) -> None:
    """Two rows of one key whose posting periods share a day would give a PDE two MPF rows: an ``InputError`` naming
    the key and the two periods (one window query over the file)."""
    import ibis

    t = table.typed
    earlier = ibis.window(group_by=[t[k] for k in keys], order_by=[t.period_start, t.period_end], rows=(None, -1))
    lagged = t.mutate(_previous_end=t.period_end.max().over(earlier))
    hit = run_query(lambda: lagged.filter(lagged.period_start <= lagged._previous_end)
                    .order_by([*keys, "period_start"]).limit(1).to_pyarrow().to_pylist(), table.file)
    if hit:
        row = hit[0]
        key = ", ".join(f"{k} {row[k]}" for k in keys)
        raise InputError(table.file, None, "period_start",
                         f"{what} {key}: the posting period starting {row['period_start']} overlaps an earlier one "
                         f"ending {row['_previous_end']} (one MPF row per day)")


def raise_on_duplicates(table: InputTable, keys: Sequence[str], what: str) -> None:
    """Two rows with the same ``keys``: an ``InputError`` naming the key."""
    t = table.typed
    dup = t.group_by(list(keys)).aggregate(_n=t.count())
    hit = run_query(lambda: dup.filter(dup._n > 1).order_by(list(keys)).limit(1).to_pyarrow().to_pylist(), table.file)
    if hit:
        key = ", ".join(f"{k} {hit[0][k]}" for k in keys)
        raise InputError(table.file, None, keys[-1], f"{what} {key} is given {hit[0]['_n']} times")
