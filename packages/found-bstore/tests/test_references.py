"""stat, delete with reference counting, and gc of blobs without references."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

import pytest

import found
import found_bstore as bstore
from found_bstore import _stream


async def test_stat_reports_size_hash_and_references(found_db: Any, store: Any) -> None:
    """stat gives the size, the SHA-256 and how many times the bytes were stored."""
    data = b"stat me" * 50_000
    uid = await bstore.put(found_db, store, data)
    await found.transactional(found_db, bstore.get_or_create, store, data)
    info = await bstore.stat(found_db, store, uid)
    assert (info.uid, info.size, info.references) == (uid, len(data), 2)
    assert info.digest == hashlib.sha256(data).digest()
    assert info.hexdigest == hashlib.sha256(data).hexdigest()
    assert (info.algorithm, info.chunk_size) == ("sha256", store.chunk_size)


async def test_stored_twice_deleted_once_is_still_readable(found_db: Any, store: Any) -> None:
    """A second reference keeps the blob readable after one delete."""
    uid = await bstore.put(found_db, store, b"twice")
    await bstore.put(found_db, store, b"twice")
    assert await bstore.delete(found_db, store, uid) == 1
    assert await bstore.get(found_db, store, uid) == b"twice"


async def test_the_last_delete_hides_the_blob_at_once(found_db: Any, store: Any, kit: Any) -> None:
    """Once the last reference is deleted, get, read, stat and delete raise BlobNotFound."""
    uid = await bstore.put(found_db, store, b"gone")
    assert await bstore.delete(found_db, store, uid) == 0
    with pytest.raises(bstore.BlobNotFound):
        await bstore.get(found_db, store, uid)
    with pytest.raises(bstore.BlobNotFound):
        await kit.collect(bstore.read(found_db, store, uid))
    with pytest.raises(bstore.BlobNotFound):
        await bstore.stat(found_db, store, uid)
    with pytest.raises(bstore.BlobNotFound):
        await bstore.delete(found_db, store, uid)


async def test_delete_of_a_missing_uid_raises(found_db: Any, store: Any) -> None:
    """delete of a uid never stored raises BlobNotFound, a BStoreException."""
    with pytest.raises(bstore.BStoreException):
        await bstore.delete(found_db, store, bstore.uid_for(b"never"))


async def test_delete_works_inside_a_transaction(found_db: Any, store: Any) -> None:
    """delete given a transaction counts in it, like the rest."""
    uid = await bstore.put(found_db, store, b"tx")
    assert await found.transactional(found_db, bstore.delete, store, uid) == 0


async def test_gc_removes_blobs_without_references_and_nothing_else(
    found_db: Any, store: Any, kit: Any
) -> None:
    """gc clears the record and chunks of blobs at zero references; others stay intact."""
    keep = await bstore.put(found_db, store, kit.payload(300_000, seed=1))
    drop = await bstore.put(found_db, store, kit.payload(5_000_000, seed=2))
    await bstore.delete(found_db, store, drop)
    report = await bstore.gc(found_db, store)
    assert report == bstore.GcReport(blobs=1, uploads=0, bytes=5_000_000)
    assert [key[0] for key in await kit.keys(found_db, store, "m")] == [keep]
    assert len(await kit.keys(found_db, store, "d")) == 4  # only keep's chunks
    assert await kit.keys(found_db, store, "z") == []
    assert await bstore.get(found_db, store, keep) == kit.payload(300_000, seed=1)
    assert await bstore.gc(found_db, store) == bstore.GcReport(0, 0, 0)


async def test_storing_again_before_gc_revives_without_rewriting(
    found_db: Any, store: Any, kit: Any
) -> None:
    """Bytes stored again after their last delete come back with one reference, on the same
    copy of the chunks, and gc then leaves them alone."""
    data = kit.payload(200_000, seed=3)
    uid = await bstore.put(found_db, store, data)
    before = await kit.record(found_db, store, uid)
    await bstore.delete(found_db, store, uid)
    assert await bstore.put(found_db, store, data) == uid
    after = await kit.record(found_db, store, uid)
    assert after is not None
    assert before is not None
    assert after[4] == before[4]  # the same data id: nothing rewritten
    assert (await bstore.stat(found_db, store, uid)).references == 1
    assert await bstore.gc(found_db, store) == bstore.GcReport(0, 0, 0)
    assert await bstore.get(found_db, store, uid) == data


async def test_storing_again_after_gc_writes_a_fresh_copy(found_db: Any, store: Any) -> None:
    """After gc collected a blob, storing its bytes again works from scratch."""
    uid = await bstore.put(found_db, store, b"phoenix" * 1000)
    await bstore.delete(found_db, store, uid)
    await bstore.gc(found_db, store)
    again = await found.transactional(found_db, bstore.get_or_create, store, b"phoenix" * 1000)
    assert again == uid
    assert await bstore.get(found_db, store, uid) == b"phoenix" * 1000


async def test_gc_walks_more_markers_than_one_batch(found_db: Any, small: Any, kit: Any) -> None:
    """gc collects 150 dead blobs, more than one transaction's batch of markers."""
    uids = []

    async def many(tx: Any) -> list[Any]:
        return [await bstore.get_or_create(tx, small, b"%d" % i * 50) for i in range(150)]

    uids = await found.transactional(found_db, many)
    for uid in uids:
        await bstore.delete(found_db, small, uid)
    report = await bstore.gc(found_db, small)
    assert report.blobs == 150
    assert await kit.keys(found_db, small, "m") == []
    assert await kit.keys(found_db, small, "d") == []


