"""Finding entities by attribute value: query, match, between, count.

Every finder reads the index (``P + pack((1, attribute, value, uid))``, see ``_layout``), never
the entities' rows, and yields uids.

* :func:`query` (one attribute equals one value): one range scan, uids in uid order.
* :func:`between` (``lo <= value < hi``): one range scan, uids in value order, then uid order.
* :func:`count`: one point read of a counter kept by atomic adds.
* :func:`match` (several attributes, all must hold) intersects index scans:

  1. it reads the count of every condition, concurrently (one round trip, snapshot reads, so
     they add no conflicts: they only guide the plan). A zero count ends the query at once,
     after adding the read conflict that scanning the empty index range would have added;
  2. the condition with the smallest count *drives*: its index range is scanned in chunks of
     up to 128 uids, in uid order;
  3. each other condition, from the smallest count up, filters the chunk. A condition with at
     most ``8 x`` the driver's count is *merged*: its own index range is scanned alongside, from
     the first candidate on, as in a merge join (a row costs far less than a point read). A
     larger one is *probed*: one point read of ``P + pack((1, attribute, value, uid))`` per
     candidate left, all of a chunk issued concurrently (one round trip).

  So the rows read stay close to the smallest count however large the other sets are, and the
  round trips are one for the counts plus about one per chunk and condition. No entity row is
  read, and nothing is filtered in Python beyond comparing uids.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import found
from found_eavstore._errors import EAVStoreTypeError, EAVStoreUsageError
from found_eavstore._layout import (
    KEY_LIMIT,
    EAVStore,
    check_store,
    indexed_attribute,
    pack_item,
    packed_or_none,
)

__all__ = ["between", "count", "match", "query"]

#: Uids of the driving condition handled together by :func:`match`.
CHUNK = 128
#: :func:`match` merges a condition whose count is at most this many times the driver's count,
#: and probes it uid by uid when it is larger.
MERGE_RATIO = 8
# Uids :func:`query` reads at once before streaming the rest: the first batch FoundationDB's
# default streaming mode would fetch, so a short answer is still one read.
_FIRST_BATCH = 100


class _Unbounded:
    """The default ``hi`` of :func:`between`: no upper bound."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<no upper bound>"


_UNBOUNDED: Any = _Unbounded()


def _check_limit(limit: object) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise EAVStoreTypeError(f"limit must be an int, got {type(limit).__name__}: {limit!r:.60}")
    if limit < 0:
        raise EAVStoreUsageError(f"limit must be 0 (no limit) or more, got {limit}")
    return limit


def _value_prefix(store: EAVStore, attribute: object, value: object) -> bytes:
    """``pack((attribute, value))``: the part of an index key before the uid."""
    packed_attribute = indexed_attribute(store, attribute)
    packed = packed_or_none(value)
    if packed is None:  # only now build the message that names the attribute: it raises
        packed = pack_item(value, f"value of {attribute!r:.60}")
    return packed_attribute + packed


async def count(tx: found.Transaction, store: EAVStore, attribute: Any, value: Any) -> int:
    """How many entities have ``attribute`` equal to ``value``: one point read.

    Example::

        >>> async def nouns(tx, store):
        ...     return await eavstore.count(tx, store, "pos", "n")
    """
    store = check_store(store)
    key = store.counts + _value_prefix(store, attribute, value)
    if len(key) >= KEY_LIMIT:  # longer than any index key: no entity can have this value
        return 0
    stored = await found.get(tx, key)
    return 0 if stored is None else int.from_bytes(stored, "little", signed=True)


