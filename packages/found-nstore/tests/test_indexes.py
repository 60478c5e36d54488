"""The index orders: C(n, n//2) permutations, and every bound set is a prefix of its order."""

from __future__ import annotations

import itertools
from math import comb

import pytest

from found_nstore._indexes import chain_order, index_of, index_orders, order_for


@pytest.mark.parametrize("n", range(1, 11))
def test_there_are_central_binomial_many_distinct_orders(n: int) -> None:
    """n columns get C(n, n//2) index orders, each a permutation of range(n), all different."""
    orders = index_orders(n)
    assert len(orders) == comb(n, n // 2)
    assert len(set(orders)) == len(orders)
    assert all(sorted(order) == list(range(n)) for order in orders)


@pytest.mark.parametrize("n", range(1, 11))
def test_the_first_order_is_the_identity(n: int) -> None:
    """Index 0 keeps the tuple's own order (it holds the values and serves get)."""
    assert index_orders(n)[0] == tuple(range(n))


@pytest.mark.parametrize("n", range(1, 11))
def test_every_bound_set_is_a_prefix_of_its_order(n: int) -> None:
    """For each subset S of positions, the chosen order is an index order starting with S."""
    orders = set(index_orders(n))
    for size in range(n + 1):
        for bound in itertools.combinations(range(n), size):
            number, order = order_for(n, frozenset(bound))
            assert order in orders
            assert set(order[:size]) == set(bound)
            assert index_orders(n)[number] == order == chain_order(n, bound)
            assert index_of(n, bound) == number


@pytest.mark.parametrize("n", range(1, 9))
def test_no_order_can_be_dropped(n: int) -> None:
    """Each order is the only one serving some middle-size bound set: the set is minimal."""
    orders = index_orders(n)
    for order in orders:
        others = [o for o in orders if o != order]
        uncovered = [
            bound
            for bound in itertools.combinations(range(n), n // 2)
            if not any(set(o[: n // 2]) == set(bound) for o in others)
        ]
        assert uncovered, f"{order} is redundant"


def test_chains_are_symmetric_and_nested() -> None:
    """The subsets mapped to one order form a chain running from size m to n - m."""
    n = 6
    chains: dict[tuple[int, ...], list[frozenset[int]]] = {}
    for size in range(n + 1):
        for bound in itertools.combinations(range(n), size):
            chains.setdefault(chain_order(n, bound), []).append(frozenset(bound))
    for order, members in chains.items():
        sizes = sorted(len(m) for m in members)
        assert sizes == list(range(sizes[0], n - sizes[0] + 1)), order
        ordered = sorted(members, key=len)
        assert all(a < b for a, b in itertools.pairwise(ordered)), order
