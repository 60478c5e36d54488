"""Run found's benchmarks and print one table of ours against each anchor.

Usage: ``python benchmarks/run.py [--quick] [--only NAME]... [--json FILE] [--list]``
(``nox -s bench -- --quick`` does the same in a prepared venv).

Every ``bench_*.py`` module beside this file is a benchmark. It exposes
``run(quick: bool) -> list[dict]``, one dict per workload with the keys ``workload``, ``unit``
(e.g. ``"ops/s"``), ``ours``, ``anchor_name`` (what we compare with, e.g. ``"fdb.tuple"``),
``anchor`` (its number, or None when there is none) and optionally ``note``. ``_harness.py``
holds the timing helpers they share; import them as ``from _harness import ...`` (this runner
puts its folder first on sys.path, and mypy checks the folder as top-level modules, so a
``benchmarks._harness`` spelling would make the same file two modules).

The table's last column is ours/anchor: above 1 means ours is bigger (faster, for a rate).

Example::

    $ python benchmarks/run.py --quick --only tuple
    workload  | ours        | anchor (name)          | ours/anchor
    ----------+-------------+------------------------+------------
    pack ints | 1.23M ops/s | 812k ops/s (fdb.tuple) |       1.51x
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import platform
import sys
import time
import traceback
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import ModuleType

HERE = Path(__file__).resolve().parent
REQUIRED: dict[str, tuple[type, ...]] = {
    "workload": (str,),
    "unit": (str,),
    "ours": (int, float),
    "anchor_name": (str,),
    "anchor": (int, float, type(None)),
}
OPTIONAL: dict[str, tuple[type, ...]] = {"note": (str,)}


class BadRowError(Exception):
    """A benchmark returned a row that the table cannot show; the message says which field."""


def discover() -> list[str]:
    """Names of the benchmark modules beside this file, sorted.

    >>> all(name.startswith("bench_") for name in discover())
    True
    """
    return sorted(path.stem for path in HERE.glob("bench_*.py"))


def select(available: Sequence[str], only: Sequence[str]) -> list[str]:
    """The modules that ``--only`` names (as ``bench_tuple`` or ``tuple``); all when empty.

    >>> select(["bench_a", "bench_b"], ["b"])
    ['bench_b']
    """
    if not only:
        return list(available)
    unknown = [name for name in only if name not in available and f"bench_{name}" not in available]
    if unknown:
        raise SystemExit(f"no benchmark named {', '.join(unknown)}; have {', '.join(available)}")
    wanted = {name if name.startswith("bench_") else f"bench_{name}" for name in only}
    wanted |= {name for name in only if name in available}
    return [name for name in available if name in wanted]


def check_row(module: str, raw: object) -> dict[str, object]:
    """Validate one row from ``module``; return it as a plain dict.

    >>> check_row("m", {"workload": "w", "unit": "ops/s", "ours": 1, "anchor_name": "a",
    ...                 "anchor": None})["anchor"] is None
    True
    """
    if not isinstance(raw, Mapping):
        raise BadRowError(f"{module}: a row is a {type(raw).__name__}, not a dict")
    row = {str(key): value for key, value in raw.items()}
    for key, types in {**REQUIRED, **OPTIONAL}.items():
        if key not in row:
            if key in REQUIRED:
                raise BadRowError(f"{module}: row {row.get('workload')!r} has no {key!r}")
            continue
        value = row[key]
        if isinstance(value, bool) or not isinstance(value, types):
            raise BadRowError(
                f"{module}: row {row.get('workload')!r}: {key}={value!r} has a bad type"
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise BadRowError(
                f"{module}: row {row.get('workload')!r}: {key}={value!r} is not finite"
            )
    extra = sorted(set(row) - set(REQUIRED) - set(OPTIONAL))
    if extra:
        raise BadRowError(f"{module}: row {row.get('workload')!r} has unknown keys {extra}")
    return row


_PREFIXES = ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, ""), (1e-3, "m"), (1e-6, "µ"), (1e-9, "n"))


def human(value: float, unit: str) -> str:
    """A number with three significant digits and an SI prefix, then its unit.

    >>> human(1234567, "ops/s")
    '1.23M ops/s'
    >>> human(0.000125, "s")
    '125 µs'
    """
    if value == 0:
        return f"0 {unit}"
    scale, prefix = next(
        ((scale, prefix) for scale, prefix in _PREFIXES if abs(value) >= scale), _PREFIXES[-1]
    )
    scaled = value / scale
    digits = max(0, 2 - math.floor(math.log10(abs(scaled))))
    if scale < 1:  # a small quantity: the prefix belongs to the unit (125 µs)
        return f"{scaled:.{digits}f} {prefix}{unit}"
    return f"{scaled:.{digits}f}{prefix} {unit}"


def ratio(ours: float, anchor: float | None) -> str:
    """ours/anchor as ``1.51x``, or ``-`` without an anchor.

    >>> ratio(3.0, 2.0), ratio(1.0, None)
    ('1.50x', '-')
    """
    if anchor is None or anchor == 0:
        return "-"
    return f"{ours / anchor:.2f}x"


def _number(value: object) -> float | None:
    """A checked row's number as a float (None stays None)."""
    if value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    raise BadRowError(f"{value!r} is not a number")


