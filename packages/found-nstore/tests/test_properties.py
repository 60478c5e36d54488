"""Random stores and random multi-pattern queries against a brute-force evaluator."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

import found
import found_nstore as nstore

# Items that collide under Python equality or share packed prefixes: exactness matters here.
ITEMS = ["a", "a\x00b", "b", b"a", 1, True, 1.0, None, (1,), (1, None), -0.0, 0.0]
VARIABLES = [nstore.var(name) for name in ("x", "y", "z")]

Canonical = tuple[tuple[str, bytes], ...]


def _packed(item: Any) -> bytes:
    return found.pack((item,))


def _brute(tuples: list[tuple[Any, ...]], patterns: list[tuple[Any, ...]]) -> list[Canonical]:
    """Nested loops in the order written, matching items by their packed bytes."""
    solutions: list[dict[str, bytes]] = [{}]
    for pattern in patterns:
        extended = []
        for binding in solutions:
            for t in tuples:
                candidate = dict(binding)
                for p, item in zip(pattern, t, strict=True):
                    if isinstance(p, nstore.Variable):
                        if candidate.setdefault(p.name, _packed(item)) != _packed(item):
                            break
                    elif _packed(p) != _packed(item):
                        break
                else:
                    extended.append(candidate)
        solutions = extended
    return sorted(tuple(sorted(b.items())) for b in solutions)


def _canonical(bindings: list[dict[str, Any]]) -> list[Canonical]:
    return sorted(tuple(sorted((k, _packed(v)) for k, v in b.items())) for b in bindings)


@st.composite
def cases(draw: st.DrawFn) -> tuple[int, list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
    n = draw(st.integers(1, 4))
    item = st.sampled_from(ITEMS)
    tuples = draw(st.lists(st.tuples(*[item] * n), max_size=25))
    term = st.one_of(item, st.sampled_from(VARIABLES))
    patterns = draw(st.lists(st.tuples(*[term] * n), min_size=1, max_size=3))
    return n, tuples, patterns, draw(st.integers(1, 4))


async def _evaluate(
    n: int, tuples: list[tuple[Any, ...]], patterns: list[tuple[Any, ...]], concurrency: int
) -> tuple[list[Canonical], list[Canonical]]:
    store = nstore.make("random", ("random",), n)
    async with await found.open("memory://") as db:

        def fill(tx: found.Transaction) -> None:
            for t in tuples:
                nstore.add(tx, store, *t)

        async def run(tx: found.Transaction, patterns: list[tuple[Any, ...]]) -> list[Any]:
            found_ = nstore.query(tx, store, *patterns, concurrency=concurrency)
            return [b async for b in found_]

        await found.transactional(db, fill)
        written = await found.transactional(db, run, patterns)
        backwards = await found.transactional(db, run, patterns[::-1])
    return _canonical(written), _canonical(backwards)


X, Y = VARIABLES[:2]


@settings(max_examples=80, deadline=None)
@given(cases())
@example((2, [("a\x00b", 1), ("a", True), ((1, None), 1.0)], [("a", X), ((1,), Y)], 1))
@example((3, [(1, True, 1), (1, 1, 1), (0.0, -0.0, b"a")], [(X, Y, X), (Y, X, Y)], 2))
def test_queries_agree_with_brute_force(
    case: tuple[int, list[tuple[Any, ...]], list[tuple[Any, ...]], int],
) -> None:
    """nstore.query gives the brute-force bindings, whatever order the patterns come in."""
    n, tuples, patterns, concurrency = case
    unique = list({b"".join(map(_packed, t)): t for t in tuples}.values())  # the store is a set
    written, backwards = asyncio.run(_evaluate(n, unique, patterns, concurrency))
    want = _brute(unique, patterns)
    assert written == want
    assert backwards == want
