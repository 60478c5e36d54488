"""Blobs inside one transaction: the seed's get_or_create and get, identity, argument errors."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import found
import found_bstore as bstore


async def test_get_returns_the_bytes_get_or_create_stored(found_db: Any, store: Any) -> None:
    """A blob stored in one transaction reads back byte for byte in another."""
    data = b"\x00hello\xff" * 30_000  # 240 KB: three chunks
    uid = await found.transactional(found_db, bstore.get_or_create, store, data)
    assert isinstance(uid, uuid.UUID)
    assert await found.transactional(found_db, bstore.get, store, uid) == data


async def test_same_bytes_get_the_same_uid_and_one_copy(
    found_db: Any, store: Any, kit: Any
) -> None:
    """Storing the same bytes twice returns one uid and keeps one copy of the chunks."""
    data = kit.payload(250_000)
    first = await found.transactional(found_db, bstore.get_or_create, store, data)
    second = await found.transactional(found_db, bstore.get_or_create, store, data)
    other = await found.transactional(found_db, bstore.get_or_create, store, data + b"!")
    assert first == second != other
    assert len(await kit.keys(found_db, store, "m")) == 2
    assert len(await kit.keys(found_db, store, "d")) == 3 + 3  # 250,000 bytes: three chunks


async def test_uid_is_the_start_of_the_sha256(found_db: Any, store: Any) -> None:
    """The uid is made of the first 16 bytes of the content's SHA-256, as uid_for says."""
    uid = await found.transactional(found_db, bstore.get_or_create, store, b"hello")
    assert uid.bytes == hashlib.sha256(b"hello").digest()[:16]
    assert uid == bstore.uid_for(b"hello")


async def test_the_empty_blob_round_trips(found_db: Any, store: Any, kit: Any) -> None:
    """The empty blob is stored with no chunk and reads back as b''."""
    uid = await found.transactional(found_db, bstore.get_or_create, store, b"")
    assert await found.transactional(found_db, bstore.get, store, uid) == b""
    assert await kit.keys(found_db, store, "d") == []
    assert (await bstore.stat(found_db, store, uid)).size == 0


async def test_bytearray_and_memoryview_are_accepted(found_db: Any, store: Any) -> None:
    """Bytes-like blobs store the same bytes as bytes, under the same uid."""
    uid = await found.transactional(found_db, bstore.get_or_create, store, bytearray(b"abc"))
    same = await found.transactional(
        found_db, bstore.get_or_create, store, memoryview(b"xabcx")[1:4]
    )
    assert uid == same == bstore.uid_for(b"abc")
    assert await found.transactional(found_db, bstore.get, store, uid) == b"abc"


async def test_get_or_create_and_get_work_inside_one_transaction(found_db: Any, store: Any) -> None:
    """A blob is readable in the very transaction that stored it."""

    async def both(tx: Any) -> bytes:
        uid = await bstore.get_or_create(tx, store, b"in one go" * 20_000)
        return await bstore.get(tx, store, uid)

    assert await found.transactional(found_db, both) == b"in one go" * 20_000


async def test_get_accepts_the_database_too(found_db: Any, store: Any) -> None:
    """get given a database runs its own transaction."""
    uid = await found.transactional(found_db, bstore.get_or_create, store, b"db")
    assert await bstore.get(found_db, store, uid) == b"db"


async def test_a_missing_uid_raises_bstore_exception(found_db: Any, store: Any) -> None:
    """get of a uid never stored raises BStoreException (BlobNotFound), naming the uid."""
    uid = bstore.uid_for(b"never stored")
    with pytest.raises(bstore.BStoreException, match=str(uid)) as caught:
        await found.transactional(found_db, bstore.get, store, uid)
    assert isinstance(caught.value, bstore.BlobNotFound)


async def test_stores_with_other_prefixes_do_not_share_blobs(
    found_db: Any, store: Any, small: Any
) -> None:
    """A blob stored in one store is missing from another store of the same database."""
    uid = await found.transactional(found_db, bstore.get_or_create, store, b"mine")
    with pytest.raises(bstore.BlobNotFound):
        await found.transactional(found_db, bstore.get, small, uid)


