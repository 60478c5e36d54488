"""Every bound/unbound combination for n = 1..6: one range read, exactly the brute-force result."""

from __future__ import annotations

import itertools
import random
from typing import Any

import pytest

import found
import found_nstore as nstore
from found_nstore._indexes import order_for

DOMAIN = ["a", "b", 7]


def _tuples(n: int) -> list[tuple[Any, ...]]:
    every = list(itertools.product(DOMAIN, repeat=n))
    return every if len(every) <= 60 else random.Random(n).sample(every, 60)


def _brute(tuples: list[tuple[Any, ...]], pattern: tuple[Any, ...]) -> list[dict[str, Any]]:
    out = []
    for t in tuples:
        if all(
            isinstance(p, nstore.Variable) or found.pack((p,)) == found.pack((x,))
            for p, x in zip(pattern, t, strict=True)
        ):
            out.append(
                {
                    p.name: x
                    for p, x in zip(pattern, t, strict=True)
                    if isinstance(p, nstore.Variable)
                }
            )
    return out


def _key(binding: dict[str, Any]) -> tuple[tuple[str, bytes], ...]:
    return tuple(sorted((name, found.pack((value,))) for name, value in binding.items()))


@pytest.mark.parametrize("n", range(1, 7))
async def test_each_pattern_is_one_read_with_the_exact_result(
    n: int, found_db: Any, prefix: tuple[Any, ...], quiet_faults: Any
) -> None:
    """For each subset of bound positions: one storage read, and the brute-force bindings."""
    store = nstore.make("combos", (*prefix, "combos"), n)
    tuples = _tuples(n)

    def fill(tx: found.Transaction) -> None:
        for t in tuples:
            nstore.add(tx, store, *t)

    await found.transactional(found_db, fill)
    rng = random.Random(n)
    absent = ("zzz",) * n  # a tuple no pattern built from it can match
    for size in range(n + 1):
        for bound in itertools.combinations(range(n), size):
            for source in (rng.choice(tuples), absent):
                pattern = tuple(source[i] if i in bound else nstore.var(f"v{i}") for i in range(n))

                async def run(tx: found.Transaction, pattern: tuple[Any, ...] = pattern) -> Any:
                    return [b async for b in nstore.query(tx, store, pattern)]

                quiet_faults.reset_counters()
                got = await found.transactional(found_db, run)
                assert quiet_faults.reads == 1, (bound, quiet_faults.reads)
                want = _brute(tuples, pattern)
                assert sorted(map(_key, got)) == sorted(map(_key, want)), pattern
                if source is not absent:
                    assert want, "the pattern was built from a stored tuple"


@pytest.mark.parametrize("n", range(1, 7))
async def test_the_range_read_holds_only_matches(
    n: int, found_db: Any, prefix: tuple[Any, ...]
) -> None:
    """The documented key range of a pattern holds exactly its matches: nothing is filtered."""
    store = nstore.make("ranges", (*prefix, "ranges"), n)
    tuples = _tuples(n)

    def fill(tx: found.Transaction) -> None:
        for t in tuples:
            nstore.add(tx, store, *t)

    await found.transactional(found_db, fill)
    source = tuples[len(tuples) // 2]
    for size in range(n):  # every position bound is a point read, checked above
        for bound in itertools.combinations(range(n), size):
            number, order = order_for(n, frozenset(bound))
            head = (*store.prefix, number, *(source[p] for p in order[:size]))
            pattern = tuple(source[i] if i in bound else nstore.var(f"v{i}") for i in range(n))
            keys = await found.transactional(
                found_db, found.all, found.tuple_range(head).start, found.tuple_range(head).stop
            )
            assert len(keys) == len(_brute(tuples, pattern)), bound
