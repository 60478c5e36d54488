"""Tuple layer speed: found._tuple against the official ``fdb.tuple`` (foundationdb 7.3).

Each workload packs or unpacks a fixed batch of realistic keys. Ours and the anchor are timed in
the same process, in alternating rounds, and each keeps its best round, so a noisy moment hurts
both alike instead of one of them. Run it alone with ``python benchmarks/bench_tuple.py``
(``--quick`` for the short version); the bench runner imports :func:`run`.
"""

from __future__ import annotations

import math
import sys
import time
import types
import uuid
from collections import deque
from collections.abc import Callable, Sequence
from typing import Any

from found import _tuple as ours

_Fn = Callable[[Any], Any]


def _batch_seconds(fn: _Fn, items: Sequence[Any], loops: int) -> float:
    """Seconds for ``loops`` passes of ``fn`` over ``items``, with minimal loop overhead."""
    start = time.perf_counter()
    for _ in range(loops):
        deque(map(fn, items), maxlen=0)
    return time.perf_counter() - start


def _race(ours_fn: _Fn, anchor_fn: _Fn, items: Sequence[Any], quick: bool) -> tuple[float, float]:
    """Return (ours, anchor) in operations per second, best of alternating rounds."""
    rounds, budget = (5, 0.006) if quick else (7, 0.05)
    _batch_seconds(ours_fn, items, 1)  # warm up both (caches, specialised bytecode)
    _batch_seconds(anchor_fn, items, 1)
    # Calibrate the loop count on ours so one round of ours takes about ``budget`` seconds.
    loops = 1
    while True:
        elapsed = _batch_seconds(ours_fn, items, loops)
        if elapsed >= budget / 4 or loops >= 1 << 20:
            break
        loops *= 2
    loops = max(1, int(loops * budget / max(elapsed, 1e-9)))
    best_ours = best_anchor = math.inf
    for _ in range(rounds):
        best_ours = min(best_ours, _batch_seconds(ours_fn, items, loops))
        best_anchor = min(best_anchor, _batch_seconds(anchor_fn, items, loops))
    ops = loops * len(items)
    return ops / best_ours, ops / best_anchor


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


def run(quick: bool) -> list[dict[str, Any]]:
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


def _run(fdb_tuple: Any, quick: bool) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = []
    for workload, ours_fn, anchor_fn, items in _workloads(fdb_tuple):
        mine, theirs = _race(ours_fn, anchor_fn, items, quick)
        results.append(
            {
                "workload": workload,
                "unit": "ops/s",
                "ours": mine,
                "anchor_name": "fdb.tuple",
                "anchor": theirs,
            }
        )
    return results


if __name__ == "__main__":
    began = time.perf_counter()
    rows = run(quick="--quick" in sys.argv[1:])
    for row in rows:
        print(
            f"{row['workload']:<34} ours {row['ours']:>12,.0f} {row['unit']}  "
            f"{row['anchor_name']} {row['anchor']:>12,.0f}  ratio {row['ours'] / row['anchor']:.2f}"
        )
    print(f"({time.perf_counter() - began:.2f} s)")
