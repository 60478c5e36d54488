"""eavstore from the installed wheels, on every engine, with injected faults and latency."""

from __future__ import annotations

import uuid
from typing import Any

import found
import found_eavstore as eavstore


async def test_eavstore_indexes_stay_exact_through_faults_and_latency(
    found_db: Any, found_prefix: bytes, found_faults: Any
) -> None:
    """Retried updates and removes (the idempotent way) leave exact queries, matches, counts."""
    store = eavstore.make("people", (*found.unpack(found_prefix), "people"))
    found_faults.conflict_rate = 0.3
    found_faults.unknown_result_rate = 0.1
    found_faults.too_old_rate = 0.05
    found_faults.read_latency = 0.0005
    uids = [uuid.UUID(int=i) for i in range(30)]
    for i, uid in enumerate(uids):
        mapping = {"team": f"t{i % 3}", "level": i % 5, "name": f"n{i}"}
        await found.transactional(found_db, eavstore.update, store, uid, mapping)
    for uid in uids[::4]:
        await found.transactional(found_db, eavstore.remove, store, uid)
    kept = [i for i in range(30) if i % 4]

    async def check(tx: found.Transaction) -> tuple[list[Any], list[Any], int, list[Any]]:
        team = [u async for u in eavstore.query(tx, store, "team", "t1")]
        both = [u async for u in eavstore.match(tx, store, {"team": "t1", "level": 2})]
        count = await eavstore.count(tx, store, "team", "t1")
        low = [u async for u in eavstore.between(tx, store, "level", 0, 2)]
        return team, both, count, low

    team, both, count, low = await found.transactional(found_db, check)
    assert team == [uids[i] for i in kept if i % 3 == 1]
    assert count == len(team)
    assert both == [uids[i] for i in kept if i % 3 == 1 and i % 5 == 2]
    assert sorted(low) == sorted(uids[i] for i in kept if i % 5 < 2)


async def test_eavstore_matches_exactly_on_every_engine(found_db: Any, found_prefix: bytes) -> None:
    """Values whose encodings extend one another never match each other (FoundationDB too)."""
    store = eavstore.make("exact", (*found.unpack(found_prefix), "exact"))
    values: list[Any] = ["a", "ab", "a\x00", b"a", b"a\x00", 1, True, 1.0, (None,), (None, None)]

    async def fill(tx: found.Transaction) -> None:
        for i, value in enumerate(values):
            eavstore.create(tx, store, {"v": value}, i)

    await found.transactional(found_db, fill)

    async def holders(tx: found.Transaction, value: Any) -> list[Any]:
        return [u async for u in eavstore.query(tx, store, "v", value)]

    for i, value in enumerate(values):
        assert await found.transactional(found_db, holders, value) == [i]
