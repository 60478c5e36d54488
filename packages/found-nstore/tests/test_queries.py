"""Joins: shared and repeated variables, select/where, planning, and batched round trips."""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from typing import Any

import pytest

import found
import found_nstore as nstore

x, y, z = nstore.var("x"), nstore.var("y"), nstore.var("z")


async def _fill(db: Any, store: nstore.NStore, tuples: list[tuple[Any, ...]]) -> None:
    def fill(tx: found.Transaction) -> None:
        for t in tuples:
            nstore.add(tx, store, *t)

    await found.transactional(db, fill)


async def _query(db: Any, store: nstore.NStore, *patterns: Any, **kw: Any) -> list[Any]:
    async def run(tx: found.Transaction) -> list[Any]:
        return [b async for b in nstore.query(tx, store, *patterns, **kw)]

    return await found.transactional(db, run)


FAMILY = [
    ("ann", "parent", "bob"),
    ("ann", "parent", "bea"),
    ("bob", "parent", "cid"),
    ("bea", "parent", "cat"),
    ("bea", "parent", "col"),
    ("cid", "likes", "cid"),
    ("cat", "likes", "ann"),
]


async def test_a_shared_variable_joins_two_patterns(found_db: Any, prefix: tuple[Any, ...]) -> None:
    """Grandparent pairs come from the parent's value shared by both patterns."""
    store = nstore.make("family", (*prefix, "family"), 3)
    await _fill(found_db, store, FAMILY)
    got = await _query(found_db, store, (x, "parent", y), (y, "parent", z))
    assert sorted((b["x"], b["y"], b["z"]) for b in got) == [
        ("ann", "bea", "cat"),
        ("ann", "bea", "col"),
        ("ann", "bob", "cid"),
    ]


async def test_a_variable_repeated_in_a_pattern_means_equal_items(
    found_db: Any, prefix: tuple[Any, ...]
) -> None:
    """(x, likes, x) finds only who likes themself."""
    store = nstore.make("self", (*prefix, "self"), 3)
    await _fill(found_db, store, FAMILY)
    assert await _query(found_db, store, (x, "likes", x)) == [{"x": "cid"}]
    assert await _query(found_db, store, (x, y, x)) == [{"x": "cid", "y": "likes"}]


async def test_repeated_variables_compare_packed_items_not_python_equality(
    found_db: Any, prefix: tuple[Any, ...]
) -> None:
    """1 and True, 0.0 and -0.0 are equal in Python but different items."""
    store = nstore.make("eq", (*prefix, "eq"), 2)
    await _fill(found_db, store, [(1, True), (1, 1), (0.0, -0.0), (-0.0, -0.0)])
    got = await _query(found_db, store, (x, x))
    assert sorted(found.pack((b["x"],)) for b in got) == sorted(
        [found.pack((1,)), found.pack((-0.0,))]
    )
    pairs = await _query(found_db, store, (x, y), (y, x))
    assert len(pairs) == 2


async def test_the_result_does_not_depend_on_the_order_of_patterns(
    found_db: Any, prefix: tuple[Any, ...]
) -> None:
    """Every ordering of three patterns gives the same bindings."""
    store = nstore.make("orders", (*prefix, "orders"), 3)
    await _fill(found_db, store, FAMILY)
    patterns = [(x, "parent", y), (y, "parent", z), (z, "likes", nstore.var("w"))]
    results = []
    for ordering in itertools.permutations(patterns):
        got = await _query(found_db, store, *ordering)
        results.append(sorted(tuple(sorted(b.items())) for b in got))
    assert results[0] == [
        (("w", "ann"), ("x", "ann"), ("y", "bea"), ("z", "cat")),
        (("w", "cid"), ("x", "ann"), ("y", "bob"), ("z", "cid")),
    ]
    assert all(r == results[0] for r in results)