async def test_gc_rejects_bad_arguments(found_db: Any, store: Any) -> None:
    """gc wants the database and a non-negative number of seconds."""
    with pytest.raises(bstore.BStoreValueError, match="older_than"):
        await bstore.gc(found_db, store, older_than=-1)
    with pytest.raises(bstore.BStoreTypeError, match="older_than"):
        await bstore.gc(found_db, store, older_than="1h")  # type: ignore[arg-type]

    async def inside(tx: Any) -> None:
        await bstore.gc(tx, store)

    with pytest.raises(bstore.BStoreTypeError, match="database"):
        await found.transactional(found_db, inside)


async def test_reference_counts_stay_exact_under_conflicts_and_unknown_results(
    found_db: Any, found_faults: Any, store: Any, kit: Any
) -> None:
    """With commits failing (1020) or reported unknown after applying (1021), put and delete
    still count every reference exactly once."""
    small = kit.payload(100_000, seed=4)
    big = kit.payload(9_000_000, seed=5)
    found_faults.conflict_rate = 0.2
    found_faults.unknown_result_rate = 0.3
    uid = big_uid = None
    for _ in range(5):
        uid = await bstore.put(found_db, store, small)
    for _ in range(3):
        big_uid = await bstore.put(found_db, store, kit.pieces(big, 1 << 20))
    for _ in range(2):
        assert await bstore.put(found_db, store, big) == big_uid  # found while staging
    assert uid is not None
    assert big_uid is not None
    assert await bstore.delete(found_db, store, uid) == 4
    assert await bstore.delete(found_db, store, uid) == 3
    assert await bstore.delete(found_db, store, big_uid) == 4
    found_faults.conflict_rate = found_faults.unknown_result_rate = 0.0
    assert (await bstore.stat(found_db, store, uid)).references == 3
    assert (await bstore.stat(found_db, store, big_uid)).references == 4
    assert len({key[0] for key in await kit.keys(found_db, store, "d")}) == 2
    assert await kit.keys(found_db, store, "u") == []


async def test_concurrent_get_or_create_of_the_same_bytes_keeps_one_copy(
    found_db: Any, small: Any, kit: Any
) -> None:
    """Eight tasks storing the same bytes at once end with one copy and eight references."""
    data = kit.payload(20_000, seed=6)

    async def one() -> Any:
        return await found.transactional(found_db, bstore.get_or_create, small, data)

    uids = await asyncio.gather(*(one() for _ in range(8)))
    assert len(set(uids)) == 1
    assert (await bstore.stat(found_db, small, uids[0])).references == 8
    assert len(await kit.keys(found_db, small, "d")) == 20


async def test_a_blob_deleted_and_collected_while_read_raises_blob_not_found(
    found_db: Any, small: Any, kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read across transactions notices the blob vanished under it, not a corruption."""
    monkeypatch.setattr(_stream, "WINDOW_BYTES", 5_000)
    uid = await bstore.put(found_db, small, kit.payload(40_000, seed=7))
    reader = bstore.read(found_db, small, uid)
    await anext(reader)
    await bstore.delete(found_db, small, uid)
    await bstore.gc(found_db, small)
    with pytest.raises(bstore.BlobNotFound, match="while it was being read"):
        async for _ in reader:
            pass
