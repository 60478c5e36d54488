"""bstore: writing and reading blobs of 1 KB to 50 MB, against raw sqlite3 and hashlib.

Data: 200 MiB (209 MB) in 521 blobs of pseudo-random (incompressible) bytes, from 1 KB to
50 MB (256 of 1 KB, 128 of 4 KB, 64 of 16 KB, 32 of 64 KB, 16 of 256 KB, 12 of 1 MB, 8 of 4 MB,
3 of 16 MB and
2 of 50 MB: most blobs are small, most bytes are in large blobs). Quick mode: 20 MB, the same
shape scaled down (5 MB at the top).

Contenders, measured in the same run, alternating round by round, best round kept:

* ours: ``bstore.put(db, store, blob)`` for every blob, then ``bstore.read(db, store, uid)``
  consumed to the end (a full read, so the SHA-256 is checked), on ``sqlite://`` and on
  ``memory://``; on ``sqlite://`` also a read of all but the last byte of each blob (a range
  read: no hash check), which shows what the engine alone costs. Between rounds the blobs are
  deleted and collected (untimed).
* raw sqlite3: the same bytes as 100 KB chunks in a table ``(blob, idx, data BLOB)`` with one
  transaction per blob, read back with ``SELECT data ... ORDER BY idx``. Same file settings as
  found's engine: WAL, ``synchronous=NORMAL``. It checks nothing.
* raw sqlite3 checked: the same read, checking every blob's SHA-256 as bstore does, with the
  hashing on a worker thread in jobs of four chunks (the fastest arrangement measured: 4 to 40
  chunks a job, and per-chunk digests on two threads, were tried); blobs of fewer than four
  chunks are hashed inline. This is the anchor a checked read can be fairly held to.
* hashlib: ``sha256`` over the same bytes, the limit of any checked read or write.

Issue #6's targets: at least 0.5x raw sqlite3's MB/s for write and for read on ``sqlite://``,
and less than 50 MB of memory growth (RSS) while reading a 200 MB blob (100 MB in quick mode),
measured in a fresh process that does nothing but the read.
"""

from __future__ import annotations

import asyncio
import gc
import hashlib
import json
import random
import sqlite3
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from _harness import Row, row

import found
from found import bstore

KB = 1024
MB = 1024 * KB
# (size, how many) -- 199.75 MiB in 521 blobs.
FULL_MIX = [
    (1 * KB, 256),
    (4 * KB, 128),
    (16 * KB, 64),
    (64 * KB, 32),
    (256 * KB, 16),
    (1 * MB, 12),
    (4 * MB, 8),
    (16 * MB, 3),
    (50 * MB, 2),
]
# 19.9 MiB in 256 blobs.
QUICK_MIX = [
    (1 * KB, 128),
    (4 * KB, 64),
    (16 * KB, 32),
    (64 * KB, 16),
    (256 * KB, 8),
    (1 * MB, 6),
    (5 * MB, 2),
]
RAW_CHUNK = 100_000
# Chunks per hashing job of the checked raw read.
_RAW_JOB = 4


def _blobs(mix: list[tuple[int, int]]) -> list[bytes]:
    rng = random.Random(6)
    out = [rng.randbytes(size) for size, count in mix for _ in range(count)]
    rng.shuffle(out)
    return out


