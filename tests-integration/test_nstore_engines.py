"""nstore from the installed wheels, on every engine, with injected faults and latency."""

from __future__ import annotations

from typing import Any

import found
import found_nstore as nstore


async def test_nstore_survives_conflicts_lost_acknowledgements_and_latency(
    found_db: Any, found_prefix: bytes, found_faults: Any
) -> None:
    """Retried adds, removes and joins end in exactly the expected tuples and bindings."""
    store = nstore.make("graph", (*found.unpack(found_prefix), "graph"), 3)
    found_faults.conflict_rate = 0.3
    found_faults.unknown_result_rate = 0.1
    found_faults.too_old_rate = 0.05
    found_faults.read_latency = 0.0005

    def link(tx: found.Transaction, i: int) -> None:
        nstore.add(tx, store, "hub", "link", f"n{i}")
        nstore.add(tx, store, f"n{i}", "label", f"label {i}", value=b"%d" % i)

    for i in range(30):
        await found.transactional(found_db, link, i)
    for i in range(0, 30, 3):
        await found.transactional(found_db, nstore.remove, store, "hub", "link", f"n{i}")

    x, y = nstore.var("x"), nstore.var("y")

    async def labels(tx: found.Transaction) -> list[Any]:
        return [b async for b in nstore.query(tx, store, (x, "label", y), ("hub", "link", x))]

    got = await found.transactional(found_db, labels)
    assert sorted(b["y"] for b in got) == sorted(f"label {i}" for i in range(30) if i % 3)
    assert await found.transactional(found_db, nstore.get, store, "n4", "label", "label 4") == b"4"
