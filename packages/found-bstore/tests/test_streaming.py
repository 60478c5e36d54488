"""put and read: blobs beyond one transaction, byte ranges, read-ahead, memory, integrity."""

from __future__ import annotations

import asyncio
import hashlib
import io
import itertools
import tracemalloc
import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import found
import found_bstore as bstore
from found_bstore import _stream

BIG = 10_500_000  # three staging transactions of 4 MB


async def test_put_of_bytes_beyond_one_transaction_reads_back(
    found_db: Any, store: Any, kit: Any
) -> None:
    """A 10.5 MB blob (more than a transaction holds) is put and read back whole."""
    data = kit.payload(BIG)
    uid = await bstore.put(found_db, store, data)
    assert uid == bstore.uid_for(data)
    assert await kit.collect(bstore.read(found_db, store, uid)) == data
    assert await kit.keys(found_db, store, "u") == []  # nothing left in staging


async def test_put_from_an_async_iterable_of_uneven_pieces(
    found_db: Any, store: Any, kit: Any
) -> None:
    """Pieces of odd sizes are re-cut into chunks; the uid is the one of the bytes."""
    data = kit.payload(BIG, seed=1)
    uid = await bstore.put(found_db, store, kit.pieces(data, 77_777))
    assert uid == bstore.uid_for(data)
    assert await kit.collect(bstore.read(found_db, store, uid)) == data
    lengths = {len(v) for v in await _chunks(found_db, store, uid)}
    assert lengths == {store.chunk_size, len(data) % store.chunk_size}


async def _record(db: Any, store: Any, uid: Any) -> tuple[Any, ...]:
    value: bytes | None = await found.transactional(
        db, found.get, found.pack((*store.prefix, "m", uid))
    )
    assert value is not None
    data_id = uuid.UUID(bytes=value[1 + 8 + 4 + 32 : 1 + 8 + 4 + 32 + 16])  # see the layout
    return (None, None, None, None, data_id)


async def _chunks(db: Any, store: Any, uid: Any) -> list[bytes]:
    record = await _record(db, store, uid)
    head = found.pack((*store.prefix, "d", record[4]))
    rows = await found.transactional(db, found.all, head, head + b"\xff")
    return [value for _, value in rows]


async def test_put_from_a_binary_file(found_db: Any, store: Any, kit: Any) -> None:
    """A file opened in binary mode is read to its end."""
    data = kit.payload(5_000_000, seed=2)
    uid = await bstore.put(found_db, store, io.BytesIO(data))
    assert await kit.collect(bstore.read(found_db, store, uid)) == data


async def test_put_from_an_asynchronous_file(found_db: Any, store: Any, kit: Any) -> None:
    """A file whose read() is a coroutine (as in aiofiles) works too."""

    class AsyncFile:
        def __init__(self, data: bytes) -> None:
            self._file = io.BytesIO(data)

        async def read(self, size: int) -> bytes:
            return self._file.read(size)

    data = kit.payload(4_500_000, seed=3)
    uid = await bstore.put(found_db, store, AsyncFile(data))
    assert await bstore.get(found_db, store, uid) == data


