"""The ``memory://`` engine's storage: a sorted, multi-version map held in process.

Each key maps to its history, a short list of ``(version, value)`` pairs in version order where
``None`` is a clear. A reader at version ``v`` sees the newest pair at or below ``v``. History
older than the five-second window is pruned whenever a key is written again, and clears are
swept once nobody can read before them, so memory tracks the live data.

Conflicts are decided as FoundationDB's resolvers do: the write conflict ranges of every commit
in the window are kept by version, and a commit fails with 1020 when one committed after its
read version intersects one of its read conflict ranges.
"""

from __future__ import annotations

import time
from bisect import bisect_right
from collections import deque
from collections.abc import Sequence
from typing import Any, NoReturn

from sortedcontainers import SortedDict

from found._atomic import MutationType, apply_atomic
from found._engines._storage import (
    MVCC_WINDOW,
    VERSIONS_PER_SECOND,
    Clock,
    CommitRequest,
    Mutation,
)
from found._errors import UsageError, error_for

__all__ = ["MemoryStorage", "conflicts_with", "merge_ranges", "stamp_key", "stamp_value"]

_History = list[tuple[int, bytes | None]]


def stamp_key(key: bytes, stamp: bytes) -> bytes:
    """Place a 10-byte versionstamp into ``key`` at the offset its 4-byte suffix names."""
    pos = int.from_bytes(key[-4:], "little")
    body = key[:-4]
    return body[:pos] + stamp + body[pos + 10 :]


def stamp_value(param: bytes, stamp: bytes) -> bytes:
    """Place a 10-byte versionstamp into a value at the offset its 4-byte suffix names."""
    return stamp_key(param, stamp)


def conflicts_with(
    read_ranges: list[tuple[bytes, bytes]], write_ranges: list[tuple[bytes, bytes]]
) -> bool:
    """Whether any half-open write range intersects any half-open read range.

    ``read_ranges`` must be sorted by begin and disjoint (see :func:`merge_ranges`).
    """
    begins = [b for b, _ in read_ranges]
    for wb, we in write_ranges:
        i = bisect_right(begins, wb) - 1
        if i >= 0 and read_ranges[i][1] > wb:
            return True
        if i + 1 < len(read_ranges) and read_ranges[i + 1][0] < we:
            return True
    return False