async def query(
    tx: found.Transaction, store: EAVStore, attribute: Any, value: Any, *, limit: int = 0
) -> AsyncIterator[Any]:
    """Yield the uid of every entity whose ``attribute`` equals ``value`` exactly, in uid order.

    Equal means equal packed bytes: ``1``, ``1.0`` and ``True`` are three different values, and
    ``"a"`` never matches ``"ab"``. ``limit`` stops after that many uids (0: all). One range
    scan.

    Example::

        >>> async def dogs(tx, store):
        ...     return [uid async for uid in eavstore.query(tx, store, "word", "dog")]
    """
    if type(store) is not EAVStore:
        store = check_store(store)
    if type(limit) is not int or limit < 0:
        limit = _check_limit(limit)  # raises, naming what is wrong
    prefix = store.index + _value_prefix(store, attribute, value)
    if len(prefix) >= KEY_LIMIT:
        return
    start = len(prefix)
    unpack = found.unpack
    end = prefix + b"\xff"
    # The first batch is collected as a list (most answers end there); the rest is streamed.
    first = limit if 0 < limit <= _FIRST_BATCH else _FIRST_BATCH
    rows = await found.all(tx, prefix, end, limit=first)
    for key, _ in rows:
        yield unpack(key, start)[0]
    if len(rows) < first or len(rows) == limit:
        return
    rest = limit - len(rows) if limit else 0
    async for key, _ in found.query(tx, rows[-1][0] + b"\x00", end, limit=rest):
        yield unpack(key, start)[0]


def _bound(key: bytes) -> bytes | found.KeySelector:
    """A range bound equivalent to ``key`` for every key FoundationDB can store.

    A stored key has at most ``KEY_LIMIT`` bytes, so it sorts before a longer ``key`` exactly
    when it sorts at or before ``key[:KEY_LIMIT]``: the first key after that is the bound.
    """
    if len(key) <= KEY_LIMIT:
        return key
    return found.gt(key[:KEY_LIMIT])


async def between(
    tx: found.Transaction,
    store: EAVStore,
    attribute: Any,
    lo: Any,
    hi: Any = _UNBOUNDED,
    *,
    limit: int = 0,
    reverse: bool = False,
) -> AsyncIterator[Any]:
    """Yield the uid of every entity with ``lo <= attribute's value < hi``, in value order.

    Values compare as the tuple layer sorts them (see the README): numbers by value, strings
    and bytes lexicographically, and across types by type (``None`` < bytes < str < tuple <
    int < float < bool < UUID). Leave ``hi`` out for no upper bound; ``lo=None`` has no lower
    one, since ``None`` sorts first. Entities with the same value come in uid order.
    ``reverse=True`` walks from the largest value down; with ``limit`` that gives the top ones.
    One range scan.

    Example::

        >>> async def born_1800s(tx, store):
        ...     return [uid async for uid in eavstore.between(tx, store, "born", 1800, 1900)]
    """
    store = check_store(store)
    limit = _check_limit(limit)
    if not isinstance(reverse, bool):
        raise EAVStoreTypeError(f"reverse must be a bool, got {type(reverse).__name__}")
    base = store.index + indexed_attribute(store, attribute)
    begin = base + pack_item(lo, "lo")
    end = base + b"\xff" if hi is _UNBOUNDED else base + pack_item(hi, "hi")
    if begin >= end:
        return
    start = len(base)
    unpack = found.unpack
    async for key, _ in found.query(tx, _bound(begin), _bound(end), limit=limit, reverse=reverse):
        yield unpack(key, start)[1]


class _Merge:
    """One condition of :func:`match` read alongside the driver, as in a merge join."""

    __slots__ = ("_current", "_prefix", "_rows", "_start", "_tx")

    def __init__(self, tx: found.Transaction, prefix: bytes) -> None:
        self._tx = tx
        self._prefix = prefix
        self._start = len(prefix)
        self._rows: AsyncIterator[tuple[bytes, bytes]] | None = None
        self._current: bytes | None = b""

    async def _advance(self, rows: AsyncIterator[tuple[bytes, bytes]]) -> None:
        try:
            key, _ = await anext(rows)
        except StopAsyncIteration:
            self._current = None
            return
        self._current = key[self._start :]

    async def retain(self, candidates: list[bytes]) -> list[bytes]:
        """The candidates (packed uids, ascending) that this condition also holds."""
        rows = self._rows
        if rows is None:  # start at the first candidate, not at the range's beginning
            prefix = self._prefix
            rows = self._rows = found.query(self._tx, prefix + candidates[0], prefix + b"\xff")
            await self._advance(rows)
        kept: list[bytes] = []
        for candidate in candidates:
            while self._current is not None and self._current < candidate:
                await self._advance(rows)
            if self._current is None:
                break
            if self._current == candidate:
                kept.append(candidate)
        return kept

    async def close(self) -> None:
        """Stop the scan."""
        rows = self._rows
        if rows is not None and hasattr(rows, "aclose"):
            await rows.aclose()


