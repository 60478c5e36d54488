"""Blobs that fit in one transaction: ``get_or_create``, ``get``, ``stat`` and ``delete``.

Costs (round trips are sequential waits on the database; see :mod:`found_bstore._layout` for
the keys):

* :func:`get_or_create`: one point read of the record. Bytes already stored: one record write
  (the reference count). New bytes: ``ceil(size / chunk_size)`` chunk writes and the record.
* :func:`get`: the record, then the chunks in one range read: two round trips, and the
  SHA-256 of the bytes to check them.
* :func:`stat`: one point read. :func:`delete`: one point read, one or two writes.

One transaction carries at most 10 MB and lasts at most 5 seconds, so ``get_or_create`` takes
blobs of at most :data:`MAX_TRANSACTION_BLOB` bytes (8 MB); :func:`found_bstore.put` and
:func:`found_bstore.read` stream larger ones over many transactions.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import found
from found_bstore._errors import (
    BlobCorrupted,
    BlobNotFound,
    BStoreException,
    BStoreTypeError,
    BStoreValueError,
)
from found_bstore._layout import (
    BStore,
    Record,
    Stat,
    check_store,
    check_uid,
    decode_record,
    encode_record,
    show,
)

__all__ = [
    "MAX_TRANSACTION_BLOB",
    "as_bytes",
    "check_digest",
    "create",
    "delete",
    "gather_records",
    "get",
    "get_or_create",
    "increment_existing",
    "is_database",
    "load_record",
    "run",
    "stat",
    "verify_rows",
]

#: The largest blob ``get_or_create`` accepts: it must fit in one 10 MB transaction, beside
#: the caller's own writes.
MAX_TRANSACTION_BLOB = 8_000_000

R = TypeVar("R")


def as_bytes(data: object, what: str) -> bytes:
    """``data`` as ``bytes`` (copied from a bytearray or memoryview), else an error."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, (bytearray, memoryview)):
        return bytes(data)
    raise BStoreTypeError(f"{what} must be bytes-like, got {type(data).__name__}: {show(data)}")


def is_database(db_or_tx: object, what: str = "db_or_tx") -> bool:
    """True for a database, False for a transaction, an error for anything else."""
    if hasattr(db_or_tx, "create_transaction"):
        return True
    if hasattr(db_or_tx, "get_range") and hasattr(db_or_tx, "is_snapshot"):
        return False
    raise BStoreTypeError(
        f"{what} must be a database from found.open() or a transaction, "
        f"got {type(db_or_tx).__name__}: {show(db_or_tx)}"
    )


async def run(db_or_tx: Any, func: Callable[..., Awaitable[R]], *args: Any) -> R:
    """Run ``func(tx, *args, maybe_done)`` in ``db_or_tx``, committing and retrying like
    ``found.transactional``.

    ``maybe_done`` is True once an earlier attempt ended with an error that may have committed
    (1021 ``commit_unknown_result``): ``func`` then checks the ``last_op`` of the record to
    avoid applying its change twice. In a caller's transaction it is always False.
    """
    if not is_database(db_or_tx):
        return await func(db_or_tx, *args, False)
    tx = db_or_tx.create_transaction()
    maybe_done = False
    while True:
        try:
            result = await func(tx, *args, maybe_done)
            await tx.commit()
            return result
        except found.FoundException as error:
            maybe_done = maybe_done or error.maybe_committed
            await tx.on_error(error)


async def load_record(tx: Any, store: BStore, uid: uuid.UUID) -> Record:
    """The record of ``uid``; :class:`BlobNotFound` when absent or without references."""
    value = await found.get(tx, store.meta_key(uid))
    if value is None:
        raise BlobNotFound(f"{store.what(uid)} does not exist")
    record = decode_record(value, store, uid)
    if record.references <= 0:
        raise BlobNotFound(f"{store.what(uid)} does not exist (every reference was deleted)")
    return record


def _bump(tx: Any, store: BStore, uid: uuid.UUID, record: Record, delta: int, op: uuid.UUID) -> int:
    """Write ``record`` with ``delta`` more references; keep the zero marker in step."""
    references = record.references + delta
    value = encode_record(record._replace(references=references, last_op=op))
    found.set(tx, store.meta_key(uid), value)
    # last_op is fresh: after a commit reported unknown (1021), found.transactional finds this
    # record and does not run the caller's function (and this reference) again.
    found.commit_evidence(tx, store.meta_key(uid), value)
    if references <= 0 < record.references:
        found.set(tx, store.dead_key(uid), b"")
    elif record.references <= 0 < references:
        found.clear(tx, store.dead_key(uid))
    return references


