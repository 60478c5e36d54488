"""Reclaiming space: blobs whose references fell to zero, and uploads that never finished.

``gc`` walks two small indexes of the store, never the chunks themselves:

* the zero-reference markers ``(*prefix, "z", uid)``: for each, in one transaction, it reads
  the record again and, if it still has no reference, clears the record, the marker and the
  chunks (one range clear). A blob revived meanwhile keeps its bytes: the record read makes a
  concurrent revival and the collection conflict, and one of them retries.
* the upload markers ``(*prefix, "u", data_id)``: an upload whose last batch was written more
  than ``older_than`` seconds ago (measured in database versions, about a million a second,
  so every process agrees) is taken as dead, and its chunks and marker are cleared. The
  uploader itself, if still alive, then fails with :class:`BStoreException` at its next
  batch, having published nothing.

Costs: one transaction per 64 markers (a range read, the records read concurrently, one range
clear per blob or upload), whatever the sizes of the blobs, and two more per run.

The counts it reports are exact even when a commit is reported as 1021
``commit_unknown_result`` although it was applied: each batch also writes its number to the
run's note ``(*prefix, "g", run_id)`` and declares it as commit evidence, so that
:func:`found.transactional` returns the applied batch's counts instead of running it again
(which would find nothing left and count nothing). The note is cleared when the run ends; a
run that died leaves it, and a later run clears notes over a minute old.
"""

from __future__ import annotations

import uuid
from typing import Any, NamedTuple

import found
from found_bstore._blob import gather_records, is_database
from found_bstore._errors import BStoreTypeError, BStoreValueError
from found_bstore._layout import BStore, check_store, decode_record

__all__ = ["DEFAULT_OLDER_THAN", "GcReport", "gc"]

#: How long (seconds) an upload may stay idle before ``gc`` takes it for dead, by default.
DEFAULT_OLDER_THAN = 3600.0
_BATCH = 64
_VERSIONS_PER_SECOND = 1_000_000
# A run's note this old (in database time) was left by a run that died: a batch is one
# transaction, and none outlives five seconds.
_STALE_NOTE_SECONDS = 60


class GcReport(NamedTuple):
    """What one :func:`gc` removed: blobs, unfinished uploads, and their bytes."""

    blobs: int
    uploads: int
    bytes: int


class _Run:
    """One run of :func:`gc`: its note's key and the number of its next batch."""

    __slots__ = ("batch", "key")

    def __init__(self, store: BStore) -> None:
        self.key = store.gc_key(uuid.uuid4())
        self.batch = 0

    async def note(self, tx: Any) -> int:
        """Note this batch as the evidence of ``tx``'s commit; return the read version."""
        now: int = await found.read_version(tx)
        value = found.pack((self.batch, now))
        found.set(tx, self.key, value)
        found.commit_evidence(tx, self.key, value)
        return now


async def _clear_stale_notes(tx: Any, store: BStore) -> None:
    """Clear up to ``_BATCH`` notes of runs that died (or that nobody can read)."""
    horizon = await found.read_version(tx) - _STALE_NOTE_SECONDS * _VERSIONS_PER_SECOND
    for key, value in await found.all(tx, *store.gc_range(), limit=_BATCH):
        try:
            noted = found.unpack(value)
        except ValueError:
            noted = ()
        if len(noted) != 2 or not isinstance(noted[1], int) or noted[1] < horizon:
            found.clear(tx, key)


async def _end_run(tx: Any, run: _Run) -> None:
    found.clear(tx, run.key)


async def _dead_batch(
    tx: Any, store: BStore, begin: bytes, run: _Run
) -> tuple[int, int, bytes | None]:
    """Collect up to ``_BATCH`` zero-reference blobs from ``begin``; return how many, their
    bytes, and where the next batch starts (None at the end)."""
    await run.note(tx)
    _, end = store.dead_range()
    rows = await found.all(tx, begin, end, limit=_BATCH)
    head = len(store.dead_range()[0])
    uids: list[uuid.UUID] = [found.unpack(key[head:])[0] for key, _ in rows]
    values = await gather_records(tx, store, uids)
    blobs = freed = 0
    for (key, _), uid, value in zip(rows, uids, values, strict=True):
        found.clear(tx, key)
        if value is None:
            continue
        record = decode_record(value, store, uid)
        if record.references > 0:
            continue  # revived since: a stale marker
        found.clear(tx, store.meta_key(uid))
        found.clear(tx, *store.data_range(record.data_id))
        blobs += 1
        freed += record.size
    following = rows[-1][0] + b"\x00" if len(rows) == _BATCH else None
    return blobs, freed, following


async def _upload_batch(
    tx: Any, store: BStore, begin: bytes, older_than: float, run: _Run
) -> tuple[int, int, bytes | None]:
    """Collect the idle uploads among the next ``_BATCH`` markers from ``begin``."""
    _, end = store.upload_range()
    now = await run.note(tx)
    horizon = now - int(older_than * _VERSIONS_PER_SECOND)
    rows = await found.all(tx, begin, end, limit=_BATCH)
    head = len(store.upload_range()[0])
    uploads = freed = 0
    for key, value in rows:
        _started, heartbeat, staged = found.unpack(value)
        if heartbeat > horizon:
            continue
        data_id = found.unpack(key[head:])[0]
        found.clear(tx, *store.data_range(data_id))
        found.clear(tx, key)
        uploads += 1
        freed += staged
    following = rows[-1][0] + b"\x00" if len(rows) == _BATCH else None
    return uploads, freed, following


async def gc(db: Any, store: BStore, *, older_than: float = DEFAULT_OLDER_THAN) -> GcReport:
    """Remove the blobs left without references and the uploads idle for over ``older_than``
    seconds (interrupted by a crash or a cancellation); return what was removed.

    Run it from time to time; it commits one transaction per 64 markers. Mind ``older_than``:
    an upload still running but idle that long (a slow source) is collected too, and fails.
    The counts are exact even when a commit is reported as 1021 ``commit_unknown_result``
    after it was applied.

    >>> import asyncio, found
    >>> from found import bstore
    >>> files = bstore.make("files", ("doc",))
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         uid = await bstore.put(db, files, b"hello")
    ...         await bstore.delete(db, files, uid)
    ...         return await bstore.gc(db, files)
    >>> asyncio.run(main())
    GcReport(blobs=1, uploads=0, bytes=5)
    """
    check_store(store)
    if not is_database(db, "db"):
        raise BStoreTypeError("gc takes the database, not a transaction: it commits many")
    if isinstance(older_than, bool) or not isinstance(older_than, (int, float)):
        raise BStoreTypeError(
            f"older_than must be a number of seconds, got {type(older_than).__name__}"
        )
    if not older_than >= 0:
        raise BStoreValueError(f"older_than must be >= 0 seconds, got {older_than!r}")
    await found.transactional(db, _clear_stale_notes, store)
    run = _Run(store)
    blobs = uploads = freed = 0
    cursor: bytes | None = store.dead_range()[0]
    while cursor is not None:
        count, size, cursor = await found.transactional(db, _dead_batch, store, cursor, run)
        run.batch += 1
        blobs += count
        freed += size
    cursor = store.upload_range()[0]
    while cursor is not None:
        count, size, cursor = await found.transactional(
            db, _upload_batch, store, cursor, float(older_than), run
        )
        run.batch += 1
        uploads += count
        freed += size
    await found.transactional(db, _end_run, run)
    return GcReport(blobs, uploads, freed)