class _Raw:
    """The anchor: blobs as 100 KB chunks in one SQLite table."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.conn.execute(
            "CREATE TABLE blobs (blob INTEGER, idx INTEGER, data BLOB, PRIMARY KEY (blob, idx))"
        )

    def write(self, blobs: list[bytes]) -> None:
        execute = self.conn.execute
        for number, blob in enumerate(blobs):
            execute("BEGIN")
            self.conn.executemany(
                "INSERT INTO blobs VALUES (?, ?, ?)",
                [
                    (number, i, blob[offset : offset + RAW_CHUNK])
                    for i, offset in enumerate(range(0, len(blob), RAW_CHUNK))
                ],
            )
            execute("COMMIT")

    def read(self, count: int) -> int:
        total = 0
        for number in range(count):
            for (data,) in self.conn.execute(
                "SELECT data FROM blobs WHERE blob = ? ORDER BY idx", (number,)
            ):
                total += len(data)
        return total

    def read_checked(self, digests: list[bytes]) -> int:
        """Read every blob and check its SHA-256, hashing beside the reads (see the docstring)."""
        total = 0
        with ThreadPoolExecutor(max_workers=1) as worker:
            for number, digest in enumerate(digests):
                hasher = hashlib.sha256()
                jobs: list[Future[None]] = []
                batch: list[bytes] = []
                for (data,) in self.conn.execute(
                    "SELECT data FROM blobs WHERE blob = ? ORDER BY idx", (number,)
                ):
                    total += len(data)
                    batch.append(data)
                    if len(batch) == _RAW_JOB:
                        if len(jobs) >= 2:
                            jobs.pop(0).result()
                        jobs.append(worker.submit(_update, hasher, batch))
                        batch = []
                if jobs:
                    jobs.append(worker.submit(_update, hasher, batch))
                    for job in jobs:
                        job.result()
                else:
                    _update(hasher, batch)
                if hasher.digest() != digest:
                    raise RuntimeError(f"raw blob {number} is corrupted")
        return total

    def clear(self) -> None:
        self.conn.execute("DELETE FROM blobs")


def _update(hasher: Any, batch: list[bytes]) -> None:
    for data in batch:
        hasher.update(data)


async def _put_all(db: Any, store: Any, blobs: list[bytes]) -> list[uuid.UUID]:
    return [await bstore.put(db, store, blob) for blob in blobs]


async def _read_all(
    db: Any, store: Any, uids: list[uuid.UUID], sizes: list[int] | None = None
) -> int:
    """Read every blob whole, or (``sizes`` given) all but its last byte: no hash check."""
    total = 0
    for index, uid in enumerate(uids):
        stop = None if sizes is None else sizes[index] - 1
        async for chunk in bstore.read(db, store, uid, 0, stop):
            total += len(chunk)
    return total


async def _drop_all(db: Any, store: Any, uids: list[uuid.UUID]) -> None:
    for uid in uids:
        await bstore.delete(db, store, uid)
    await bstore.gc(db, store)


async def _timed(step: Callable[[], Awaitable[object]]) -> float:
    gc.collect()
    start = time.perf_counter()
    await step()
    return time.perf_counter() - start


def _sync_timed(step: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    step()
    return time.perf_counter() - start


async def _pseudo_random(size: int) -> AsyncIterator[bytes]:
    """``size`` bytes made on the fly, 1 MB at a time, never all in memory."""
    rng = random.Random(7)
    for offset in range(0, size, MB):
        yield rng.randbytes(min(MB, size - offset))


_RSS_CHILD = """
import asyncio, gc, json, os, sys, uuid
import found
from found import bstore

def rss():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

async def main():
    async with await found.open("sqlite://" + sys.argv[1]) as db:
        store = bstore.make("rss", ("bench", "rss"))
        uid = uuid.UUID(sys.argv[2])
        gc.collect()
        base = peak = rss()
        total = 0
        async for chunk in bstore.read(db, store, uid):
            total += len(chunk)
            peak = max(peak, rss())
        print(json.dumps({"total": total, "growth": peak - base}))

