"""Uploads interrupted halfway (exception, cancellation, killed process), uploads collected while
running, and concurrent uploads of the same bytes."""

from __future__ import annotations

import asyncio
import itertools
import signal
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest

import found
import found_bstore as bstore

SIZE = 12_000_000  # three staging transactions and a bit


class BoomError(Exception):
    """The source's own failure."""


async def test_a_source_that_raises_halfway_leaves_nothing(
    found_db: Any, store: Any, kit: Any
) -> None:
    """The source's exception comes out of put; no blob is visible and the staged chunks are
    cleared at once (gc finds nothing left)."""
    data = kit.payload(SIZE)

    async def failing() -> Any:
        async for piece in kit.pieces(data[: SIZE // 2], 1 << 20):
            yield piece
        raise BoomError("network down")

    with pytest.raises(BoomError):
        await bstore.put(found_db, store, failing())
    with pytest.raises(bstore.BlobNotFound):
        await bstore.stat(found_db, store, bstore.uid_for(data))
    assert await kit.keys(found_db, store, "d") == []
    assert await kit.keys(found_db, store, "u") == []
    assert await bstore.gc(found_db, store, older_than=0) == bstore.GcReport(0, 0, 0)


async def test_a_cancelled_upload_is_invisible_and_collected_by_gc(
    found_db: Any, store: Any, kit: Any
) -> None:
    """A put cancelled halfway leaves staged chunks nobody can see; gc removes them."""
    data = kit.payload(SIZE, seed=1)
    halfway = asyncio.Event()
    sent = 0

    async def slow() -> Any:
        nonlocal sent
        async for piece in kit.pieces(data, 1 << 20):
            sent += len(piece)
            if sent >= SIZE // 2:
                halfway.set()
                await asyncio.sleep(3600)
            yield piece

    task = asyncio.ensure_future(bstore.put(found_db, store, slow()))
    await halfway.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await kit.keys(found_db, store, "m") == []
    assert len(await kit.keys(found_db, store, "u")) == 1
    staged = await kit.keys(found_db, store, "d")
    assert len(staged) == 40  # the first 4 MB batch: 40 chunks of 96 KiB
    assert await bstore.gc(found_db, store) == bstore.GcReport(0, 0, 0)  # not idle long enough
    report = await bstore.gc(found_db, store, older_than=0)
    assert report == bstore.GcReport(blobs=0, uploads=1, bytes=40 * store.chunk_size)
    assert await kit.keys(found_db, store, "d") == []
    assert await kit.keys(found_db, store, "u") == []


async def _stalled_upload(found_db: Any, store: Any, kit: Any, data: bytes) -> None:
    """Stage the first 5 MB of ``data`` with put, then cancel it."""
    stop = asyncio.Event()

    async def stalls() -> Any:
        async for piece in kit.pieces(data[: 5 << 20], 1 << 20):
            yield piece
        stop.set()
        await asyncio.sleep(3600)

    task = asyncio.ensure_future(bstore.put(found_db, store, stalls()))
    await stop.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_gc_waits_for_an_upload_to_be_idle_for_older_than(
    found_db: Any, found_clock: Any, store: Any, kit: Any
) -> None:
    """gc measures idleness in database time: a staged upload is kept until older_than
    seconds have passed since its last batch."""
    await _stalled_upload(found_db, store, kit, kit.payload(SIZE, seed=2))
    assert (await bstore.gc(found_db, store, older_than=60)).uploads == 0
    found_clock.advance(61)
    assert (await bstore.gc(found_db, store, older_than=60)).uploads == 1
    assert await kit.keys(found_db, store, "d") == []


async def test_gc_counts_exactly_when_commits_are_reported_unknown(
    found_db: Any, found_faults: Any, store: Any, kit: Any
) -> None:
    """The commits of both of gc's batches are applied but reported as 1021
    commit_unknown_result: their retries find the markers gone, and the report still counts
    what the batches removed."""
    dead = kit.payload(300_000, seed=8)
    uid = await bstore.put(found_db, store, dead)
    await bstore.delete(found_db, store, uid)
    await _stalled_upload(found_db, store, kit, kit.payload(SIZE, seed=9))
    (staged,) = [found.unpack(v)[2] for _, v in await kit.rows(found_db, store, "u")]
    draws = itertools.count()
    found_faults.chance = lambda rate: rate > 0 and next(draws) < 2  # the first two commits
    found_faults.unknown_result_rate = 1.0
    report = await bstore.gc(found_db, store, older_than=0)
    found_faults.unknown_result_rate = 0.0
    assert report == bstore.GcReport(1, 1, len(dead) + staged)
    assert next(draws) > 2  # both unknown results happened
    for kind in ("m", "d", "u", "z", "g"):
        assert await kit.keys(found_db, store, kind) == []


async def test_gc_clears_notes_left_by_runs_that_died(
    found_db: Any, found_clock: Any, store: Any, kit: Any
) -> None:
    """A run's note over a minute old (or unreadable) is cleared by the next run; a recent one,
    perhaps of a run still going, is kept."""
    old, recent, broken = (store.gc_key(uuid.uuid4()) for _ in range(3))
    then = await found.transactional(found_db, found.read_version)

    async def notes(tx: Any) -> None:
        found.set(tx, old, found.pack((3, then)))
        found.set(tx, broken, b"\xff")

    await found.transactional(found_db, notes)
    found_clock.advance(61)
    now = await found.transactional(found_db, found.read_version)
    await found.transactional(found_db, found.set, recent, found.pack((0, now)))
    assert await bstore.gc(found_db, store) == bstore.GcReport(0, 0, 0)
    head = len(store.gc_range()[0])
    assert [key[head:] for key, _ in await kit.rows(found_db, store, "g")] == [recent[head:]]


async def test_an_upload_collected_while_running_fails_and_publishes_nothing(
    found_db: Any, store: Any, kit: Any
) -> None:
    """If gc collects an upload that is still going, the upload raises BStoreException at its
    next batch and no blob appears."""
    data = kit.payload(SIZE, seed=3)

    async def with_gc_midway() -> Any:
        sent = 0
        async for piece in kit.pieces(data, 1 << 20):
            yield piece
            sent += len(piece)
            if sent == 6 << 20:  # one batch is staged by now
                assert (await bstore.gc(found_db, store, older_than=0)).uploads == 1

    with pytest.raises(bstore.BStoreException, match="collected by gc"):
        await bstore.put(found_db, store, with_gc_midway())
    assert await kit.keys(found_db, store, "m") == []
    assert await kit.keys(found_db, store, "d") == []
    assert await kit.keys(found_db, store, "u") == []


async def test_concurrent_uploads_of_the_same_content_end_with_one_copy(
    found_db: Any, store: Any, kit: Any
) -> None:
    """Four tasks streaming the same 10 MB at once all get its uid; one copy of the chunks
    remains, with four references, and no staging."""
    data = kit.payload(10_000_000, seed=4)
    uids = await asyncio.gather(
        *(bstore.put(found_db, store, kit.pieces(data, 300_000, pause=True)) for _ in range(4))
    )
    assert set(uids) == {bstore.uid_for(data)}
    assert (await bstore.stat(found_db, store, uids[0])).references == 4
    chunks = await kit.keys(found_db, store, "d")
    assert len({key[0] for key in chunks}) == 1
    assert len(chunks) == -(-len(data) // store.chunk_size)
    assert await kit.keys(found_db, store, "u") == []
    assert await kit.collect(bstore.read(found_db, store, uids[0])) == data


_KILLED_UPLOAD = textwrap.dedent(
    """
    import asyncio, os, signal, sys
    import found
    import found_bstore as bstore

    async def main():
        db = await found.open("sqlite://" + sys.argv[1])
        store = bstore.make("test", ("killed",))

        async def source():
            for i in range(12):
                if i == 9:  # two 4 MB batches are committed by now
                    os.kill(os.getpid(), signal.SIGKILL)
                yield bytes([i]) * (1 << 20)

        await bstore.put(db, store, source())

    asyncio.run(main())
    """
)


def test_an_upload_killed_with_its_process_is_invisible_and_collected_by_gc(
    tmp_path: Path,
) -> None:
    """A process killed by SIGKILL in the middle of put leaves no visible blob; gc in another
    process removes what it staged."""
    path = tmp_path / "killed.found"
    done = subprocess.run(
        [sys.executable, "-c", _KILLED_UPLOAD, str(path)], capture_output=True, timeout=120
    )
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()
    data = b"".join(bytes([i]) * (1 << 20) for i in range(12))
    store = bstore.make("test", ("killed",))

    async def check() -> None:
        async with await found.open(f"sqlite://{path}") as db:
            with pytest.raises(bstore.BlobNotFound):
                await bstore.stat(db, store, bstore.uid_for(data))
            head = found.pack(("killed", "d"))
            staged = await found.transactional(db, found.all, head, head + b"\xff")
            assert len(staged) == 80  # two batches of 40 chunks
            report = await bstore.gc(db, store, older_than=0)
            assert report == bstore.GcReport(blobs=0, uploads=1, bytes=80 * store.chunk_size)
            everything = found.pack(("killed",))
            left = await found.transactional(db, found.all, everything, everything + b"\xff")
            assert left == []

    asyncio.run(check())