def merge_ranges(ranges: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """Sort half-open ranges and merge the overlapping ones; drop empty ones."""
    out: list[tuple[bytes, bytes]] = []
    for b, e in sorted(r for r in ranges if r[0] < r[1]):
        if out and b <= out[-1][1]:
            if e > out[-1][1]:
                out[-1] = (out[-1][0], e)
        else:
            out.append((b, e))
    return out


def _trim(history: _History, horizon: int) -> None:
    """Drop the versions of ``history`` that no read can reach: those older than its newest
    version at or below ``horizon``."""
    if len(history) > 1 and history[1][0] <= horizon:
        i = bisect_right(history, horizon, key=lambda p: p[0])
        del history[: i - 1]


class _Closed:
    """Stands in for the data of a closed storage: every use says it is closed."""

    def _refuse(self, *args: object) -> NoReturn:
        raise UsageError("the memory:// database is closed")

    __getitem__ = __setitem__ = __delitem__ = __contains__ = _refuse
    get = irange = clear = _refuse


class MemoryStorage:
    """Multi-version ordered storage for the ``memory://`` engine.

    >>> s = MemoryStorage()
    >>> from found._engines._storage import CommitRequest, Mutation
    >>> from found._atomic import MutationType
    >>> v, _ = s.commit(CommitRequest(None, [], [(b"k", b"k\\x00")],
    ...                  [Mutation(MutationType.SET_VALUE, b"k", b"v")]))
    >>> s.get(b"k", v), s.get(b"k", v - 1)
    (b'v', None)
    """

    def __init__(self, clock: Clock = time.time) -> None:
        self.clock = clock
        self._data: Any = SortedDict()
        self._version = self.now_version()
        self._commits: deque[tuple[int, list[tuple[bytes, bytes]]]] = deque()
        self._tombstones: deque[tuple[int, bytes]] = deque()
        # Keys given a new version over an older one, by version: once that version is past
        # the window, the older versions are dropped (else a key written twice, then left
        # alone, would hold its old value for good).
        self._superseded: deque[tuple[int, bytes]] = deque()
        self._closed = False

    # -- versions -------------------------------------------------------------------------
    def now_version(self) -> int:
        """The clock's version now."""
        return int(self.clock() * VERSIONS_PER_SECOND)

    def read_version(self) -> int:
        """The newest version, advanced to the clock so idle time still ages transactions."""
        now = self.now_version()
        if now > self._version:
            self._version = now
        return self._version

    def latest_version(self) -> int:
        """The newest version handed out."""
        return self._version

    def release_snapshot(self) -> None:
        """Nothing to release: memory reads take no lock (the storage protocol asks for it)."""

    # -- reads ----------------------------------------------------------------------------
    @staticmethod
    def _at(history: _History, version: int) -> bytes | None:
        last = history[-1]
        if last[0] <= version:
            return last[1]
        i = bisect_right(history, version, key=lambda p: p[0])
        return history[i - 1][1] if i else None

    def get(self, key: bytes, version: int) -> bytes | None:
        """The value at ``version``."""
        history = self._data.get(key)
        if history is None:
            return None
        last = history[-1]
        return last[1] if last[0] <= version else self._at(history, version)

    def read_range(
        self, begin: bytes, end: bytes, version: int, limit: int, reverse: bool
    ) -> list[tuple[bytes, bytes]]:
        """Up to ``limit`` live pairs in ``[begin, end)`` at ``version``."""
        out: list[tuple[bytes, bytes]] = []
        if begin >= end:
            return out
        data = self._data
        history_of = dict.__getitem__  # SortedDict is a dict: skip its own method layers
        at = self._at
        append = out.append
        count = 0
        for key in data.irange(begin, end, (True, False), reverse):
            history = history_of(data, key)
            last = history[-1]
            value = last[1] if last[0] <= version else at(history, version)
            if value is not None:
                append((key, value))
                count += 1
                if count >= limit:
                    break
        return out

    # -- commit ---------------------------------------------------------------------------
    def commit(self, request: CommitRequest) -> tuple[int, int]:
        """Decide and apply one commit."""
        if self._closed:
            raise UsageError("the memory:// database is closed")
        now = self.now_version()
        version = max(self._version + 1, now)
        rv = request.read_version
        if request.read_conflicts and rv is not None:
            if version - rv > MVCC_WINDOW:
                raise error_for(1007)
            reads = merge_ranges(list(request.read_conflicts))
            start = bisect_right(self._commits, rv, key=lambda c: c[0])
            for i in range(start, len(self._commits)):
                if conflicts_with(reads, self._commits[i][1]):
                    raise error_for(1020)
        self._version = version
        stamp = version.to_bytes(8, "big") + b"\x00\x00"
        writes = list(request.write_conflicts)
        self._apply(request.mutations, version, stamp, writes)
        if writes:
            self._commits.append((version, merge_ranges(writes)))
        self._prune(version - MVCC_WINDOW)
        return version, 0

    def _write(self, key: bytes, value: bytes | None, version: int, horizon: int) -> None:
        history = self._data.get(key)
        if history is None:
            if value is None:
                return
            self._data[key] = [(version, value)]
            return
        if history[-1][0] == version:
            history[-1] = (version, value)
        else:
            if history[-1][1] is None and value is None:
                return
            history.append((version, value))
            self._superseded.append((version, key))
        # Drop versions nobody can read any more: keep the newest one at or below the horizon.
        _trim(history, horizon)
        if value is None:
            self._tombstones.append((version, key))

    def _apply(
        self,
        mutations: Sequence[Mutation],
        version: int,
        stamp: bytes,
        writes: list[tuple[bytes, bytes]],
    ) -> None:
        horizon = version - MVCC_WINDOW
        data = self._data
        for m in mutations:
            op = m.op
            if op == MutationType.SET_VALUE:
                self._write(m.key, m.param, version, horizon)
            elif op == MutationType.CLEAR_RANGE:
                keys = list(data.irange(m.key, m.param, (True, False)))
                for key in keys:
                    if data[key][-1][1] is not None:
                        self._write(key, None, version, horizon)
            elif op == MutationType.SET_VERSIONSTAMPED_KEY:
                key = stamp_key(m.key, stamp)
                writes.append((key, key + b"\x00"))
                self._write(key, m.param, version, horizon)
            elif op == MutationType.SET_VERSIONSTAMPED_VALUE:
                self._write(m.key, stamp_value(m.param, stamp), version, horizon)
            else:
                history = data.get(m.key)
                existing = history[-1][1] if history else None
                self._write(m.key, apply_atomic(op, existing, m.param), version, horizon)

    def _prune(self, horizon: int) -> None:
        commits = self._commits
        while commits and commits[0][0] < horizon:
            commits.popleft()
        data = self._data
        superseded = self._superseded
        while superseded and superseded[0][0] <= horizon:
            _, key = superseded.popleft()
            history = data.get(key)
            if history is not None:
                _trim(history, horizon)
        tombs = self._tombstones
        while tombs and tombs[0][0] < horizon:
            version, key = tombs.popleft()
            history = data.get(key)
            if history is not None and history[-1] == (version, None):
                del data[key]

    def close(self) -> None:
        """Drop the data; later calls raise :class:`found.UsageError`."""
        if not self._closed:
            self._data.clear()
            self._data = _Closed()
            self._closed = True
