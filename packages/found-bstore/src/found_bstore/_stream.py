"""Blobs of any size: ``put`` streams them in, ``read`` streams them out.

put
---
The source (bytes, a binary file, or an async iterable of byte strings of any sizes) is cut
into chunks of the store's chunk size and written in batches of about 4 MB, one transaction
each, under a fresh random ``data_id``: the staging area. The first batch also writes the
upload marker ``(*prefix, "u", data_id)``; every later batch reads it (so a ``gc`` that
collects the upload meanwhile makes the batch conflict, then fail with
:class:`BStoreException`) and refreshes its heartbeat. The SHA-256 is computed on the way. A last
transaction publishes: it removes the marker and writes the record pointing at the staged
chunks, or, when the same bytes are already stored, adds a reference to them and clears the
staged copy. Readers reach chunks only through records, so they see the whole blob or nothing.

A source that fits in one batch is stored in one transaction, as ``get_or_create`` does.
Larger ``bytes`` are hashed on the worker thread while the first batches commit; the first
staging transaction after the hash is known checks whether those bytes are stored already, and
if so adds a reference, clears what was staged and stops (hashing runs about ten times faster
than the writes, so a duplicate costs about a tenth of its size in wasted writes).

Costs: ``ceil(size / 4 MB)`` staging commits plus one publishing commit (two point reads);
every byte is written once.

If the source raises, ``put`` clears what it staged before raising again. If the task is
cancelled or the process dies, the staged chunks stay (invisible) until :func:`found_bstore.gc`
finds the upload idle for longer than its ``older_than``.

read
----
``read`` yields the chunks overlapping ``[start, stop)`` (the first and last cut to the range).
It reads the record, then windows of about 4 MB of consecutive chunks, each in one range read;
while the caller consumes a window the next one is already being fetched. Given a database,
each window is its own read-only transaction (so a read may last longer than 5 seconds, and
memory stays at about two windows); given a transaction, all windows are read in it. A full
read checks the SHA-256 at the end and raises :class:`BlobCorrupted` on a mismatch (so act on
the bytes only once the iteration has finished); every read checks that each chunk is present
with the right length.

Costs: two round trips for the record and the first window, then about one per 4 MB window,
overlapped with the caller's work.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import inspect
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from typing import Any

import found
from found_bstore._blob import (
    MAX_TRANSACTION_BLOB,
    as_bytes,
    check_digest,
    create,
    increment_existing,
    is_database,
    load_record,
    run,
    verify_rows,
)
from found_bstore._errors import (
    BlobNotFound,
    BStoreException,
    BStoreTypeError,
    BStoreValueError,
)
from found_bstore._hashing import THREADED_FROM, StreamHash, sha256_of
from found_bstore._layout import (
    BStore,
    Record,
    check_store,
    check_uid,
    decode_record,
    encode_record,
    show,
)

__all__ = ["BATCH_BYTES", "WINDOW_BYTES", "put", "read"]

#: Bytes of chunks written per staging transaction (well under the 10 MB limit).
BATCH_BYTES = 4_000_000
#: Bytes of chunks fetched per range read by ``read``.
WINDOW_BYTES = 4_000_000

_BYTES_LIKE = (bytes, bytearray, memoryview)


# -- sources -------------------------------------------------------------------------------------


class _Rechunker:
    """Cuts pieces of any sizes into chunks of exactly ``size`` bytes (but the last)."""

    __slots__ = ("_buffer", "size")

    def __init__(self, size: int) -> None:
        self.size = size
        self._buffer = bytearray()

    def feed(self, piece: bytes | bytearray | memoryview) -> list[bytes]:
        size = self.size
        buffer = self._buffer
        if not buffer and type(piece) is bytes and len(piece) == size:
            return [piece]  # a source that yields whole chunks: no copy
        view = memoryview(piece).cast("B")
        out: list[bytes] = []
        pos = 0
        if buffer:
            pos = min(size - len(buffer), len(view))
            buffer += view[:pos]
            if len(buffer) < size:
                return out
            out.append(bytes(buffer))
            buffer.clear()
        end = len(view)
        while end - pos >= size:
            out.append(bytes(view[pos : pos + size]))
            pos += size
        if pos < end:
            buffer += view[pos:]
        return out

    @property
    def pending(self) -> bool:
        """Whether bytes wait for the next chunk."""
        return bool(self._buffer)

    def finish(self) -> list[bytes]:
        if not self._buffer:
            return []
        last = bytes(self._buffer)
        self._buffer.clear()
        return [last]


async def _pieces(source: object) -> AsyncIterator[bytes | bytearray | memoryview]:
    """The byte strings of a binary file or an async iterable, checked."""
    reader = getattr(source, "read", None)
    if callable(reader):
        size = 1 << 20
        while True:
            piece = reader(size)
            if inspect.isawaitable(piece):  # an asynchronous file object
                piece = await piece
            if not isinstance(piece, _BYTES_LIKE):
                raise BStoreTypeError(
                    f"the source file's read() returned {type(piece).__name__}, not bytes: "
                    "open the file in binary mode ('rb')"
                )
            if not piece:
                return
            yield piece
    elif isinstance(source, AsyncIterable):
        async for piece in source:
            if not isinstance(piece, _BYTES_LIKE):
                raise BStoreTypeError(
                    f"the source yielded {type(piece).__name__}, not bytes: {show(piece)}"
                )
            yield piece
    else:  # put() checked the source's type before calling us
        raise BStoreTypeError(f"cannot read from {type(source).__name__}")  # pragma: no cover


async def _batches(source: object, chunk_size: int) -> AsyncIterator[tuple[list[bytes], bool]]:
    """Lists of chunks of about ``BATCH_BYTES`` each, with whether the list is the last one;
    only the very last chunk may be short. The source is read about one chunk ahead."""
    per_batch = max(1, BATCH_BYTES // chunk_size)
    cutter = _Rechunker(chunk_size)
    batch: list[bytes] = []
    async for piece in _pieces(source):
        batch += cutter.feed(piece)
        while len(batch) > per_batch or (len(batch) == per_batch and cutter.pending):
            yield batch[:per_batch], False
            batch = batch[per_batch:]
    batch += cutter.finish()
    yield batch, True


async def _slices(data: bytes, chunk_size: int) -> AsyncIterator[tuple[list[bytes], bool]]:
    """``data`` as batches of chunks, with whether each is the last."""
    per_batch = max(1, BATCH_BYTES // chunk_size) * chunk_size
    for offset in range(0, len(data), per_batch):
        end = min(offset + per_batch, len(data))
        chunks = [data[i : min(i + chunk_size, end)] for i in range(offset, end, chunk_size)]
        yield chunks, end == len(data)


# -- put -----------------------------------------------------------------------------------------


async def _stage(
    tx: Any,
    store: BStore,
    data_id: uuid.UUID,
    first: int,
    chunks: list[bytes],
    staged: int,
    digest: bytes | None,
    maybe_done: bool,
) -> bool:
    """Write one batch of chunks of the upload ``data_id``, starting at chunk ``first``.

    With the upload's ``digest`` already known, first look for a blob with those bytes: if
    there is one, add a reference to it, clear what was staged, and return True (done).
    """
    marker = store.upload_key(data_id)
    version = await found.read_version(tx)
    uid = None if digest is None else uuid.UUID(bytes=digest[:16])
    if first > 0 and uid is not None:  # both reads at once; increment_existing rereads cached
        value, _ = await asyncio.gather(found.get(tx, marker), found.get(tx, store.meta_key(uid)))
    else:
        value = await found.get(tx, marker) if first > 0 else None
    if (
        digest is not None
        and uid is not None
        and await increment_existing(tx, store, uid, digest, data_id, maybe_done)
    ):
        found.clear(tx, *store.data_range(data_id))
        found.clear(tx, marker)
        return True
    if first > 0 and value is None:
        raise BStoreException(
            f"bstore {store.name!r}: upload {data_id} was collected by gc while it ran "
            "(it stayed idle longer than gc's older_than); nothing was stored"
        )
    started = found.unpack(value)[0] if value is not None else version
    head = store.data_prefix(data_id)
    pack = found.pack
    for index, chunk in enumerate(chunks, first):
        found.set(tx, head + pack((index,)), chunk)
    found.set(tx, marker, pack((started, version, staged)))
    return False


async def _publish(
    tx: Any,
    store: BStore,
    data_id: uuid.UUID,
    size: int,
    digest: bytes,
    maybe_done: bool,
) -> uuid.UUID:
    """Make the staged upload ``data_id`` the blob of its uid, or a reference to a copy."""
    uid = uuid.UUID(bytes=digest[:16])
    marker = store.upload_key(data_id)
    staged, value = await asyncio.gather(found.get(tx, marker), found.get(tx, store.meta_key(uid)))
    if staged is None:
        if maybe_done and value is not None:
            return uid  # an earlier attempt published (the marker goes with publication)
        raise BStoreException(
            f"bstore {store.name!r}: upload {data_id} was collected by gc before it was "
            "published (it stayed idle longer than gc's older_than); nothing was stored"
        )
    found.clear(tx, marker)
    if value is not None and await increment_existing(tx, store, uid, digest, data_id, False):
        found.clear(tx, *store.data_range(data_id))  # the same bytes are stored already
        return uid
    record = Record(size, store.chunk_size, digest, data_id, 1, data_id)
    found.set(tx, store.meta_key(uid), encode_record(record))
    return uid


async def _discard(db: Any, store: BStore, data_id: uuid.UUID) -> None:
    """Best effort: clear what the upload ``data_id`` staged (gc does it otherwise)."""

    def clear(tx: Any) -> None:
        found.clear(tx, *store.data_range(data_id))
        found.clear(tx, store.upload_key(data_id))

    with contextlib.suppress(found.BaseFoundException, OSError):
        await found.transactional(db, clear, retry_limit=5)


async def _upload(
    db: Any,
    store: BStore,
    batches: AsyncIterator[tuple[list[bytes], bool]],
    prehash: asyncio.Future[bytes] | None,
) -> uuid.UUID:
    """Stage every batch, then publish.

    ``prehash`` is the digest of the whole source being computed on the worker thread (for
    bytes); once it is known, the next staging transaction checks whether the bytes are
    stored already, and if so the upload ends there. Otherwise the digest is computed batch
    by batch on the worker thread, while the batches commit.
    """
    data_id = uuid.uuid4()
    hasher = StreamHash(threaded=True) if prehash is None else None
    checked = prehash is None
    index = 0
    size = 0
    try:
        async for batch, _last in batches:
            if hasher is not None:
                await hasher.update(batch)  # on the worker thread, while this batch commits
            size += sum(len(chunk) for chunk in batch)
            digest = None
            if prehash is not None and not checked and prehash.done():
                digest = prehash.result()
                checked = True
            done = await run(db, _stage, store, data_id, index, batch, size, digest)
            if done and digest is not None:
                return uuid.UUID(bytes=digest[:16])  # the bytes were stored already
            index += len(batch)
        digest = await hasher.digest() if hasher is not None else await _known(prehash)
        return await run(db, _publish, store, data_id, size, digest)
    except Exception:
        _forget(hasher, prehash)
        await _discard(db, store, data_id)
        raise
    except BaseException:  # cancelled: the staged chunks wait for gc
        _forget(hasher, prehash)
        raise


def _forget(hasher: StreamHash | None, prehash: asyncio.Future[bytes] | None) -> None:
    """Drop the hashing of an upload that will not be published."""
    if hasher is not None:
        hasher.abandon()
    if prehash is not None and not prehash.done():
        prehash.cancel()


async def _known(prehash: asyncio.Future[bytes] | None) -> bytes:
    if prehash is None:  # pragma: no cover -- _upload passes one when it has no hasher
        raise BStoreException("no digest")
    return await prehash


async def put(db: Any, store: BStore, source: object) -> uuid.UUID:
    """Store a blob of any size from ``source``; return its uid, the one
    ``get_or_create`` gives the same bytes.

    ``db`` is the database (not a transaction: a large blob takes many). ``source`` is
    ``bytes`` (or a bytearray or memoryview), a file opened in binary mode (``read(n)``, which
    may also be a coroutine), or an async iterable of byte strings of any sizes. The bytes are
    staged over as many transactions as needed and published at once at the end: readers never
    see part of a blob. Bytes already stored are kept once; the call adds a reference.

    >>> import asyncio, found, io
    >>> from found import bstore
    >>> files = bstore.make("files", ("doc",))
    >>> async def pieces():
    ...     for _ in range(100):
    ...         yield b"0123456789" * 10_000
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         uid = await bstore.put(db, files, pieces())          # 10 MB, 3 transactions
    ...         same = await bstore.put(db, files, io.BytesIO(b"0123456789" * 1_000_000))
    ...         return uid == same, (await bstore.stat(db, files, uid)).references
    >>> asyncio.run(main())
    (True, 2)
    """
    check_store(store)
    if not is_database(db, "db"):
        raise BStoreTypeError(
            "put takes the database, not a transaction: it commits many transactions; "
            "inside one transaction use get_or_create(tx, store, blob)"
        )
    if isinstance(source, _BYTES_LIKE):
        data = as_bytes(source, "source")
        if len(data) <= min(BATCH_BYTES, MAX_TRANSACTION_BLOB):
            digest = hashlib.sha256(data).digest()
            return await run(db, create, store, data, digest, uuid.uuid4())
        # Hash on the worker thread while the first batch commits; the second batch then
        # checks whether these bytes are stored already.
        prehash = asyncio.ensure_future(sha256_of(data))
        await asyncio.sleep(0)  # let it hand the bytes to the worker thread
        return await _upload(db, store, _slices(data, store.chunk_size), prehash)
    if isinstance(source, str) or not (
        callable(getattr(source, "read", None)) or isinstance(source, AsyncIterable)
    ):
        raise BStoreTypeError(
            "source must be bytes, a binary file or an async iterable of bytes, "
            f"got {type(source).__name__}: {show(source)}"
        )
    batches = _batches(source, store.chunk_size)
    first, last = await anext(batches)
    if last:  # it all fits in one transaction
        data = b"".join(first)
        digest = hashlib.sha256(data).digest()
        return await run(db, create, store, data, digest, uuid.uuid4())

    async def again() -> AsyncIterator[tuple[list[bytes], bool]]:
        yield first, False
        async for pair in batches:
            yield pair

    return await _upload(db, store, again(), None)


# -- read ----------------------------------------------------------------------------------------


async def _window(
    tx: Any, store: BStore, uid: uuid.UUID, record: Record, first: int, stop: int, in_tx: bool
) -> list[bytes]:
    """Chunks ``first`` to ``stop - 1`` of the blob, checked."""
    begin = store.data_prefix(record.data_id)
    rows = await found.all(tx, begin + found.pack((first,)), begin + found.pack((stop,)))
    if len(rows) != stop - first and not in_tx:
        # Read in a later transaction than the record: the blob may have been deleted and
        # collected since. (In one transaction a shortfall can only be corruption.)
        value = await found.get(tx, store.meta_key(uid))
        now = None if value is None else decode_record(value, store, uid)
        if now is None or now.data_id != record.data_id:
            raise BlobNotFound(f"{store.what(uid)} was deleted while it was being read")
    return verify_rows(store, uid, record, rows, first, stop)


class _Plan:
    """Which chunks a read covers, and how to cut the first and last of them."""

    __slots__ = ("end", "first", "last", "per_window", "record", "start", "whole")

    def __init__(self, record: Record, start: int, stop: int | None) -> None:
        self.record = record
        end = record.size if stop is None else min(stop, record.size)
        self.start = min(start, end)
        self.end = end
        self.whole = start == 0 and end == record.size
        cs = record.chunk_size
        self.first = self.start // cs
        self.last = -(-end // cs) if end > self.start else self.first  # exclusive
        self.per_window = max(1, WINDOW_BYTES // cs)

    def window(self, position: int) -> int:
        """The chunk index (exclusive) where the window starting at ``position`` ends."""
        return min(self.last, position + self.per_window)


async def _first(
    tx: Any, store: BStore, uid: uuid.UUID, start: int, stop: int | None, in_tx: bool
) -> tuple[_Plan, list[bytes]]:
    """The plan of the read, and its first window of chunks, in one transaction."""
    plan = _Plan(await load_record(tx, store, uid), start, stop)
    upcoming = plan.window(plan.first)
    if plan.first >= upcoming:
        return plan, []
    return plan, await _window(tx, store, uid, plan.record, plan.first, upcoming, in_tx)


async def _read(
    db_or_tx: Any, in_tx: bool, store: BStore, uid: uuid.UUID, start: int, stop: int | None
) -> AsyncIterator[bytes]:
    if in_tx:
        plan, chunks = await _first(db_or_tx, store, uid, start, stop, True)
    else:
        plan, chunks = await found.transactional(
            db_or_tx, _first, store, uid, start, stop, False, snapshot=True
        )
    record = plan.record

    def fetch(first: int, last: int) -> asyncio.Task[list[bytes]]:
        if in_tx:
            coro = _window(db_or_tx, store, uid, record, first, last, True)
        else:
            coro = found.transactional(
                db_or_tx, _window, store, uid, record, first, last, False, snapshot=True
            )
        return asyncio.ensure_future(coro)

    hasher = StreamHash(record.size >= THREADED_FROM) if plan.whole else None
    cs = record.chunk_size
    position = plan.first
    upcoming = plan.window(position)
    pending: asyncio.Task[list[bytes]] | None = None
    try:
        while True:
            index = position
            position = upcoming
            upcoming = plan.window(position)
            if position < upcoming:
                pending = fetch(position, upcoming)  # read ahead while the caller works
            if hasher is not None:
                await hasher.update(chunks)  # on the worker thread, while the caller works
                for chunk in chunks:
                    yield chunk
            else:
                for chunk in chunks:
                    lo = plan.start - index * cs if index == plan.first else 0
                    hi = plan.end - index * cs
                    yield chunk[lo:hi] if lo > 0 or hi < len(chunk) else chunk
                    index += 1
            if pending is None:
                break
            chunks = await pending
            pending = None
        if hasher is not None:
            check_digest(store, uid, record, await hasher.digest())
            hasher = None
    finally:
        if hasher is not None:
            hasher.abandon()
        if pending is not None:  # the caller stopped early, or a check failed
            if not pending.done():
                pending.cancel()
            elif not pending.cancelled():
                pending.exception()  # retrieved: asyncio would log it otherwise


def read(
    db_or_tx: Any,
    store: BStore,
    uid: uuid.UUID,
    start: int = 0,
    stop: int | None = None,
) -> AsyncIterator[bytes]:
    """The bytes ``[start, stop)`` of the blob ``uid`` (all by default), as an async iterator
    of chunks; ``stop`` past the end reads to the end, as a slice does.

    Windows of chunks are fetched ahead, so the caller's work overlaps the next read. Given a
    database, each window is read in its own transaction: a read may outlast FoundationDB's
    five seconds and uses about two windows of memory whatever the blob's size. A full read
    checks the SHA-256 at the end and raises :class:`BlobCorrupted` on a mismatch; a missing
    uid raises :class:`BlobNotFound`.

    >>> import asyncio, found
    >>> from found import bstore
    >>> files = bstore.make("files", ("doc",))
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         uid = await bstore.put(db, files, b"hello, world")
    ...         return b"".join([c async for c in bstore.read(db, files, uid, 7)])
    >>> asyncio.run(main())
    b'world'
    """
    check_store(store)
    check_uid(uid)
    in_tx = not is_database(db_or_tx)
    for name, value in (("start", start), ("stop", stop)):
        if value is None and name == "stop":
            continue
        if not isinstance(value, int) or isinstance(value, bool):
            raise BStoreTypeError(f"{name} must be an int, got {type(value).__name__}")
        if value < 0:
            raise BStoreValueError(f"{name} must be >= 0, got {value}")
    return _read(db_or_tx, in_tx, store, uid, start, stop)