async def _probe(tx: found.Transaction, prefix: bytes, candidates: list[bytes]) -> list[bytes]:
    """The candidates whose index row under ``prefix`` exists: concurrent point reads."""
    if len(candidates) == 1:  # no task to schedule for a single read
        return candidates if await found.get(tx, prefix + candidates[0]) is not None else []
    found_rows = await asyncio.gather(*(found.get(tx, prefix + c) for c in candidates))
    return [c for c, row in zip(candidates, found_rows, strict=True) if row is not None]


async def match(
    tx: found.Transaction, store: EAVStore, conditions: Mapping[Any, Any], *, limit: int = 0
) -> AsyncIterator[Any]:
    """Yield the uid of every entity whose attributes hold all of ``conditions``, in uid order.

    ``conditions`` maps attributes to values, each compared exactly as :func:`query` does. The
    index scans are intersected, driven by the condition with the fewest entities (read from
    the counts first), so the cost follows the most selective condition (see this module's
    docstring). ``limit`` stops after that many uids (0: all).

    Example::

        >>> async def english_dogs(tx, store):
        ...     wanted = {"word": "dog", "pos": "n"}
        ...     return [uid async for uid in eavstore.match(tx, store, wanted)]
    """
    store = check_store(store)
    limit = _check_limit(limit)
    if not isinstance(conditions, Mapping):
        raise EAVStoreTypeError(
            f"conditions must be a Mapping of attributes to values, got "
            f"{type(conditions).__name__}: {conditions!r:.60}"
        )
    if not conditions:
        raise EAVStoreUsageError("match() needs at least one condition")
    pairs = [_value_prefix(store, a, v) for a, v in conditions.items()]
    if any(len(store.index) + len(p) >= KEY_LIMIT for p in pairs):
        return  # a value too long for any index key: no entity has it
    if len(pairs) == 1:
        async for uid in query(tx, store, *next(iter(conditions.items())), limit=limit):
            yield uid
        return

    view = tx if tx.is_snapshot else tx.snapshot
    stored = await asyncio.gather(*(found.get(view, store.counts + p) for p in pairs))
    sizes = [0 if s is None else int.from_bytes(s, "little", signed=True) for s in stored]
    plan = sorted(zip(sizes, (store.index + p for p in pairs), strict=True))
    smallest, driver = plan[0]
    if smallest <= 0:
        # Nothing can match. Conflict as if the empty index range had been scanned, so that a
        # concurrent write adding a match makes this transaction retry.
        if not tx.is_snapshot:
            found.add_read_conflict_range(tx, driver, driver + b"\xff")
        return
    merges: dict[bytes, _Merge] = {}
    filters: list[tuple[bytes, _Merge | None]] = []
    for size, prefix in plan[1:]:
        if size <= MERGE_RATIO * smallest:
            merges[prefix] = _Merge(tx, prefix)
            filters.append((prefix, merges[prefix]))
        else:
            filters.append((prefix, None))

    start = len(driver)
    remaining = limit
    chunk: list[bytes] = []
    rows = found.query(tx, driver, driver + b"\xff")
    try:
        while True:
            exhausted = True
            async for key, _ in rows:
                chunk.append(key[start:])
                if len(chunk) == CHUNK:
                    exhausted = False
                    break
            candidates = chunk
            for prefix, merge in filters:
                if not candidates:
                    break
                if merge is None:
                    candidates = await _probe(tx, prefix, candidates)
                else:
                    candidates = await merge.retain(candidates)
            for packed in candidates:
                yield found.unpack(packed)[0]
                if remaining:
                    remaining -= 1
                    if remaining == 0:
                        return
            if exhausted:
                return
            chunk = []
    finally:
        if hasattr(rows, "aclose"):
            await rows.aclose()
        for merge in merges.values():
            await merge.close()
