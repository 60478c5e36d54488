"""SHA-256 of a stream of chunks, computed beside the database work.

Hashing costs about as much CPU as reading the bytes out of SQLite, so done inline it would
halve the throughput of a checked read. :mod:`hashlib` releases the GIL while it hashes a large
buffer, and so does :mod:`sqlite3` while it steps a query: with the hashing on a worker thread
the two overlap on two cores. One worker thread serves the whole process; it runs jobs in the
order they were given, which keeps each stream's updates in order. Small streams are hashed
inline, where a thread would cost more than it saves.

Example::

    >>> import asyncio, hashlib
    >>> async def main():
    ...     h = StreamHash(threaded=True)
    ...     await h.update([b"hello, ", b"world"])
    ...     return await h.digest()
    >>> asyncio.run(main()) == hashlib.sha256(b"hello, world").digest()
    True
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from typing import Any

__all__ = ["THREADED_FROM", "StreamHash", "sha256_of"]

#: Streams of at least this many bytes are hashed on the worker thread.
THREADED_FROM = 1 << 20
# Jobs one stream may have queued: it bounds the chunks kept alive waiting to be hashed.
_QUEUED = 2

_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None
_pool_pid = 0


def _worker() -> ThreadPoolExecutor:
    """The process's hashing thread (a new one after a fork: threads do not survive it)."""
    global _pool, _pool_pid
    with _lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="bstore-sha256")
            _pool_pid = os.getpid()
        return _pool


def _update(hasher: Any, chunks: list[bytes]) -> None:
    for chunk in chunks:
        hasher.update(chunk)


async def sha256_of(data: bytes) -> bytes:
    """The SHA-256 of ``data``, computed on the worker thread.

    >>> import asyncio
    >>> asyncio.run(sha256_of(b"")).hex()[:16]
    'e3b0c44298fc1c14'
    """
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_worker(), _digest, data)


def _digest(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


class StreamHash:
    """An incremental SHA-256; with ``threaded``, updates run on the worker thread.

    Call :meth:`update` with the chunks in order, then :meth:`digest` once.
    """

    __slots__ = ("_hasher", "_queued", "threaded")

    def __init__(self, threaded: bool) -> None:
        self._hasher = hashlib.sha256()
        self._queued: deque[asyncio.Future[None]] = deque()
        self.threaded = threaded

    async def update(self, chunks: list[bytes]) -> None:
        """Hash ``chunks`` after everything given before (waits only when much is queued)."""
        if not self.threaded:
            _update(self._hasher, chunks)
            return
        while len(self._queued) >= _QUEUED:
            await self._queued.popleft()
        loop = asyncio.get_running_loop()
        self._queued.append(loop.run_in_executor(_worker(), _update, self._hasher, chunks))

    async def digest(self) -> bytes:
        """The digest of every chunk given."""
        while self._queued:
            await self._queued.popleft()
        return self._hasher.digest()

    def abandon(self) -> None:
        """Forget the queued jobs (they still run); their outcome is of no interest now."""
        for job in self._queued:
            job.cancel()
        self._queued.clear()
