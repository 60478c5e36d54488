"""The embedded engines against raw ``sqlite3`` doing the same work on the same machine.

The anchor is what a Python programmer would write by hand: an ordered ``WITHOUT ROWID`` table
with BLOB keys, WAL journal, ``synchronous=NORMAL``. Workloads:

* read-only transactions of 10 point reads (``found.transactional`` + ``found.get``) against
  10 point selects;
* a range scan through ``found.query`` against an ordered ``SELECT`` with ``fetchmany``; while
  the scan runs, a ticker task measures the longest time the event loop was blocked and a
  sampler the growth of the process's resident memory (a scan must stream);
* write transactions of 100 sets against 100 inserts in one SQLite transaction;
* contention: 50 tasks each incrementing one counter 20 times by read-modify-write.

Ratios are ours/anchor, measured in the same run with alternating rounds (best of each).
"""

from __future__ import annotations

import asyncio
import gc
import os
import sqlite3
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _harness import Row, row

import found

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _rss() -> int:
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[1]) * _PAGE
    except OSError:  # pragma: no cover - not Linux
        return 0


def _key(i: int) -> bytes:
    return b"k%08d" % i


def _value(i: int) -> bytes:
    return b"v" * 24 + str(i).encode()


def _raw_db(path: Path, keys: int) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE kv (key BLOB PRIMARY KEY, value BLOB) WITHOUT ROWID")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO kv VALUES (?, ?)", ((_key(i), _value(i)) for i in range(keys)))
    conn.execute("COMMIT")
    return conn


async def _found_db(target: str, keys: int) -> Any:
    db = await found.open(target)

    async def load(tx: Any, start: int, stop: int) -> None:
        for i in range(start, stop):
            found.set(tx, _key(i), _value(i))

    step = 20_000
    for start in range(0, keys, step):
        await found.transactional(db, load, start, min(start + step, keys))
    return db


def _best(rounds: int, contenders: dict[str, Callable[[], float]]) -> dict[str, float]:
    """Best rate of each contender, measured in alternation."""
    best = dict.fromkeys(contenders, 0.0)
    for _ in range(rounds):
        for name, measure in contenders.items():
            gc.collect()
            best[name] = max(best[name], measure())
    return best


def _rate(loop: asyncio.AbstractEventLoop, fn: Callable[[], Awaitable[None]], n: int) -> float:
    async def go() -> float:
        start = time.perf_counter()
        for _ in range(n):
            await fn()
        return n / (time.perf_counter() - start)

    return loop.run_until_complete(go())


def _point_reads(
    loop: asyncio.AbstractEventLoop, db: Any, conn: sqlite3.Connection, keys: int, n: int
) -> tuple[float, float]:
    import random

    rnd = random.Random(1)
    batches = [[_key(rnd.randrange(keys)) for _ in range(10)] for _ in range(256)]
    state = {"i": 0}

    async def read10(tx: Any, batch: list[bytes]) -> None:
        for k in batch:
            await found.get(tx, k)

    async def ours() -> None:
        state["i"] += 1
        await found.transactional(db, read10, batches[state["i"] % 256])

    def raw(n: int = n) -> float:
        start = time.perf_counter()
        for j in range(n):
            conn.execute("BEGIN")
            for k in batches[j % 256]:
                conn.execute("SELECT value FROM kv WHERE key = ?", (k,)).fetchone()
            conn.execute("COMMIT")
        return n / (time.perf_counter() - start)

    best = _best(3, {"ours": lambda: _rate(loop, ours, n), "raw": raw})
    return best["ours"], best["raw"]


def _writes(
    loop: asyncio.AbstractEventLoop, db: Any, conn: sqlite3.Connection, n: int
) -> tuple[float, float]:
    counter = {"i": 0}

    async def write100(tx: Any, base: int) -> None:
        for j in range(100):
            found.set(tx, b"w%010d" % (base + j), b"x" * 32)

    async def ours() -> None:
        counter["i"] += 100
        await found.transactional(db, write100, counter["i"])

    raw_counter = {"i": 0}

    def raw(n: int = n) -> float:
        start = time.perf_counter()
        for _ in range(n):
            raw_counter["i"] += 100
            base = raw_counter["i"]
            conn.execute("BEGIN")
            conn.executemany(
                "INSERT OR REPLACE INTO kv VALUES (?, ?)",
                ((b"w%010d" % (base + j), b"x" * 32) for j in range(100)),
            )
            conn.execute("COMMIT")
        return n / (time.perf_counter() - start)

    best = _best(3, {"ours": lambda: _rate(loop, ours, n), "raw": raw})
    return best["ours"], best["raw"]


