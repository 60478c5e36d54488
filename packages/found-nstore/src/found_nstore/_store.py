"""The nstore handle and its writes: each tuple is written once per index order.

Key layout
----------
A store made with ``make(name, prefix, n)`` owns the keys that start with ``found.pack(prefix)``.
Below it, index ``k`` (``0 <= k < C(n, n//2)``, see :mod:`found_nstore._indexes`) holds each
tuple ``t`` with its items in that index's order ``p``::

    found.pack((*prefix, k, t[p[0]], t[p[1]], ..., t[p[n-1]]))  ->  value (index 0) or b""

Index 0 is the identity order; only it holds the tuple's value, so :func:`get` is one point
read and the other indexes cost no more than their keys. Because the tuple layer packs a tuple
as the concatenation of its items, each item is packed once and the keys are assembled from
those pieces.

Costs
-----
* :func:`add`: ``C(n, n//2)`` key writes (3 for triples, 6 for quads, 20 for n=6), no read.
* :func:`remove`: ``C(n, n//2)`` key clears, no read.
* :func:`get`: one point read (one round trip).

An item that is an incomplete :class:`found.Versionstamp` makes :func:`add` write every index
key with ``set_versionstamped_key``: the commit fills in the same stamp in all of them, so the
tuple reads back with a complete stamp from any index. FoundationDB stamps one place per key, so
a tuple may hold at most one incomplete stamp; and, as with any versionstamped key, the
transaction that writes it cannot read those keys back (error 1036, ``accessed_unreadable``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import found
from found_nstore._errors import NStoreException
from found_nstore._indexes import index_orders

__all__ = ["MAX_N", "NStore", "add", "encode_item", "get", "make", "remove"]

#: The largest ``n``: a tuple is written under C(n, n//2) orders, 12,870 keys at 16, and C(18, 9)
#: keys of even short items would not fit FoundationDB's 10 MB transaction.
MAX_N = 16


def _show(item: object) -> str:
    text = repr(item)
    return text if len(text) <= 60 else text[:57] + "..."


class NStore:
    """A handle over a generic tuple store: its name, key prefix, width and index orders.

    Build it with :func:`make`; it holds no connection and can be shared freely.

    Example::

        >>> triples = make("triples", ("app", "triples"), 3)
        >>> triples.n, triples.orders
        (3, ((0, 1, 2), (1, 2, 0), (2, 0, 1)))
    """

    __slots__ = ("heads", "n", "name", "orders", "prefix", "templates")

    name: str
    prefix: tuple[Any, ...]
    n: int
    orders: tuple[tuple[int, ...], ...]
    heads: tuple[bytes, ...]

    def __init__(self, name: str, prefix: tuple[Any, ...], n: int) -> None:
        self.name = name
        self.prefix = prefix
        self.n = n
        self.orders = index_orders(n)
        #: ``found.pack((*prefix, k))`` for each index ``k``: every key of index k starts so.
        self.heads = tuple(found.pack((*prefix, k)) for k in range(len(self.orders)))
        #: Query plans by pattern shape (see ``found_nstore._query``), shared between queries.
        self.templates: dict[Any, Any] = {}

    def __repr__(self) -> str:
        return f"<nstore {self.name!r} prefix={self.prefix!r} n={self.n}>"


def make(name: str, prefix: tuple[Any, ...] | list[Any], n: int) -> NStore:
    """A handle over the nstore called ``name``, under ``prefix``, holding tuples of ``n`` items.

    ``name`` only helps debugging; ``prefix`` is a tuple the tuple layer can pack (the store
    owns every key below ``found.pack(prefix)``); ``n`` is at least 1. Every tuple is written
    under ``C(n, n//2)`` index orders.

    Example::

        >>> quads = make("quads", ("kb",), 4)
        >>> len(quads.orders)
        6
        >>> make("bad", ("kb",), 0)
        Traceback (most recent call last):
        ...
        found_nstore._errors.NStoreException: nstore 'bad': n must be at least 1, got 0
    """
    if not isinstance(name, str):
        raise NStoreException(f"nstore name must be a str, got {type(name).__name__}: {name!r}")
    if isinstance(prefix, list):
        prefix = tuple(prefix)
    if not isinstance(prefix, tuple):
        raise NStoreException(
            f"nstore {name!r}: prefix must be a tuple of packable items, "
            f"got {type(prefix).__name__}: {_show(prefix)}"
        )
    for position, item in enumerate(prefix):
        try:
            found.pack((item,))
        except (ValueError, TypeError) as error:
            raise NStoreException(
                f"nstore {name!r}: prefix item {position} ({_show(item)}) cannot be packed "
                f"by the tuple layer: {error}"
            ) from None
    if not isinstance(n, int) or isinstance(n, bool):
        raise NStoreException(f"nstore {name!r}: n must be an int, got {type(n).__name__}")
    if n < 1:
        raise NStoreException(f"nstore {name!r}: n must be at least 1, got {n}")
    if n > MAX_N:
        raise NStoreException(
            f"nstore {name!r}: n must be at most {MAX_N}, got {n} (every tuple is written under "
            f"C(n, n//2) index orders: {math.comb(MAX_N, MAX_N // 2):,} keys at n={MAX_N})"
        )
    return NStore(name, prefix, n)


def _check_store(store: object) -> NStore:
    if not isinstance(store, NStore):
        raise NStoreException(
            f"expected an nstore handle from nstore.make(...), got {type(store).__name__}"
        )
    return store


def check_arity(store: NStore, items: Sequence[object], what: str = "tuple") -> None:
    """Raise when ``items`` does not have the store's ``n`` items."""
    if len(items) != store.n:
        raise NStoreException(
            f"nstore {store.name!r} holds {store.n} items per tuple; "
            f"the {what} has {len(items)}: {_show(tuple(items))}"
        )


def encode_item(store: NStore, position: int, item: object, what: str = "tuple") -> bytes:
    """``found.pack((item,))``, or an :class:`NStoreException` naming the item's position.

    Example::

        >>> encode_item(make("t", ("x",), 2), 1, "a")
        b'\\x02a\\x00'
    """
    if isinstance(item, found.Versionstamp) and not item.is_complete():
        raise NStoreException(
            f"nstore {store.name!r}: item {position} of the {what} is an incomplete "
            "Versionstamp; only add() may write one (the commit completes it)"
        )
    try:
        return found.pack((item,))
    except (ValueError, TypeError) as error:
        raise NStoreException(
            f"nstore {store.name!r}: item {position} of the {what} ({_show(item)}) cannot be "
            f"packed by the tuple layer: {error}"
        ) from None


def _encode(store: NStore, items: Sequence[object], what: str) -> list[bytes]:
    check_arity(store, items, what)
    return [encode_item(store, i, item, what) for i, item in enumerate(items)]


def add(tx: found.Transaction, store: NStore, *items: Any, value: bytes = b"") -> None:
    """Add the tuple ``items`` to ``store``, with ``value`` (replacing an existing value).

    A plain call: it buffers ``C(n, n//2)`` writes in ``tx``. One item may be an incomplete
    ``found.Versionstamp``, filled in by the commit (the same stamp in every index).

    Example::

        >>> def remember(tx, store):
        ...     add(tx, store, "alice", "knows", "bob", value=b"since 2020")
    """
    store = _check_store(store)
    if not isinstance(value, bytes):
        raise NStoreException(
            f"nstore {store.name!r}: value must be bytes, got {type(value).__name__}"
        )
    check_arity(store, items, "tuple")
    if found.has_incomplete_versionstamp(items):
        _add_stamped(tx, store, items, value)
        return
    pieces = _encode(store, items, "tuple")
    heads = store.heads
    tx_set = tx.set
    for k, order in enumerate(store.orders):
        tx_set(heads[k] + b"".join([pieces[p] for p in order]), value if k == 0 else b"")


def _add_stamped(tx: found.Transaction, store: NStore, items: Sequence[Any], value: bytes) -> None:
    stamped = [i for i, item in enumerate(items) if found.has_incomplete_versionstamp((item,))]
    if len(stamped) > 1:
        raise NStoreException(
            f"nstore {store.name!r}: items {stamped} hold incomplete Versionstamps; a tuple may "
            "hold only one (FoundationDB stamps one place per key)"
        )
    for i, item in enumerate(items):
        if i not in stamped:
            encode_item(store, i, item)
    for k, order in enumerate(store.orders):
        try:
            key = found.pack_with_versionstamp(
                tuple(items[p] for p in order), prefix=store.heads[k]
            )
        except ValueError as error:
            raise NStoreException(
                f"nstore {store.name!r}: item {stamped[0]} cannot be written with its "
                f"versionstamp: {error}"
            ) from None
        found.set_versionstamped_key(tx, key, value if k == 0 else b"")


def remove(tx: found.Transaction, store: NStore, *items: Any) -> None:
    """Remove the tuple ``items`` (and its value) from ``store``; absent tuples are fine.

    A plain call: it buffers ``C(n, n//2)`` clears in ``tx``.

    Example::

        >>> def forget(tx, store):
        ...     remove(tx, store, "alice", "knows", "bob")
    """
    store = _check_store(store)
    pieces = _encode(store, items, "tuple")
    heads = store.heads
    for k, order in enumerate(store.orders):
        tx.clear(heads[k] + b"".join([pieces[p] for p in order]))


async def get(tx: found.Transaction, store: NStore, *items: Any) -> bytes | None:
    """The value stored with the tuple ``items``, or ``None`` when the tuple is absent.

    One point read of index 0.

    Example::

        >>> async def since(tx, store):
        ...     return await get(tx, store, "alice", "knows", "bob")
    """
    store = _check_store(store)
    pieces = _encode(store, items, "tuple")
    return await tx.get(store.heads[0] + b"".join(pieces))
