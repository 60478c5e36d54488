"""Tuple layer speed: found._tuple against the official ``fdb.tuple`` (foundationdb 7.3).

Each workload packs or unpacks a fixed batch of realistic keys. Ours and the anchor are timed in
the same process, in alternating rounds, and each keeps its best round, so a noisy moment hurts
both alike instead of one of them. Run it alone with ``python benchmarks/bench_tuple.py``
(``--quick`` for the short version); the bench runner imports :func:`run`.
"""

from __future__ import annotations

import gc
import math
import sys
import time
import types
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from _harness import Row, row

from found import _tuple as ours

_Fn = Callable[[Any], Any]


def _seconds(fn: _Fn, items: Sequence[Any], loops: int) -> float:
    """Seconds for ``loops`` passes of ``fn`` over ``items``, minimal loop overhead, no GC."""
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(loops):
            deque(map(fn, items), maxlen=0)
        return time.perf_counter() - start
    finally:
        gc.enable()


def _race(
    ours_fn: _Fn, anchor_fn: _Fn, items: Sequence[Any], rounds: int, budget: float
) -> tuple[float, float]:
    """(ours, anchor) in ops/s: the best of ``rounds`` alternating rounds of the same work.

    ``_harness.interleaved`` does the same with a ``gc.collect()`` before every timed call; that
    costs several milliseconds here, too much for the 2-second quick run. This collects once
    per workload and pauses the collector while timing.
    """
    gc.collect()
    _seconds(ours_fn, items, 1)  # warm up both (caches, specialised bytecode)
    _seconds(anchor_fn, items, 1)
    loops = 1
    while (elapsed := _seconds(ours_fn, items, loops)) < budget / 4 and loops < 1 << 20:
        loops *= 2
    loops = max(1, round(loops * budget / max(elapsed, 1e-9)))
    best = {ours_fn: math.inf, anchor_fn: math.inf}
    order = [ours_fn, anchor_fn]
    for _ in range(rounds):
        for fn in order:
            best[fn] = min(best[fn], _seconds(fn, items, loops))
        order.reverse()
    ops = loops * len(items)
    return ops / best[ours_fn], ops / best[anchor_fn]


def _workloads(fdb_tuple: Any) -> list[tuple[str, _Fn, _Fn, list[Any]]]:
    n = 200
    mixed = [("users", i * 7919, b"\x00\x01" + i.to_bytes(4, "big")) for i in range(n)]
    nested = [
        ("idx", ("city", f"name-{i}"), (None, i, 2.5 * i), True, (b"x\x00y", (i,)))
        for i in range(n)
    ]
    ints = [(i, -i - 1, i * 1_000_003, (1 << 40) + i, 3) for i in range(n)]
    uuids = [("doc", uuid.UUID(int=(i * 0x9E3779B97F4A7C15) % (1 << 128)), i) for i in range(n)]
    strings = [(f"namespace-{i % 7}", f"key/{i:08d}", "v") for i in range(n)]
    stamped_ours = [("log", ours.Versionstamp.incomplete(i), i) for i in range(n)]
    stamped_fdb = [("log", fdb_tuple.Versionstamp.incomplete(i), i) for i in range(n)]

    rows: list[tuple[str, _Fn, _Fn, list[Any]]] = []
    for label, keys in (
        ("(str,int,bytes)", mixed),
        ("nested tuples", nested),
        ("ints", ints),
        ("(str,uuid,int)", uuids),
        ("strs", strings),
    ):
        rows.append((f"tuple pack {label}", ours.pack, fdb_tuple.pack, keys))
        packed = [fdb_tuple.pack(k) for k in keys]
        rows.append((f"tuple unpack {label}", ours.unpack, fdb_tuple.unpack, packed))

    def ours_stamped(i: int) -> bytes:
        return ours.pack_with_versionstamp(stamped_ours[i])

    def fdb_stamped(i: int) -> bytes:
        return fdb_tuple.pack_with_versionstamp(stamped_fdb[i])  # type: ignore[no-any-return]

    rows.append(("tuple pack_with_versionstamp", ours_stamped, fdb_stamped, list(range(n))))
    return rows


def run(quick: bool) -> list[Row]:
    """Time every workload; one row per workload with ops/s for ours and for ``fdb.tuple``."""
    import fdb
    import fdb.tuple as fdb_tuple  # the anchor; imported here so a missing binding fails late

    # fdb.tuple.Versionstamp.to_bytes looks at fdb.impl.Value, and fdb.impl cannot be imported
    # without the C client library. A stand-in class (that nothing is an instance of) lets the
    # anchor pack versionstamps; it is removed again at the end.
    stub = not hasattr(fdb, "impl")
    if stub:
        fdb.impl = types.SimpleNamespace(Value=type("Value", (), {}))
    try:
        return _run(fdb_tuple, quick)
    finally:
        if stub:
            del fdb.impl


def _run(fdb_tuple: Any, quick: bool) -> list[Row]:
    rounds, budget = (9, 0.003) if quick else (15, 0.025)
    results: list[Row] = []
    for workload, ours_fn, anchor_fn, items in _workloads(fdb_tuple):
        mine, theirs = _race(ours_fn, anchor_fn, items, rounds, budget)
        results.append(row(workload, "ops/s", mine, "fdb.tuple", theirs))
    return results


def _main() -> None:
    began = time.perf_counter()
    for line in run(quick="--quick" in sys.argv[1:]):
        anchor = line["anchor"] or float("nan")
        print(
            f"{line['workload']:<34} ours {line['ours']:>12,.0f} {line['unit']}  "
            f"{line['anchor_name']} {anchor:>12,.0f}  ratio {line['ours'] / anchor:.2f}"
        )
    print(f"({time.perf_counter() - began:.2f} s)")


if __name__ == "__main__":
    _main()
