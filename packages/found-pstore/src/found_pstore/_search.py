"""Searching: exact BM25 over every document holding all the keywords, in a few round trips.

A search runs in at most three waves of concurrent reads, whatever the number of candidates:

1. the counters: ``N`` and the total length (one range read), and each keyword's document
   frequency (one get each), all at once;
2. the posting lists to scan, each cut into slices of about :data:`SLICE` postings along the
   bucket space (see ``_store``), all slices of all lists at once;
3. only when a keyword is much more frequent than the rarest one: instead of scanning its
   list, one get per remaining candidate, all at once.

With the transaction's first read fetching a read version, that is at most four sequential
round trips. A keyword absent from the store ends the search after wave 1.

Costs: wave 2 reads ``sum(df)`` postings of the scanned keywords (about 50 bytes each); wave 3
reads at most ``df(rarest) * (keywords - 1)`` keys. Scoring is linear in the postings read and
takes place in ``store.pool`` when the store has one.

Example::

    >>> import asyncio, found
    >>> from found_pstore import index, make
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         store = make("docs", ("docs",))
    ...         await found.transactional(db, index, store, 1, {"cat": 1, "dog": 1})
    ...         await found.transactional(db, index, store, 2, {"cat": 3})
    ...         return await found.transactional(db, search, store, ["cat"], 10)
    >>> [doc for doc, score in asyncio.run(main())]
    [2, 1]
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from itertools import chain
from typing import Any, TypeVar

import found
from found_pstore._bm25 import by_document, idf, rank, rank_rows
from found_pstore._store import (
    BUCKET_SIZE,
    PStore,
    bucket_bounds,
    bucket_of,
    check_keywords,
    check_limit,
    check_store,
)

__all__ = ["PROBE_RATIO", "SLICE", "search"]

#: Postings read by one range read of a scan (well under a FoundationDB reply of 80 kB).
SLICE = 1000
#: A keyword whose list is more than this many times longer than the rarest keyword's is
#: probed (one get per candidate) instead of scanned: a get costs about as much as reading
#: 16 postings of a scan on the embedded engines.
PROBE_RATIO = 16


T = TypeVar("T")


def _consume(task: asyncio.Future[Any]) -> None:
    """Mark a finished task's exception as seen (it is raised elsewhere or no longer wanted)."""
    if not task.cancelled():
        task.exception()


async def _at_once(awaitables: list[Awaitable[T]]) -> list[T]:
    """Await every awaitable concurrently; results in order.

    Like ``asyncio.gather`` with one task fewer: the last awaitable runs in the calling task,
    the others in tasks of their own, so they are all in flight at once (one wave of round
    trips) and a short wave costs fewer event-loop turns. If one fails, the others are
    cancelled and the first error is raised.
    """
    if not awaitables:
        return []
    *others, last = awaitables
    tasks = [asyncio.ensure_future(awaitable) for awaitable in others]
    try:
        result = await last
        return [*[await task for task in tasks], result]
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
            task.add_done_callback(_consume)


async def _score(store: PStore, func: Callable[..., T], *args: Any) -> T:
    """``func(*args)`` in the store's executor when it has one, else right here."""
    if store.pool is None:
        return func(*args)
    return await asyncio.get_running_loop().run_in_executor(store.pool, func, *args)


def _counter(value: bytes | None) -> int:
    return 0 if value is None else int.from_bytes(value, "little", signed=True)


async def _scan(tx: found.Transaction, prefix: bytes, frequency: int) -> list[tuple[bytes, bytes]]:
    """Every posting of one term as ``(key, value)`` rows, read slice by slice, all at once."""
    parts = max(1, -(-frequency // SLICE))
    starts = [prefix + found.pack((bucket,)) for bucket in bucket_bounds(parts)]
    starts[0] = prefix + b"\x00"
    ends = [*starts[1:], prefix + b"\xff"]
    slices = await _at_once([found.all(tx, b, e) for b, e in zip(starts, ends, strict=True)])
    return slices[0] if parts == 1 else list(chain.from_iterable(slices))


async def _probe(tx: found.Transaction, prefix: bytes, docs: list[bytes]) -> dict[bytes, bytes]:
    """The postings of one term for the given packed document ids only."""
    keys = [prefix + found.pack((bucket_of(doc),)) + doc for doc in docs]
    values = await _at_once([found.get(tx, key) for key in keys])
    return {doc: value for doc, value in zip(docs, values, strict=True) if value is not None}


async def search(
    tx: found.Transaction, store: PStore, keywords: Any, limit: int
) -> list[tuple[Any, float]]:
    """The best ``limit`` documents holding every keyword, as ``(docuid, score)``, best first.

    ``keywords`` is a non-empty list (or other iterable) of ``str`` terms; a repeated keyword
    counts once. Scores are BM25 (see ``_bm25``); equal scores are ordered by document id in
    the tuple layer's order. ``limit=0`` returns an empty list.

    Example::

        >>> import asyncio, found
        >>> from found_pstore import index, make, tokenize
        >>> async def main():
        ...     async with await found.open("memory://") as db:
        ...         store = make("docs", ("docs",))
        ...         await found.transactional(db, index, store, "a", tokenize("red fish"))
        ...         await found.transactional(db, index, store, "b", tokenize("blue fish"))
        ...         return await found.transactional(db, search, store, ["fish", "blue"], 10)
        >>> [doc for doc, _ in asyncio.run(main())]
        ['b']
    """
    store = check_store(store)
    terms = check_keywords(store, keywords)
    limit = check_limit(store, limit)
    counters = store.counters()
    first: list[Any] = await _at_once(
        [
            found.all(tx, counters.start, counters.stop),
            *(found.get(tx, store.frequency_key(term)) for term in terms),
        ]
    )
    rows: list[tuple[bytes, bytes]] = first[0]
    totals = {key: _counter(value) for key, value in rows}
    documents = totals.get(store.documents_key, 0)
    frequencies = [_counter(value) for value in first[1:]]
    if limit == 0 or documents <= 0 or min(frequencies) <= 0:
        return []
    avgdl = totals.get(store.length_key, 0) / documents
    idfs = [idf(documents, frequency) for frequency in frequencies]
    prefixes = [store.term_prefix(term) for term in terms]
    rarest = min(frequencies)
    scanned = [i for i, f in enumerate(frequencies) if f <= PROBE_RATIO * rarest]
    lists = await _at_once([_scan(tx, prefixes[i], frequencies[i]) for i in scanned])
    best: list[tuple[bytes, float]]
    if len(terms) == 1:  # no intersection: score the rows as they are
        cut = len(prefixes[0]) + BUCKET_SIZE
        best = await _score(store, rank_rows, lists[0], cut, idfs[0], avgdl, limit)
    else:
        postings: list[dict[bytes, bytes]] = [{} for _ in terms]
        for i, rows in zip(scanned, lists, strict=True):
            postings[i] = by_document(rows, len(prefixes[i]) + BUCKET_SIZE)
        probed = [i for i in range(len(terms)) if i not in scanned]
        if probed:
            scanned_maps = [postings[i] for i in scanned]
            smallest = min(scanned_maps, key=len)
            docs = [doc for doc in smallest if all(doc in other for other in scanned_maps)]
            answers = await _at_once([_probe(tx, prefixes[i], docs) for i in probed])
            for i, answer in zip(probed, answers, strict=True):
                postings[i] = answer
        best = await _score(store, rank, postings, idfs, avgdl, limit)
    return [(found.unpack(doc)[0], score) for doc, score in best]