async def test_a_pattern_with_no_variable_filters(found_db: Any, prefix: tuple[Any, ...]) -> None:
    """A fully bound pattern keeps the bindings when the tuple exists, none when it does not."""
    store = nstore.make("ask", (*prefix, "ask"), 3)
    await _fill(found_db, store, FAMILY)
    assert len(await _query(found_db, store, ("ann", "parent", "bob"), (x, "parent", y))) == 5
    assert await _query(found_db, store, ("ann", "parent", "cid"), (x, "parent", y)) == []
    assert await _query(found_db, store, ("ann", "parent", "bob")) == [{}]


async def test_select_and_where_compose_like_query(found_db: Any, prefix: tuple[Any, ...]) -> None:
    """where() extends the bindings of select(); a seed binds variables in advance."""
    store = nstore.make("blocks", (*prefix, "blocks"), 3)
    await _fill(found_db, store, FAMILY)

    async def run(tx: found.Transaction) -> Any:
        children = nstore.select(tx, store, "ann", "parent", y)
        grand = nstore.where(tx, store, children, y, "parent", z)
        seeded = nstore.select(tx, store, x, "parent", y, seed={"x": "bea", "extra": 1})
        return [b async for b in grand], [b async for b in seeded]

    grand, seeded = await found.transactional(found_db, run)
    assert sorted(b["z"] for b in grand) == ["cat", "cid", "col"]
    assert sorted(b["y"] for b in seeded) == ["cat", "col"]
    assert all(b["x"] == "bea" and b["extra"] == 1 for b in seeded)


async def test_where_accepts_bindings_of_different_shapes(
    found_db: Any, prefix: tuple[Any, ...]
) -> None:
    """Bindings from any async iterable, binding different variables, are each honoured."""
    store = nstore.make("shapes", (*prefix, "shapes"), 3)
    await _fill(found_db, store, FAMILY)

    async def seeds() -> AsyncIterator[dict[str, Any]]:
        yield {"x": "ann"}
        yield {"y": "cid"}
        yield {"x": "bea", "y": "cat"}
        yield {}

    async def run(tx: found.Transaction) -> Any:
        return [b async for b in nstore.where(tx, store, seeds(), x, "parent", y, concurrency=2)]

    got = await found.transactional(found_db, run)
    assert sorted((b["x"], b["y"]) for b in got) == sorted(
        [("ann", "bob"), ("ann", "bea"), ("bob", "cid"), ("bea", "cat")]
        + [(s, o) for s, p, o in FAMILY if p == "parent"]
    )


async def _star(db: Any, prefix: tuple[Any, ...]) -> nstore.NStore:
    """'hub' links to 100 nodes, each with one label: 100 intermediate bindings."""
    store = nstore.make("star", (*prefix, "star"), 3)
    tuples = [("hub", "link", f"n{i:03}") for i in range(100)]
    tuples += [(f"n{i:03}", "label", f"label {i}") for i in range(100)]
    await _fill(db, store, tuples)
    return store


@pytest.mark.parametrize("reverse", [False, True])
async def test_a_two_pattern_join_of_100_bindings_takes_few_round_trips(
    found_db: Any, prefix: tuple[Any, ...], quiet_faults: Any, reverse: bool
) -> None:
    """With 1 ms per read, 100 intermediate bindings cost at most 5 sequential round trips."""
    store = await _star(found_db, prefix)
    patterns = [("hub", "link", x), (x, "label", y)]
    if reverse:
        patterns.reverse()  # the planner still starts with the more bound pattern
    quiet_faults.read_latency = 0.001
    quiet_faults.reset_counters()
    got = await _query(found_db, store, *patterns)
    assert len(got) == 100
    assert quiet_faults.round_trips <= 5, quiet_faults.round_trips
    assert quiet_faults.reads == 101


async def test_without_concurrency_each_binding_costs_a_round_trip(
    found_db: Any, prefix: tuple[Any, ...], quiet_faults: Any
) -> None:
    """concurrency=1 reads one binding at a time: the count the batching saves."""
    store = await _star(found_db, prefix)
    quiet_faults.read_latency = 0.001
    quiet_faults.reset_counters()
    got = await _query(found_db, store, ("hub", "link", x), (x, "label", y), concurrency=1)
    assert len(got) == 100
    assert quiet_faults.round_trips > 100