async def increment_existing(
    tx: Any, store: BStore, uid: uuid.UUID, digest: bytes, op: uuid.UUID, maybe_done: bool
) -> bool:
    """Add a reference to the blob ``uid`` if it is stored (reviving it if it had none).

    Returns False when there is no record; the caller then stores the bytes.
    """
    value = await found.get(tx, store.meta_key(uid))
    if value is None:
        return False
    record = decode_record(value, store, uid)
    if record.digest != digest:
        raise BStoreException(
            f"{store.what(uid)}: a different blob has the same uid (its sha256 starts the same: "
            f"{record.digest.hex()} and {digest.hex()}); refusing to mix them"
        )
    if maybe_done and record.last_op == op:
        return True  # an earlier attempt of this very call committed
    _bump(tx, store, uid, record, 1, op)
    return True


async def create(
    tx: Any,
    store: BStore,
    data: bytes,
    digest: bytes,
    op: uuid.UUID,
    maybe_done: bool,
) -> uuid.UUID:
    """Store ``data`` (whose SHA-256 is ``digest``) in ``tx``, or add a reference to it."""
    uid = uuid.UUID(bytes=digest[:16])
    if await increment_existing(tx, store, uid, digest, op, maybe_done):
        return uid
    data_id = op  # random and used once: a fine name for this copy of the bytes
    cs = store.chunk_size
    head = store.data_prefix(data_id)
    pack = found.pack
    for index, offset in enumerate(range(0, len(data), cs)):
        found.set(tx, head + pack((index,)), data[offset : offset + cs])
    record = Record(len(data), cs, digest, data_id, 1, op)
    value = encode_record(record)
    found.set(tx, store.meta_key(uid), value)
    found.commit_evidence(tx, store.meta_key(uid), value)
    return uid


async def get_or_create(tx: Any, store: BStore, blob: bytes) -> uuid.UUID:
    """Store ``blob`` in the transaction ``tx`` and return its uid (a ``uuid.UUID``).

    The same bytes always get the same uid (see :func:`found_bstore.uid_for`) and are kept
    once: storing them again only adds a reference, which :func:`delete` takes back. ``blob``
    (bytes, bytearray or memoryview; the empty blob works) must fit in one transaction: at most
    :data:`MAX_TRANSACTION_BLOB` bytes. Use :func:`found_bstore.put` beyond.

    >>> import asyncio, found
    >>> from found import bstore
    >>> files = bstore.make("files", ("doc",))
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         uid = await found.transactional(db, bstore.get_or_create, files, b"hello")
    ...         again = await found.transactional(db, bstore.get_or_create, files, b"hello")
    ...         return uid == again, await found.transactional(db, bstore.get, files, uid)
    >>> asyncio.run(main())
    (True, b'hello')
    """
    check_store(store)
    data = as_bytes(blob, "blob")
    if len(data) > MAX_TRANSACTION_BLOB:
        raise BStoreValueError(
            f"bstore {store.name!r}: a blob of {len(data):,} bytes does not fit in one "
            f"transaction (get_or_create takes at most {MAX_TRANSACTION_BLOB:,}); "
            "use `await bstore.put(db, store, blob)`, which streams it over many transactions"
        )
    is_database(tx, "tx")
    digest = hashlib.sha256(data).digest()
    return await found.transactional(tx, create, store, data, digest, uuid.uuid4(), False)


def verify_rows(
    store: BStore,
    uid: uuid.UUID,
    record: Record,
    rows: Sequence[tuple[bytes, bytes]],
    first: int,
    stop: int,
) -> list[bytes]:
    """The values of ``rows``, checked to be exactly chunks ``first`` to ``stop - 1``.

    A missing, extra or wrongly sized chunk raises :class:`BlobCorrupted`.
    """
    head = store.data_prefix(record.data_id)
    pack = found.pack
    if len(rows) != stop - first:
        raise BlobCorrupted(
            f"{store.what(uid)}: chunks {first}..{stop - 1} should be {stop - first} keys, "
            f"found {len(rows)}"
        )
    out: list[bytes] = []
    last = record.chunks - 1
    full = record.chunk_size
    for index, (key, value) in enumerate(rows, first):
        if key != head + pack((index,)):
            raise BlobCorrupted(f"{store.what(uid)}: chunk {index} is missing")
        expected = full if index < last else record.size - last * full
        if len(value) != expected:
            raise BlobCorrupted(
                f"{store.what(uid)}: chunk {index} holds {len(value)} bytes, not {expected}"
            )
        out.append(value)
    return out


