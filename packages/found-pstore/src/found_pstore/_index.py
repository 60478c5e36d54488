"""Indexing and removing documents.

``index`` reads the document's record (one range read, usually one key) to learn which terms
an earlier version held, then, in the same transaction:

* sets one posting per term, ``P + (2, term, bucket, docuid) = (tf, dl)``;
* clears the postings of terms the new version no longer holds;
* adds +1 / -1 to the document frequency of terms that appear / disappear (atomic adds, and a
  ``compare_and_clear`` that removes a frequency once it is zero);
* adds +1 to the document count for a new document, and the change of length to the total;
* writes the record ``pack((dl, term, ...))``.

Cost: one round trip (the record read), then ``t`` sets and up to ``t`` atomic adds for ``t``
terms (a re-index also clears the postings of vanished terms). Concurrent indexers of different
documents never conflict: they write disjoint postings and only add to the shared counters.
Two transactions indexing the same document conflict on its record, so one of them retries.

``remove`` reads the record and undoes it: ``t`` clears and ``t`` atomic adds.

Example::

    >>> import asyncio, found
    >>> from found_pstore import make, search
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         store = make("docs", ("docs",))
    ...         await found.transactional(db, index, store, 1, {"cat": 2, "dog": 1})
    ...         await found.transactional(db, index, store, 1, {"dog": 1})  # replaces
    ...         return await found.transactional(db, search, store, ["cat"], 10)
    >>> asyncio.run(main())
    []
"""

from __future__ import annotations

from typing import Any

import found
from found_pstore._bm25 import pack_posting
from found_pstore._errors import PStoreValueError
from found_pstore._store import (
    CHUNK,
    KEY_LIMIT,
    PStore,
    bucket_of,
    check_counter,
    check_store,
)

__all__ = ["index", "remove"]

_ONE = (1).to_bytes(8, "little")
_MINUS_ONE = ((-1) % 2**64).to_bytes(8, "little")
_ZERO = bytes(8)


def _delta(value: int) -> bytes:
    return (value % 2**64).to_bytes(8, "little")


async def _read_record(
    tx: found.Transaction, store: PStore, docbytes: bytes
) -> tuple[int, list[str]] | None:
    """The stored ``(dl, terms)`` of a document, or None when it is not indexed."""
    base = store.record_prefix(docbytes)
    rows = await found.all(tx, base + b"\x00", base + b"\xff")
    if not rows:
        return None
    record = found.unpack(b"".join(value for _, value in rows))
    return record[0], list(record[1:])


def _write_record(
    tx: found.Transaction, store: PStore, docbytes: bytes, dl: int, terms: list[str]
) -> None:
    base = store.record_prefix(docbytes)
    data = found.pack((dl, *terms))
    for number, start in enumerate(range(0, max(len(data), 1), CHUNK)):
        found.set(tx, base + found.pack((number,)), data[start : start + CHUNK])


def _decrement(tx: found.Transaction, key: bytes, amount: bytes = _MINUS_ONE) -> None:
    """Add a negative amount to a counter, and remove the counter if it reached zero."""
    found.add(tx, key, amount)
    found.compare_and_clear(tx, key, _ZERO)


async def index(tx: found.Transaction, store: PStore, docuid: Any, counter: Any) -> None:
    """Index document ``docuid`` as the ``{term: count}`` mapping ``counter``.

    ``docuid`` is any value the tuple layer packs (int, str, bytes, UUID, tuple, ...).
    ``counter`` maps ``str`` terms to positive ints (``pstore.tokenize(text)`` builds one);
    its values add up to the document's length. Indexing a document again replaces its terms
    entirely. An empty mapping indexes a document with no terms (it counts in ``N``).

    Bad input raises :class:`PStoreTypeError` or :class:`PStoreValueError` before anything is
    written.

    Example::

        >>> import asyncio, found
        >>> from found_pstore import make, tokenize
        >>> async def main():
        ...     async with await found.open("memory://") as db:
        ...         store = make("docs", ("docs",))
        ...         text = "the quick brown fox"
        ...         await found.transactional(db, index, store, "doc-1", tokenize(text))
        >>> asyncio.run(main())
    """
    store = check_store(store)
    docbytes = store.pack_docuid(docuid)
    entries = check_counter(store, counter)
    bucket = found.pack((bucket_of(docbytes),))
    tail = bucket + docbytes
    longest = max((len(packed) for _, packed, _ in entries), default=0)
    record_key = len(store.record_prefix(docbytes)) + len(found.pack((0,)))
    if max(len(store.term_prefix(b"")) + longest + len(tail), record_key) > KEY_LIMIT:
        raise PStoreValueError(
            f"store {store.name!r}: document {docuid!r:.80} (its id or a term) makes a key "
            f"longer than {KEY_LIMIT} bytes; use shorter terms or document ids"
        )
    dl = sum(count for _, _, count in entries)
    old = await _read_record(tx, store, docbytes)
    new_terms = {term for term, _, _ in entries}
    old_terms: set[str] = set()
    if old is not None:
        old_dl, old_list = old
        old_terms = set(old_list)
        for term in old_terms - new_terms:
            packed = found.pack((term,))
            found.clear(tx, store.term_prefix(packed) + tail)
            _decrement(tx, store.frequency_key(packed))
        found.clear(tx, *_record_range(store, docbytes))
        if dl != old_dl:
            _change_length(tx, store, dl - old_dl)
    else:
        found.add(tx, store.documents_key, _ONE)
        if dl:
            _change_length(tx, store, dl)
    for term, packed, count in entries:
        found.set(tx, store.term_prefix(packed) + tail, pack_posting(count, dl))
        if term not in old_terms:
            found.add(tx, store.frequency_key(packed), _ONE)
    _write_record(tx, store, docbytes, dl, [term for term, _, _ in entries])


def _record_range(store: PStore, docbytes: bytes) -> tuple[bytes, bytes]:
    base = store.record_prefix(docbytes)
    return base + b"\x00", base + b"\xff"


def _change_length(tx: found.Transaction, store: PStore, change: int) -> None:
    if change > 0:
        found.add(tx, store.length_key, _delta(change))
    else:
        _decrement(tx, store.length_key, _delta(change))


async def remove(tx: found.Transaction, store: PStore, docuid: Any) -> None:
    """Remove document ``docuid`` from the index; nothing happens if it is not indexed.

    Example::

        >>> import asyncio, found
        >>> from found_pstore import make, search
        >>> async def main():
        ...     async with await found.open("memory://") as db:
        ...         store = make("docs", ("docs",))
        ...         await found.transactional(db, index, store, 1, {"cat": 1})
        ...         await found.transactional(db, remove, store, 1)
        ...         return await found.transactional(db, search, store, ["cat"], 10)
        >>> asyncio.run(main())
        []
    """
    store = check_store(store)
    docbytes = store.pack_docuid(docuid)
    old = await _read_record(tx, store, docbytes)
    if old is None:
        return
    dl, terms = old
    tail = found.pack((bucket_of(docbytes),)) + docbytes
    for term in terms:
        packed = found.pack((term,))
        found.clear(tx, store.term_prefix(packed) + tail)
        _decrement(tx, store.frequency_key(packed))
    found.clear(tx, *_record_range(store, docbytes))
    _decrement(tx, store.documents_key)
    if dl:
        _change_length(tx, store, -dl)