def _scan(
    loop: asyncio.AbstractEventLoop, db: Any, conn: sqlite3.Connection, keys: int
) -> tuple[float, float, float, int]:
    """Rows/s ours, rows/s raw, longest loop block (s), resident memory growth (bytes)."""

    async def ours() -> tuple[float, float, int]:
        stop = asyncio.Event()
        longest = 0.0
        peak = base = _rss()

        async def ticker() -> None:
            nonlocal longest, peak
            last = time.perf_counter()
            while not stop.is_set():
                await asyncio.sleep(0.001)
                now = time.perf_counter()
                longest = max(longest, now - last - 0.001)
                last = now
                peak = max(peak, _rss())

        tick = asyncio.ensure_future(ticker())
        await asyncio.sleep(0.01)

        async def scan(tx: Any) -> int:
            n = 0
            async for _ in found.query(tx, b"k", b"l"):
                n += 1
            return n

        start = time.perf_counter()
        n = await found.transactional(db, scan, snapshot=True)
        elapsed = time.perf_counter() - start
        stop.set()
        await tick
        if n != keys:
            raise RuntimeError(f"scan saw {n} keys, expected {keys}")
        return n / elapsed, longest, peak - base

    def raw() -> float:
        start = time.perf_counter()
        cursor = conn.execute(
            "SELECT key, value FROM kv WHERE key >= ? AND key < ? ORDER BY key", (b"k", b"l")
        )
        n = 0
        while True:
            batch = cursor.fetchmany(1000)
            if not batch:
                break
            n += len(batch)
        return n / (time.perf_counter() - start)

    results: list[tuple[float, float, int]] = []
    raws: list[float] = []
    for _ in range(2):
        gc.collect()
        results.append(loop.run_until_complete(ours()))
        gc.collect()
        raws.append(raw())
    best = max(results, key=lambda r: r[0])
    return best[0], max(raws), max(r[1] for r in results), max(r[2] for r in results)


def _contention(loop: asyncio.AbstractEventLoop, db: Any) -> tuple[float, int, int]:
    key = b"counter"

    async def go() -> tuple[float, int, int]:
        attempts = 0

        async def inc(tx: Any) -> None:
            nonlocal attempts
            attempts += 1
            value = await found.get(tx, key)
            await asyncio.sleep(0)  # let the other tasks in, as a network would
            found.set(tx, key, str(int(value or b"0") + 1).encode())

        async def worker() -> None:
            for _ in range(20):
                await found.transactional(db, inc)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(50)))
        elapsed = time.perf_counter() - start
        stored = await found.transactional(db, found.get, key)
        total = int(stored or b"0")
        return 1000 / elapsed, total, attempts - 1000

    return loop.run_until_complete(go())


def run(quick: bool) -> list[Row]:
    """Benchmark both embedded engines against raw sqlite3."""
    keys = 20_000 if quick else 1_000_000
    n_reads = 200 if quick else 2000
    n_writes = 20 if quick else 200
    rows: list[Row] = []
    loop = asyncio.new_event_loop()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            conn = _raw_db(Path(tmp) / "raw.sqlite", keys)
            for engine in ("memory", "sqlite"):
                target = "memory://" if engine == "memory" else f"sqlite://{tmp}/found.sqlite"
                db = loop.run_until_complete(_found_db(target, keys))
                try:
                    ours, raw = _point_reads(loop, db, conn, keys, n_reads)
                    rows.append(
                        row(f"{engine}: tx of 10 point reads", "tx/s", ours, "raw sqlite3", raw)
                    )
                    rate, raw_rate, blocked, grown = _scan(loop, db, conn, keys)
                    rows.append(
                        row(
                            f"{engine}: range scan of {keys:,} keys",
                            "rows/s",
                            rate,
                            "raw sqlite3",
                            raw_rate,
                            note=f"loop blocked at most {blocked * 1000:.1f} ms; "
                            f"RSS grew {grown / 2**20:.1f} MiB",
                        )
                    )
                    ours, raw = _writes(loop, db, conn, n_writes)
                    rows.append(row(f"{engine}: tx of 100 sets", "tx/s", ours, "raw sqlite3", raw))
                    rate, total, retries = _contention(loop, db)
                    rows.append(
                        row(
                            f"{engine}: 50 tasks x 20 increments",
                            "commits/s",
                            rate,
                            "none",
                            None,
                            note=f"total {total} (must be 1000), {retries} conflicts retried",
                        )
                    )
                finally:
                    loop.run_until_complete(db.close())
            conn.close()
    finally:
        loop.close()
    return rows


if __name__ == "__main__":  # pragma: no cover
    import sys

    for r in run("--quick" in sys.argv):
        print(r)