async def test_batches_of_concurrency_reads_share_a_round_trip(
    found_db: Any, prefix: tuple[Any, ...], quiet_faults: Any
) -> None:
    """concurrency=10 turns 100 bindings into 10 round trips of 10 reads."""
    store = await _star(found_db, prefix)
    quiet_faults.read_latency = 0.001
    quiet_faults.reset_counters()
    got = await _query(found_db, store, ("hub", "link", x), (x, "label", y), concurrency=10)
    assert len(got) == 100
    assert 11 < quiet_faults.round_trips <= 14, quiet_faults.round_trips


@pytest.mark.parametrize("reverse", [False, True])
async def test_the_most_selective_of_tied_patterns_goes_first(
    found_db: Any, prefix: tuple[Any, ...], quiet_faults: Any, reverse: bool
) -> None:
    """Of two patterns with as many constants, the one with fewer tuples is read first."""
    store = nstore.make("people", (*prefix, "people"), 3)
    tuples = [(f"p{i:03}", "type", "person") for i in range(300)]
    tuples += [(f"p{i:03}", "name", f"name {i}") for i in range(300)]
    await _fill(found_db, store, tuples)
    patterns = [(x, "type", "person"), (x, "name", "name 7")]
    if reverse:
        patterns.reverse()
    quiet_faults.reset_counters()
    got = await _query(found_db, store, *patterns)
    assert got == [{"x": "p007"}]
    assert quiet_faults.reads <= 3, quiet_faults.reads  # two probes, one check of p007


async def test_a_capped_probe_goes_on_reading_the_rest(
    found_db: Any, prefix: tuple[Any, ...]
) -> None:
    """When every tied pattern has more rows than the probe reads, nothing is lost."""
    store = nstore.make("big", (*prefix, "big"), 3)
    tuples = [(f"p{i:03}", "type", "person") for i in range(150)]
    tuples += [(f"p{i:03}", "kind", "human") for i in range(0, 150, 2)]
    await _fill(found_db, store, tuples)
    got = await _query(found_db, store, (x, "type", "person"), (x, "kind", "human"), concurrency=8)
    assert sorted(b["x"] for b in got) == [f"p{i:03}" for i in range(0, 150, 2)]


def test_plan_starts_with_the_most_bound_and_follows_shared_variables() -> None:
    """The planner prefers bound positions, then patterns connected to what is bound."""
    w = nstore.var("w")
    patterns = [(w, "p", z), (x, "p", y), ("a", "p", x), (y, "q", w)]
    assert nstore.plan(patterns) == [2, 1, 3, 0]
    assert nstore.plan(patterns, first=1) == [1, 2, 3, 0]


@pytest.mark.parametrize("extra", [-1, 0, 1, 1500])
async def test_a_scan_longer_than_one_batch_yields_every_tuple_once(
    found_db: Any, prefix: tuple[Any, ...], extra: int
) -> None:
    """A pattern whose answer crosses the first batch (4,000 rows) is still exact."""
    from found_nstore._query import _FIRST_BATCH

    store = nstore.make("wide", (*prefix, "wide"), 3)
    count = _FIRST_BATCH + extra
    tuples = [("hub", "link", i) for i in range(count)] + [("other", "link", -1)]
    for start in range(0, len(tuples), 1000):
        await _fill(found_db, store, tuples[start : start + 1000])
    got = await _query(found_db, store, ("hub", "link", x))
    assert [b["x"] for b in got] == list(range(count))

    async def run(tx: found.Transaction) -> list[Any]:
        return [b async for b in nstore.select(tx, store, "hub", "link", x)]

    selected = await found.transactional(found_db, run)
    assert [b["x"] for b in selected] == list(range(count))