async def test_put_gives_the_uid_get_or_create_gives_and_deduplicates(
    found_db: Any, store: Any, kit: Any
) -> None:
    """The same bytes through get_or_create and put (small and streamed) share one copy."""
    small = kit.payload(300_000, seed=4)
    uid = await found.transactional(found_db, bstore.get_or_create, store, small)
    assert await bstore.put(found_db, store, small) == uid
    assert await bstore.put(found_db, store, kit.pieces(small, 1000)) == uid
    big = kit.payload(BIG, seed=5)
    big_uid = await bstore.put(found_db, store, kit.pieces(big, 1 << 20))
    assert await bstore.put(found_db, store, big) == big_uid  # found while staging
    assert await bstore.put(found_db, store, io.BytesIO(big)) == big_uid  # staged, then dropped
    assert (await bstore.stat(found_db, store, uid)).references == 3
    assert (await bstore.stat(found_db, store, big_uid)).references == 3
    data_ids = {key[0] for key in await kit.keys(found_db, store, "d")}
    assert len(data_ids) == 2  # one copy each
    assert len(await kit.keys(found_db, store, "d")) == 4 + -(-BIG // store.chunk_size)
    assert await kit.keys(found_db, store, "u") == []


async def test_put_of_stored_bytes_stops_once_their_hash_is_known(
    found_db: Any, found_faults: Any, store: Any, kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Putting 20 MB of bytes that are stored already stops at the first staging transaction
    that knows their hash (here the first: the hash is made instant), and leaves nothing
    staged."""
    data = kit.payload(20_000_000, seed=14)
    uid = await bstore.put(found_db, store, data)

    async def instant(data: bytes) -> bytes:
        return hashlib.sha256(data).digest()

    monkeypatch.setattr(_stream, "sha256_of", instant)
    found_faults.reset_counters()
    assert await bstore.put(found_db, store, data) == uid
    assert found_faults.commits == 1
    assert (await bstore.stat(found_db, store, uid)).references == 2
    assert len({key[0] for key in await kit.keys(found_db, store, "d")}) == 1
    assert await kit.keys(found_db, store, "u") == []


async def test_put_of_an_empty_source_stores_the_empty_blob(
    found_db: Any, store: Any, kit: Any
) -> None:
    """An async iterable yielding nothing (or only empty pieces) stores b''."""

    async def nothing() -> Any:
        for piece in (b"", b""):
            yield piece

    uid = await bstore.put(found_db, store, nothing())
    assert uid == bstore.uid_for(b"")
    assert await kit.collect(bstore.read(found_db, store, uid)) == b""


async def test_put_takes_the_database_not_a_transaction(found_db: Any, store: Any) -> None:
    """put in a transaction raises BStoreTypeError pointing to get_or_create."""

    async def inside(tx: Any) -> None:
        await bstore.put(tx, store, b"x")

    with pytest.raises(bstore.BStoreTypeError, match="get_or_create"):
        await found.transactional(found_db, inside)


@pytest.mark.parametrize("source", ["text", 12, [b"a", b"b"], None])
async def test_put_rejects_sources_it_cannot_read(found_db: Any, store: Any, source: Any) -> None:
    """A str, an int, a plain list or None is not a source: BStoreTypeError names it."""
    with pytest.raises(bstore.BStoreTypeError, match="source must be"):
        await bstore.put(found_db, store, source)


async def test_put_rejects_a_text_file_and_stores_nothing(
    found_db: Any, store: Any, kit: Any
) -> None:
    """A file opened in text mode raises BStoreTypeError asking for binary mode."""
    with pytest.raises(bstore.BStoreTypeError, match="binary mode"):
        await bstore.put(found_db, store, io.StringIO("text"))
    assert await kit.keys(found_db, store, "m") == []


async def test_put_rejects_an_iterable_yielding_text(found_db: Any, store: Any, kit: Any) -> None:
    """An async iterable that yields a str midway raises, and leaves no staging behind."""

    async def mixed() -> Any:
        yield bytes(5_000_000)
        yield "oops"

    with pytest.raises(bstore.BStoreTypeError, match="str"):
        await bstore.put(found_db, store, mixed())
    assert await kit.keys(found_db, store, "d") == []
    assert await kit.keys(found_db, store, "u") == []


async def test_read_of_byte_ranges_matches_slicing(found_db: Any, small: Any, kit: Any) -> None:
    """read(start, stop) yields data[start:stop], across and within chunk boundaries."""
    data = kit.payload(25_500, seed=6)
    uid = await bstore.put(found_db, small, data)
    for start, stop in [(0, None), (0, 1000), (999, 1001), (1000, 2000), (1234, 25_499),
                        (25_499, None), (25_500, None), (30_000, None), (5, 5), (7, 3),
                        (0, 10**9)]:  # fmt: skip
        got = await kit.collect(bstore.read(found_db, small, uid, start, stop))
        assert got == data[start:stop], (start, stop)


async def test_read_in_a_transaction(found_db: Any, small: Any, kit: Any) -> None:
    """Given a transaction, read streams inside it, seeing the transaction's own writes."""

    async def both(tx: Any) -> bytes:
        uid = await bstore.get_or_create(tx, small, b"abc" * 5000)
        data: bytes = await kit.collect(bstore.read(tx, small, uid, 2, 14_000))
        return data

    assert await found.transactional(found_db, both) == (b"abc" * 5000)[2:14_000]


@pytest.mark.parametrize(("start", "stop"), [(-1, None), (0, -5)])
async def test_negative_offsets_raise_value_errors(
    found_db: Any, store: Any, start: int, stop: int | None
) -> None:
    """A negative start or stop raises BStoreValueError when read is called."""
    with pytest.raises(bstore.BStoreValueError, match=">= 0"):
        bstore.read(found_db, store, bstore.uid_for(b""), start, stop)


async def test_offsets_that_are_not_ints_raise_type_errors(found_db: Any, store: Any) -> None:
    """A float or bool offset raises BStoreTypeError when read is called."""
    with pytest.raises(bstore.BStoreTypeError, match="start"):
        bstore.read(found_db, store, bstore.uid_for(b""), 1.0)  # type: ignore[arg-type]
    with pytest.raises(bstore.BStoreTypeError, match="stop"):
        bstore.read(found_db, store, bstore.uid_for(b""), 0, True)


async def test_read_of_a_missing_uid_raises_blob_not_found(
    found_db: Any, store: Any, kit: Any
) -> None:
    """Iterating a read of an unknown uid raises BlobNotFound."""
    with pytest.raises(bstore.BlobNotFound):
        await kit.collect(bstore.read(found_db, store, bstore.uid_for(b"nothing")))


async def test_read_fetches_many_chunks_per_round_trip(
    found_db: Any, found_faults: Any, small: Any, kit: Any
) -> None:
    """Reading 300 chunks takes a handful of round trips, not one per chunk."""
    data = kit.payload(300_000, seed=7)
    uid = await bstore.put(found_db, small, data)
    found_faults.read_latency = 0.001
    found_faults.reset_counters()
    assert await kit.collect(bstore.read(found_db, small, uid)) == data
    assert found_faults.round_trips <= 6


async def test_read_fetches_the_next_window_while_the_caller_works(
    found_db: Any, found_faults: Any, small: Any, kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """While the caller holds the first window, the second one is already being read."""
    monkeypatch.setattr(_stream, "WINDOW_BYTES", 10_000)  # windows of 10 chunks
    data = kit.payload(50_000, seed=8)
    uid = await bstore.put(found_db, small, data)
    found_faults.read_latency = 0.005
    reader = bstore.read(found_db, small, uid)
    first = await anext(reader)
    found_faults.reset_counters()
    await asyncio.sleep(0.3)  # the caller works on the first chunk
    assert found_faults.reads >= 1  # the read-ahead went on meanwhile
    rest = [chunk async for chunk in reader]
    assert first + b"".join(rest) == data


async def test_stopping_early_leaves_nothing_running(found_db: Any, small: Any, kit: Any) -> None:
    """Breaking out of a read closes it; its read-ahead task is cancelled."""
    data = kit.payload(60_000, seed=9)
    uid = await bstore.put(found_db, small, data)
    before = asyncio.all_tasks()
    reader = bstore.read(found_db, small, uid)
    async for _ in reader:
        break
    await reader.aclose()  # type: ignore[attr-defined]
    await asyncio.sleep(0.01)
    assert asyncio.all_tasks() == before


async def test_read_memory_stays_near_two_windows(
    found_db: Any, found_engine: str, small: Any, kit: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streaming a 6 MB blob from a database keeps far less than the blob in memory."""
    monkeypatch.setattr(_stream, "WINDOW_BYTES", 100_000)
    data = kit.payload(6_000_000, seed=10)
    uid = await bstore.put(found_db, small, kit.pieces(data, 1 << 20))
    del data
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        total = 0
        async for chunk in bstore.read(found_db, small, uid):
            total += len(chunk)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert total == 6_000_000
    assert peak < 1_500_000, f"{found_engine}: {peak:,} bytes at the peak"


async def _corrupt(db: Any, store: Any, uid: Any, index: int, value: bytes | None) -> None:
    record = await _record(db, store, uid)
    key = found.pack((*store.prefix, "d", record[4], index))
    if value is None:
        await found.transactional(db, found.clear, key)
    else:
        await found.transactional(db, found.set, key, value)


async def test_a_changed_chunk_fails_the_hash_check_of_a_full_read(
    found_db: Any, small: Any, kit: Any
) -> None:
    """A chunk overwritten with other bytes of the same length raises BlobCorrupted on a full
    read and on get, while a range read that avoids it still works."""
    data = kit.payload(5000, seed=11)
    uid = await bstore.put(found_db, small, data)
    await _corrupt(found_db, small, uid, 3, bytes(1000))
    with pytest.raises(bstore.BlobCorrupted, match="sha256"):
        await kit.collect(bstore.read(found_db, small, uid))
    with pytest.raises(bstore.BlobCorrupted, match="sha256"):
        await bstore.get(found_db, small, uid)
    assert await kit.collect(bstore.read(found_db, small, uid, 0, 3000)) == data[:3000]


async def test_a_big_blob_with_a_changed_chunk_fails_the_check(
    found_db: Any, store: Any, kit: Any
) -> None:
    """The hash check also holds for blobs hashed on the worker thread."""
    data = kit.payload(5_000_000, seed=12)
    uid = await bstore.put(found_db, store, data)
    await _corrupt(found_db, store, uid, 40, bytes(store.chunk_size))
    with pytest.raises(bstore.BlobCorrupted):
        await kit.collect(bstore.read(found_db, store, uid))


@pytest.mark.parametrize(("index", "value"), [(2, None), (2, b"short"), (4, b"x" * 1001)])
async def test_missing_or_resized_chunks_raise_blob_corrupted(
    found_db: Any, small: Any, kit: Any, index: int, value: bytes | None
) -> None:
    """A missing chunk, or one of the wrong length, raises BlobCorrupted even in a range read."""
    data = kit.payload(5000, seed=13)
    uid = await bstore.put(found_db, small, data)
    await _corrupt(found_db, small, uid, index, value)
    with pytest.raises(bstore.BlobCorrupted, match=f"chunk|{index}"):
        await kit.collect(bstore.read(found_db, small, uid, 1500))
    with pytest.raises(bstore.BlobCorrupted):
        await bstore.get(found_db, small, uid)


async def test_an_unreadable_record_raises_blob_corrupted(found_db: Any, small: Any) -> None:
    """A record value bstore did not write raises BlobCorrupted, not a decoding error."""
    uid = await bstore.put(found_db, small, b"abc")
    await found.transactional(
        found_db, found.set, found.pack((*small.prefix, "m", uid)), b"garbage"
    )
    with pytest.raises(bstore.BlobCorrupted):
        await bstore.stat(found_db, small, uid)


@settings(max_examples=60, deadline=None)
@given(
    size=st.integers(0, 4000),
    chunk_size=st.integers(1, 900),
    start=st.integers(0, 4500),
    stop=st.none() | st.integers(0, 4500),
)
def test_any_range_reads_as_the_slice(
    size: int, chunk_size: int, start: int, stop: int | None
) -> None:
    """For any blob, chunk size and range, read yields exactly data[start:stop]."""
    data = bytes(i * 7 % 251 for i in range(size))

    async def check() -> bytes:
        async with await found.open("memory://") as db:
            store = bstore.make("prop", ("prop",), chunk_size=chunk_size)
            uid = await bstore.put(db, store, data)
            return b"".join([c async for c in bstore.read(db, store, uid, start, stop)])

    assert asyncio.run(check()) == data[start:stop]


@settings(max_examples=40, deadline=None)
@given(cuts=st.lists(st.integers(0, 2500), max_size=12), chunk_size=st.integers(1, 700))
def test_any_cut_of_the_source_gives_the_same_uid_and_bytes(
    cuts: list[int], chunk_size: int
) -> None:
    """However the source cuts the bytes into pieces, put stores the same blob."""
    data = bytes(i * 13 % 256 for i in range(2500))
    bounds = sorted({0, len(data), *cuts})
    parts = [data[a:b] for a, b in itertools.pairwise(bounds)]

    async def source() -> Any:
        for part in parts:
            yield part

    async def check() -> tuple[Any, bytes]:
        async with await found.open("memory://") as db:
            store = bstore.make("prop", ("prop",), chunk_size=chunk_size)
            uid = await bstore.put(db, store, source())
            return uid, await bstore.get(db, store, uid)

    uid, back = asyncio.run(check())
    assert (uid, back) == (bstore.uid_for(data), data)
