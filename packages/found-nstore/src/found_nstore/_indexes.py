"""The index orders of an nstore: C(n, n//2) permutations, one range scan for every pattern.

The problem
-----------
A pattern fixes some positions of an n-tuple (the *bound* set ``S``) and leaves the others
free. An index stores every tuple under one permutation ``p`` of its positions, so the tuples
matching a pattern form one contiguous key range of that index exactly when the first ``|S|``
positions of ``p`` are ``S`` (in some order). The prefixes of a permutation form a chain of
subsets ``{} < {p0} < {p0, p1} < ... < {p0, ..., pn-1}``, so choosing index orders means
covering the lattice of all ``2**n`` subsets of ``{0, ..., n-1}`` with chains.

Why C(n, n//2) are needed
-------------------------
The ``C(n, n//2)`` subsets of size ``n//2`` are pairwise incomparable (none contains another),
and a chain holds at most one of them. So any set of index orders serving every pattern has at
least ``C(n, n//2)`` members (the easy half of Dilworth's theorem; by Sperner's theorem no
antichain is larger, and the construction below shows that many suffice).

How C(n, n//2) suffice: a symmetric chain decomposition
-------------------------------------------------------
Write a subset ``S`` as a word over the positions ``0 .. n-1``: a closing parenthesis ``)`` at
each position in ``S``, an opening one ``(`` elsewhere, and match the parentheses as usual
(each ``)`` pairs with the nearest unpaired ``(`` on its left). The pairs do not depend on which
of the *unpaired* positions are in ``S``: the unpaired ones always read ``)...)(...(`` from left
to right, and turning the leftmost unpaired ``(`` into ``)`` leaves every pair intact (everything
left of it is paired or already ``)``). So the subsets with the same pairs form one chain::

    M,  M + {q1},  M + {q1, q2},  ...,  M + {q1, ..., qu}

where ``M`` is the set of paired ``)`` positions and ``q1 < ... < qu`` the unpaired positions.
These chains partition the lattice, and each runs symmetrically from size ``|M|`` to
``n - |M|``, so each crosses the middle size ``n//2`` exactly once: there are ``C(n, n//2)`` of
them. Each chain becomes an index order by listing ``M``, then ``q1 .. qu``, then the paired
``(`` positions; its prefixes of length ``|M| .. |M| + u`` are exactly the chain's subsets.

Finding the index of a pattern costs one left-to-right pass over its ``n`` positions (the
matching), cached per bound set. The chain of the empty set has no pairs, so its order is the
identity ``0, 1, ..., n-1``: it comes first and holds the values (:func:`found_nstore.get`).

Example::

    >>> index_orders(3)
    ((0, 1, 2), (1, 2, 0), (2, 0, 1))
    >>> len(index_orders(4)), len(index_orders(6))
    (6, 20)
    >>> order_for(3, frozenset({0, 2}))  # subject and object known: index 2, order (2, 0, 1)
    (2, (2, 0, 1))
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterable

__all__ = ["chain_order", "index_of", "index_orders", "order_for"]


def chain_order(n: int, bound: Iterable[int]) -> tuple[int, ...]:
    """The index order of the symmetric chain that holds the subset ``bound`` of ``range(n)``.

    The first ``len(bound)`` positions of the result are exactly ``bound``.

    Example::

        >>> chain_order(4, {1, 3})
        (1, 3, 0, 2)
        >>> chain_order(4, {1}), chain_order(4, {1, 2})  # one chain: {1} < {1, 2} < {1, 2, 3}
        ((1, 2, 3, 0), (1, 2, 3, 0))
    """
    members = set(bound)
    unpaired_open: list[int] = []  # a stack of "(" waiting for a ")"
    paired_close: list[int] = []
    paired_open: list[int] = []
    unpaired_close: list[int] = []
    for position in range(n):
        if position in members:
            if unpaired_open:
                paired_open.append(unpaired_open.pop())
                paired_close.append(position)
            else:
                unpaired_close.append(position)
        else:
            unpaired_open.append(position)
    # Unpaired ")" all sit left of unpaired "(": together they are q1 < ... < qu.
    return (*paired_close, *unpaired_close, *unpaired_open, *sorted(paired_open))


@functools.lru_cache(maxsize=64)
def index_orders(n: int) -> tuple[tuple[int, ...], ...]:
    """The ``C(n, n//2)`` index orders of an nstore of ``n`` columns, identity first.

    One order per subset of size ``n//2`` (each chain crosses that size once), listed in the
    lexicographic order of those subsets; the first subset ``{0, ..., n//2 - 1}`` lies on the
    chain of the empty set, whose order is the identity.

    Example::

        >>> index_orders(2)
        ((0, 1), (1, 0))
        >>> index_orders(1)
        ((0,),)
    """
    return tuple(chain_order(n, middle) for middle in itertools.combinations(range(n), n // 2))


@functools.lru_cache(maxsize=64)
def _numbers(n: int) -> dict[tuple[int, ...], int]:
    return {order: number for number, order in enumerate(index_orders(n))}


def index_of(n: int, bound: Iterable[int]) -> int:
    """The number of the index whose order starts with the positions ``bound``.

    Example::

        >>> index_of(3, ()), index_of(3, (1,)), index_of(3, (0, 2))
        (0, 1, 2)
    """
    return _numbers(n)[chain_order(n, bound)]


@functools.lru_cache(maxsize=4096)
def order_for(n: int, bound: frozenset[int]) -> tuple[int, tuple[int, ...]]:
    """The index number and order serving the bound positions ``bound``, cached per bound set.

    The planner asks for it on every pattern.

    Example::

        >>> order_for(2, frozenset({1}))
        (1, (1, 0))
    """
    order = chain_order(n, bound)
    return _numbers(n)[order], order