def table(rows: Sequence[Mapping[str, object]]) -> str:
    """The aligned text table of the rows (numbers right-aligned).

    >>> print(table([{"workload": "w", "unit": "ops/s", "ours": 2000.0,
    ...               "anchor_name": "a", "anchor": 1000.0}]))
    workload | ours        | anchor (name)   | ours/anchor
    ---------+-------------+-----------------+------------
    w        | 2.00k ops/s | 1.00k ops/s (a) |       2.00x
    """
    values = [(_number(r["ours"]) or 0.0, _number(r["anchor"])) for r in rows]
    ours = [human(o, str(r["unit"])) for (o, _), r in zip(values, rows, strict=True)]
    anchor_numbers = [
        "-" if a is None else human(a, str(r["unit"]))
        for (_, a), r in zip(values, rows, strict=True)
    ]
    width_anchor_number = max((len(a) for a in anchor_numbers), default=0)
    anchors = [
        f"{number.rjust(width_anchor_number)} ({r['anchor_name']})"
        for number, r in zip(anchor_numbers, rows, strict=True)
    ]
    ratios = [ratio(o, a) for o, a in values]
    header = ["workload", "ours", "anchor (name)", "ours/anchor"]
    columns: list[list[str]] = [[str(r["workload"]) for r in rows], ours, anchors, ratios]
    right = [False, True, False, True]
    notes = [str(r.get("note", "")) for r in rows]
    if any(notes):
        header.append("note")
        columns.append(notes)
        right.append(False)
    widths = [max([len(h)] + [len(c) for c in col]) for h, col in zip(header, columns, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(w) if r else cell.ljust(w)
            for cell, w, r in zip(cells, widths, right, strict=True)
        ]
        return " | ".join(parts).rstrip()

    out = [line([h.ljust(w) for h, w in zip(header, widths, strict=True)])]
    out.append("-+-".join("-" * w for w in widths))
    out += [line([col[i] for col in columns]) for i in range(len(rows))]
    return "\n".join(out)


def run_module(name: str, quick: bool) -> list[dict[str, object]]:
    """Import one benchmark module and return its checked rows."""
    module: ModuleType = importlib.import_module(name)
    runner = getattr(module, "run", None)
    if not callable(runner):
        raise BadRowError(f"{name}: has no run(quick) function")
    raw = runner(quick)
    if not isinstance(raw, list):
        raise BadRowError(f"{name}: run() returned a {type(raw).__name__}, not a list")
    return [check_row(name, item) for item in raw]


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer, shorter rounds")
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="run only bench_NAME"
    )
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write rows as JSON")
    parser.add_argument("--list", action="store_true", help="list the benchmarks and stop")
    args = parser.parse_args(argv)

    if str(HERE) not in sys.path:
        sys.path.insert(0, str(HERE))  # bench modules import _harness as a top-level module
    available = discover()
    if args.list:
        print("\n".join(available))
        return 0
    if not available:
        print(f"no bench_*.py in {HERE}", file=sys.stderr)
        return 1
    names = select(available, args.only)

    rows: list[dict[str, object]] = []
    errors: list[str] = []
    started = time.perf_counter()
    for name in names:
        print(f"{name}: running{' (quick)' if args.quick else ''} ...", file=sys.stderr, flush=True)
        begin = time.perf_counter()
        try:
            found = run_module(name, args.quick)
        except BadRowError as bad:
            errors.append(str(bad))
            print(f"{name}: FAILED", file=sys.stderr, flush=True)
            continue
        except Exception:
            errors.append(f"{name}:\n{traceback.format_exc()}")
            print(f"{name}: FAILED", file=sys.stderr, flush=True)
            continue
        rows += [{"module": name, **row} for row in found]
        spent = time.perf_counter() - begin
        print(f"{name}: {len(found)} rows in {spent:.1f} s", file=sys.stderr, flush=True)

    print()
    print(
        f"found benchmarks, Python {platform.python_version()} on {platform.machine()}"
        f" ({'quick' if args.quick else 'full'} run, {time.perf_counter() - started:.0f} s)"
    )
    print(table(rows) if rows else "(no rows)")
    for error in errors:
        print(f"\nERROR in {error}", file=sys.stderr)
    if args.json:
        report = {
            "python": platform.python_version(),
            "machine": platform.machine(),
            "quick": args.quick,
            "rows": rows,
            "errors": errors,
        }
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