asyncio.run(main())
"""


async def _rss_growth(path: Path, size: int) -> float:
    """MB of RSS growth of a fresh process while it reads one blob of ``size`` bytes.

    The blob is written here, then read by a new interpreter, so that memory this process
    used for other work cannot hide the read's own. RSS is sampled at every chunk (the
    interpreter's own high-water mark is useless here: importing reaches a higher one).
    """
    store = bstore.make("rss", ("bench", "rss"))
    async with await found.open(f"sqlite://{path}") as db:
        uid = await bstore.put(db, store, _pseudo_random(size))
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _RSS_CHILD, str(path), str(uid), stdout=asyncio.subprocess.PIPE
    )
    out, _ = await child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"the reading process failed with status {child.returncode}")
    report = json.loads(out)
    if report["total"] != size:
        raise RuntimeError(f"read {report['total']} bytes of {size}")
    async with await found.open(f"sqlite://{path}") as db:
        await _drop_all(db, store, [uid])
    return float(report["growth"]) / MB


async def _measure(
    directory: Path, blobs: list[bytes], rounds: int, rss_size: int
) -> tuple[dict[str, float], float]:
    """Best seconds of each contender and step, and the RSS growth (MB)."""
    best: dict[str, float] = {}
    digests = [hashlib.sha256(blob).digest() for blob in blobs]

    def keep(name: str, seconds: float) -> None:
        best[name] = min(best.get(name, float("inf")), seconds)

    growth = await _rss_growth(directory / "rss.found", rss_size)
    raw = _Raw(directory / "raw.sqlite")
    dbs = {
        "sqlite": await found.open(f"sqlite://{directory / 'bstore.found'}"),
        "memory": await found.open("memory://"),
    }
    try:
        for index in range(rounds):
            contenders = ["raw", "sqlite", "memory", "hashlib"]
            shift = index % len(contenders)
            for name in contenders[shift:] + contenders[:shift]:
                if name == "raw":
                    keep("raw write", _sync_timed(lambda: raw.write(blobs)))
                    keep("raw read", _sync_timed(lambda: raw.read(len(blobs))))
                    keep("raw checked", _sync_timed(lambda: raw.read_checked(digests)))
                    raw.clear()
                elif name == "hashlib":
                    keep("sha256", _sync_timed(lambda: [hashlib.sha256(b).digest() for b in blobs]))
                else:
                    db = dbs[name]
                    store = bstore.make("bench", ("bench", name))
                    uids: list[uuid.UUID] = []

                    async def write(db: Any = db, store: Any = store, uids: Any = uids) -> None:
                        uids.extend(await _put_all(db, store, blobs))

                    async def read(db: Any = db, store: Any = store, uids: Any = uids) -> None:
                        if await _read_all(db, store, uids) != sum(map(len, blobs)):
                            raise RuntimeError("short read")

                    async def ranges(db: Any = db, store: Any = store, uids: Any = uids) -> None:
                        sizes = [len(blob) for blob in blobs]
                        await _read_all(db, store, uids, sizes)

                    keep(f"{name} write", await _timed(write))
                    keep(f"{name} read", await _timed(read))
                    if name == "sqlite":
                        keep(f"{name} ranges", await _timed(ranges))
                    await _drop_all(db, store, uids)
    finally:
        for db in dbs.values():
            await db.close()
        raw.conn.close()
    return best, growth


def run(quick: bool) -> list[Row]:
    """Write and read rates (MB/s) of bstore on both engines against raw sqlite3 and hashlib."""
    mix = QUICK_MIX if quick else FULL_MIX
    blobs = _blobs(mix)
    total = sum(map(len, blobs))
    rounds = 2 if quick else 3
    rss_size = 100 * MB if quick else 200 * MB
    with tempfile.TemporaryDirectory(prefix="bench-bstore-") as directory:
        best, growth = asyncio.run(_measure(Path(directory), blobs, rounds, rss_size))

    def rate(name: str) -> float:
        return total / best[name] / 1e6

    label = f"{total / 1e6:.0f} MB in {len(blobs)} blobs of 1 KB-{max(map(len, blobs)) // MB} MB"
    return [
        row(f"write {label}, sqlite://", "MB/s", rate("sqlite write"), "raw sqlite3",
            rate("raw write"), "target >= 0.5x"),
        row(f"read (sha256 checked) {label}, sqlite://", "MB/s", rate("sqlite read"),
            "raw sqlite3", rate("raw read"), "target >= 0.5x"),
        row(f"write {label}, memory://", "MB/s", rate("memory write"), "raw sqlite3",
            rate("raw write")),
        row(f"read (sha256 checked) {label}, memory://", "MB/s", rate("memory read"),
            "raw sqlite3", rate("raw read")),
        row(f"read (sha256 checked) {label}, sqlite://", "MB/s", rate("sqlite read"),
            "raw sqlite3 checked", rate("raw checked"), "both check every blob's sha256"),
        row(f"read (sha256 checked) {label}, raw sqlite3", "MB/s", rate("raw checked"),
            "raw sqlite3", rate("raw read"), "what the check costs raw sqlite3 itself"),
        row(f"read {label} but the last byte of each (no hash check), sqlite://", "MB/s",
            rate("sqlite ranges"), "raw sqlite3", rate("raw read"), "found's engine, unhashed"),
        row("read sqlite:// against the limit", "MB/s", rate("sqlite read"), "hashlib sha256",
            rate("sha256"), "every full read hashes every byte"),
        row(f"RSS growth reading one {rss_size // MB} MB blob, sqlite://", "MB", growth,
            "target", 50.0, "below 1.00x meets the target"),
    ]  # fmt: skip


if __name__ == "__main__":
    from run import table

    print(table([dict(r) for r in run("--quick" in sys.argv)]))
