"""bstore on every engine (FoundationDB too, when a cluster is configured), from the wheels:
blobs inside one transaction and beyond it, ranges, references, gc."""

from __future__ import annotations

import asyncio
import hashlib
import random
from typing import Any

import pytest

import found
from found import bstore


@pytest.fixture
def store(found_prefix: bytes) -> Any:
    """A store under the test's prefix."""
    return bstore.make("it", (*found.unpack(found_prefix), "bstore"))


async def test_small_blobs_round_trip_in_one_transaction(found_db: Any, store: Any) -> None:
    """get_or_create and get, the seed's API, keep bytes and identity."""
    uid = await found.transactional(found_db, bstore.get_or_create, store, b"seed")
    assert await found.transactional(found_db, bstore.get_or_create, store, b"seed") == uid
    assert await found.transactional(found_db, bstore.get, store, uid) == b"seed"
    with pytest.raises(bstore.BStoreException):
        await found.transactional(found_db, bstore.get, store, bstore.uid_for(b"other"))


async def test_a_blob_beyond_one_transaction_streams_in_and_out(found_db: Any, store: Any) -> None:
    """A 12 MB blob is put over several transactions and read back, whole and by range."""
    data = random.Random(1).randbytes(12_000_000)

    async def pieces() -> Any:
        for offset in range(0, len(data), 1_000_003):
            yield data[offset : offset + 1_000_003]

    uid = await bstore.put(found_db, store, pieces())
    assert uid == bstore.uid_for(data)
    digest = hashlib.sha256()
    async for chunk in bstore.read(found_db, store, uid):
        digest.update(chunk)
    assert digest.digest() == hashlib.sha256(data).digest()
    part = b"".join([c async for c in bstore.read(found_db, store, uid, 5_000_000, 5_300_000)])
    assert part == data[5_000_000:5_300_000]


async def test_concurrent_puts_share_one_copy_and_gc_reclaims_it(found_db: Any, store: Any) -> None:
    """Three concurrent puts of the same bytes count three references; after three deletes
    gc removes the blob."""
    data = random.Random(2).randbytes(5_000_000)
    uids = await asyncio.gather(*(bstore.put(found_db, store, data) for _ in range(3)))
    assert len(set(uids)) == 1
    assert (await bstore.stat(found_db, store, uids[0])).references == 3
    for left in (2, 1, 0):
        assert await bstore.delete(found_db, store, uids[0]) == left
    report = await bstore.gc(found_db, store)
    assert (report.blobs, report.bytes) == (1, len(data))