async def test_a_blob_too_big_for_one_transaction_is_refused_with_a_pointer_to_put(
    found_db: Any, store: Any
) -> None:
    """get_or_create refuses more than MAX_TRANSACTION_BLOB bytes and names put."""
    data = bytes(bstore.MAX_TRANSACTION_BLOB + 1)
    with pytest.raises(bstore.BStoreValueError, match=r"bstore\.put"):
        await found.transactional(found_db, bstore.get_or_create, store, data)


async def test_a_blob_at_the_bound_fits_in_one_transaction(found_db: Any, store: Any) -> None:
    """A blob of exactly MAX_TRANSACTION_BLOB bytes commits in one transaction."""
    data = bytes(bstore.MAX_TRANSACTION_BLOB)
    uid = await found.transactional(found_db, bstore.get_or_create, store, data)
    assert (await bstore.stat(found_db, store, uid)).size == len(data)


@pytest.mark.parametrize("blob", ["text", 42, None, [b"a"]])
async def test_a_blob_that_is_not_bytes_raises_a_type_error(
    found_db: Any, store: Any, blob: Any
) -> None:
    """get_or_create of a str, int, None or list raises BStoreTypeError naming the type."""
    with pytest.raises(bstore.BStoreTypeError, match=type(blob).__name__):
        await found.transactional(found_db, bstore.get_or_create, store, blob)


async def test_wrong_store_and_uid_types_raise_type_errors(found_db: Any, store: Any) -> None:
    """A store that is not a handle, or a uid that is not a UUID, raises BStoreTypeError."""
    with pytest.raises(bstore.BStoreTypeError, match=r"bstore\.make"):
        await found.transactional(found_db, bstore.get_or_create, ("not", "a store"), b"x")
    with pytest.raises(bstore.BStoreTypeError, match=r"uuid\.UUID"):
        await found.transactional(found_db, bstore.get, store, "2cf24dba")
    with pytest.raises(TypeError):  # BStoreTypeError is a TypeError too
        await bstore.stat(found_db, store, 7)  # type: ignore[arg-type]


async def test_a_non_database_raises_a_type_error(store: Any) -> None:
    """Passing something that is neither a database nor a transaction raises at once."""
    with pytest.raises(bstore.BStoreTypeError, match="database"):
        await bstore.stat("sqlite://x", store, bstore.uid_for(b""))


@pytest.mark.parametrize(
    ("prefix", "chunk_size", "error"),
    [
        ("app", bstore.DEFAULT_CHUNK_SIZE, bstore.BStoreTypeError),
        ((object(),), bstore.DEFAULT_CHUNK_SIZE, bstore.BStoreTypeError),
        (("app",), 0, bstore.BStoreValueError),
        (("app",), 100_001, bstore.BStoreValueError),
        (("app",), 1.5, bstore.BStoreTypeError),
    ],
)
def test_make_rejects_bad_prefixes_and_chunk_sizes(
    prefix: Any, chunk_size: Any, error: type[Exception]
) -> None:
    """make checks the prefix is a packable tuple and the chunk size fits a value."""
    with pytest.raises(error):
        bstore.make("bad", prefix, chunk_size=chunk_size)


def test_make_names_the_store_in_its_repr() -> None:
    """The handle's repr shows its name, prefix and chunk size."""
    assert repr(bstore.make("pics", ["a", 1])) == "<bstore 'pics' prefix=('a', 1) chunk_size=98304>"


@settings(max_examples=60, deadline=None)
@given(
    blobs=st.lists(st.binary(max_size=3000), min_size=1, max_size=6),
    chunk_size=st.integers(1, 1200),
)
def test_any_bytes_round_trip_at_any_chunk_size(blobs: list[bytes], chunk_size: int) -> None:
    """Whatever the bytes and chunk size, get returns what get_or_create stored, and equal
    blobs share a uid while different ones do not."""

    async def check() -> None:
        async with await found.open("memory://") as db:
            store = bstore.make("prop", ("prop",), chunk_size=chunk_size)
            uids = [await found.transactional(db, bstore.get_or_create, store, b) for b in blobs]
            for blob, uid in zip(blobs, uids, strict=True):
                assert await found.transactional(db, bstore.get, store, uid) == blob
            assert len(set(uids)) == len(set(blobs))

    asyncio.run(check())