def check_digest(store: BStore, uid: uuid.UUID, record: Record, digest: bytes) -> None:
    """Raise :class:`BlobCorrupted` unless ``digest`` is the record's."""
    if digest != record.digest:
        raise BlobCorrupted(
            f"{store.what(uid)}: the bytes read have sha256 {digest.hex()}, "
            f"but {record.digest.hex()} was stored"
        )


async def _get(tx: Any, store: BStore, uid: uuid.UUID) -> bytes:
    record = await load_record(tx, store, uid)
    begin, end = store.data_range(record.data_id)
    rows = await found.all(tx, begin, end)
    data = b"".join(verify_rows(store, uid, record, rows, 0, record.chunks))
    check_digest(store, uid, record, hashlib.sha256(data).digest())
    return data


async def get(tx: Any, store: BStore, uid: uuid.UUID) -> bytes:
    """The bytes of the blob ``uid``, checked against its SHA-256.

    ``tx`` is a transaction (or a database: one transaction is run). A missing uid raises
    :class:`BlobNotFound` (a :class:`BStoreException`), bytes that fail the check
    :class:`BlobCorrupted`. The whole blob is read in one transaction: for large blobs use
    :func:`found_bstore.read`, which streams.

    >>> import asyncio, found, uuid
    >>> from found import bstore
    >>> files = bstore.make("files", ("doc",))
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         try:
    ...             await found.transactional(db, bstore.get, files, uuid.UUID(int=0))
    ...         except bstore.BStoreException as error:
    ...             return type(error).__name__
    >>> asyncio.run(main())
    'BlobNotFound'
    """
    check_store(store)
    check_uid(uid)
    is_database(tx, "tx")
    return await found.transactional(tx, _get, store, uid)


async def _stat(tx: Any, store: BStore, uid: uuid.UUID) -> Stat:
    record = await load_record(tx, store, uid)
    return Stat(uid, record.size, record.digest, record.references, record.chunk_size)


async def stat(db_or_tx: Any, store: BStore, uid: uuid.UUID) -> Stat:
    """Size, SHA-256 and reference count of the blob ``uid``: one point read.

    >>> import asyncio, found
    >>> from found import bstore
    >>> files = bstore.make("files", ("doc",))
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         uid = await bstore.put(db, files, b"hello")
    ...         return await bstore.stat(db, files, uid)
    >>> info = asyncio.run(main())
    >>> info.size, info.references, info.hexdigest[:16]
    (5, 1, '2cf24dba5fb0a30e')
    """
    check_store(store)
    check_uid(uid)
    is_database(db_or_tx)
    return await found.transactional(db_or_tx, _stat, store, uid)


async def _delete(tx: Any, store: BStore, uid: uuid.UUID, op: uuid.UUID, maybe_done: bool) -> int:
    value = await found.get(tx, store.meta_key(uid))
    if value is None:
        if maybe_done:
            return 0  # our delete committed, and gc collected the blob since
        raise BlobNotFound(f"{store.what(uid)} does not exist")
    record = decode_record(value, store, uid)
    if maybe_done and record.last_op == op:
        return record.references  # an earlier attempt of this very call committed
    if record.references <= 0:
        raise BlobNotFound(f"{store.what(uid)} does not exist (every reference was deleted)")
    return _bump(tx, store, uid, record, -1, op)


async def delete(db_or_tx: Any, store: BStore, uid: uuid.UUID) -> int:
    """Take back one reference to the blob ``uid``; return how many are left.

    A blob stored twice and deleted once is still readable. At zero it is gone for readers
    (:class:`BlobNotFound`) and :func:`found_bstore.gc` reclaims its space. Given a database,
    the count stays exact even when a commit's outcome is unknown (1021).

    >>> import asyncio, found
    >>> from found import bstore
    >>> files = bstore.make("files", ("doc",))
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         uid = await bstore.put(db, files, b"hello")
    ...         await bstore.put(db, files, b"hello")
    ...         return await bstore.delete(db, files, uid), await bstore.delete(db, files, uid)
    >>> asyncio.run(main())
    (1, 0)
    """
    check_store(store)
    check_uid(uid)
    is_database(db_or_tx)
    return await run(db_or_tx, _delete, store, uid, uuid.uuid4())


async def gather_records(tx: Any, store: BStore, uids: Sequence[uuid.UUID]) -> list[bytes | None]:
    """The record values of ``uids``, read concurrently (one round trip)."""
    return list(await asyncio.gather(*(found.get(tx, store.meta_key(u)) for u in uids)))
