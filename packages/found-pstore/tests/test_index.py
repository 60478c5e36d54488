"""Indexing, re-indexing and removing: the store's keys always equal a fresh build's."""

from __future__ import annotations

import asyncio
from typing import Any

import found
import found_pstore as pstore


def _store(found_prefix: bytes, name: str) -> pstore.PStore:
    return pstore.make(name, (*found.unpack(found_prefix), name))


async def _dump(db: found.Database, store: pstore.PStore) -> list[tuple[bytes, bytes]]:
    """Every key of the store, with the store's own prefix cut off, and its value."""
    base = found.pack(store.prefix)

    async def read(tx: found.Transaction) -> list[tuple[bytes, bytes]]:
        return await found.all(tx, base, found.next_prefix(base))

    return [(key[len(base) :], value) for key, value in await found.transactional(db, read)]


async def _index(
    db: found.Database, store: pstore.PStore, uid: Any, counter: dict[str, int]
) -> None:
    await found.transactional(db, pstore.index, store, uid, counter)


async def _remove(db: found.Database, store: pstore.PStore, uid: Any) -> None:
    await found.transactional(db, pstore.remove, store, uid)


async def test_reindex_leaves_the_keys_of_a_fresh_index(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """After re-indexing, the store holds exactly what indexing the last version once gives."""
    history = _store(found_prefix, "history")
    await _index(found_db, history, 1, {"old": 2, "kept": 1, "gone": 5})
    await _index(found_db, history, 2, {"kept": 3, "other": 1})
    await _index(found_db, history, 1, {"kept": 2, "new": 1})
    fresh = _store(found_prefix, "fresh")
    await _index(found_db, fresh, 1, {"kept": 2, "new": 1})
    await _index(found_db, fresh, 2, {"kept": 3, "other": 1})
    assert await _dump(found_db, history) == await _dump(found_db, fresh)


async def test_reindex_forgets_old_terms_in_searches(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """A term the new version lacks no longer finds the document, and scores use the new counts."""
    store = _store(found_prefix, "docs")
    await _index(found_db, store, 1, {"old": 1, "kept": 1})
    await _index(found_db, store, 2, {"filler": 1})
    await _index(found_db, store, 1, {"kept": 3})
    search = pstore.search
    assert await found.transactional(found_db, search, store, ["old"], 10) == []
    only = _store(found_prefix, "only")
    await _index(found_db, only, 1, {"kept": 3})
    await _index(found_db, only, 2, {"filler": 1})
    assert await found.transactional(found_db, search, store, ["kept"], 10) == (
        await found.transactional(found_db, search, only, ["kept"], 10)
    )


async def test_remove_leaves_no_key(found_db: found.Database, found_prefix: bytes) -> None:
    """Removing every document, in any order, leaves the store without a single key."""
    store = _store(found_prefix, "docs")
    corpus = {1: {"a": 1, "b": 2}, "two": {"b": 1}, (3,): {"c": 4, "a": 1}, 4: {}}
    for uid, counter in corpus.items():
        await _index(found_db, store, uid, counter)
    assert await _dump(found_db, store) != []
    for uid in ["two", 4, 1, (3,)]:
        await _remove(found_db, store, uid)
    assert await _dump(found_db, store) == []


async def test_remove_then_search_matches_a_store_without_the_document(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """After remove, searches and keys are those of a store that never held the document."""
    store = _store(found_prefix, "docs")
    await _index(found_db, store, 1, {"a": 1, "b": 2})
    await _index(found_db, store, 2, {"a": 3, "c": 1})
    await _index(found_db, store, 3, {"a": 1, "c": 2})
    await _remove(found_db, store, 2)
    never = _store(found_prefix, "never")
    await _index(found_db, never, 1, {"a": 1, "b": 2})
    await _index(found_db, never, 3, {"a": 1, "c": 2})
    assert await _dump(found_db, store) == await _dump(found_db, never)
    hits = await found.transactional(found_db, pstore.search, store, ["a"], 10)
    assert [uid for uid, _ in hits] == [1, 3]  # equal scores: ordered by id


async def test_remove_of_an_unknown_document_does_nothing(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """remove() of a document never indexed writes nothing."""
    store = _store(found_prefix, "docs")
    await _index(found_db, store, 1, {"a": 1})
    before = await _dump(found_db, store)
    await _remove(found_db, store, 99)
    assert await _dump(found_db, store) == before


async def test_long_document_record_spans_several_values(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """A document with terms enough to pass one value's limit is indexed and removed whole."""
    store = _store(found_prefix, "docs")
    counter = {f"term-{i:06d}-" + "x" * 40: 1 for i in range(4000)}  # about 200 kB of terms
    await _index(found_db, store, "big", counter)
    await _index(found_db, store, "small", {"term-000007-" + "x" * 40: 2})
    hits = await found.transactional(found_db, pstore.search, store, ["term-000007-" + "x" * 40], 5)
    assert [uid for uid, _ in hits] == ["small", "big"]
    await _index(found_db, store, "big", {"short": 1})
    await _remove(found_db, store, "big")
    await _remove(found_db, store, "small")
    assert await _dump(found_db, store) == []


async def test_concurrent_indexers_do_not_conflict(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """Transactions indexing different documents with shared terms all commit at first try."""
    store = _store(found_prefix, "docs")
    attempts = 0

    async def index_one(tx: found.Transaction, uid: int) -> None:
        nonlocal attempts
        attempts += 1
        await pstore.index(tx, store, uid, {"shared": uid, "common": 1})
        await asyncio.sleep(0.01)  # keep every transaction open while the others commit

    await asyncio.gather(*(found.transactional(found_db, index_one, uid) for uid in range(1, 11)))
    assert attempts == 10
    hits = await found.transactional(found_db, pstore.search, store, ["shared", "common"], 20)
    assert sorted(uid for uid, _ in hits) == list(range(1, 11))
