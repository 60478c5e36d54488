"""Shared fixtures of eavstore's tests: a store under the test's prefix, and a recording
transaction that counts what a function reads and writes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, cast

import pytest

import found
import found_eavstore as eavstore


@dataclass
class Tally:
    """What went through a :class:`Recorder`."""

    point_reads: int = 0
    range_reads: int = 0
    rows_read: int = 0
    writes: int = 0


class Recorder:
    """A transaction proxy that counts reads, rows and writes, and passes everything on."""

    def __init__(self, tx: Any, tally: Tally | None = None) -> None:
        self._tx = tx
        self.tally = tally if tally is not None else Tally()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._tx, name)

    @property
    def is_snapshot(self) -> bool:
        """Whether the wrapped view is the snapshot one."""
        return bool(self._tx.is_snapshot)

    @property
    def snapshot(self) -> Recorder:
        """The snapshot view, counted in the same tally."""
        return Recorder(self._tx.snapshot, self.tally)

    async def get(self, key: bytes) -> bytes | None:
        """Count a point read."""
        self.tally.point_reads += 1
        return cast("bytes | None", await self._tx.get(key))

    async def get_range(self, *args: Any, **kwargs: Any) -> AsyncIterator[tuple[bytes, bytes]]:
        """Count a range read and each row it yields."""
        self.tally.range_reads += 1
        async for pair in self._tx.get_range(*args, **kwargs):
            self.tally.rows_read += 1
            yield pair

    def set(self, key: bytes, value: bytes) -> None:
        """Count a write."""
        self.tally.writes += 1
        self._tx.set(key, value)

    def clear(self, key: bytes) -> None:
        """Count a write."""
        self.tally.writes += 1
        self._tx.clear(key)

    def clear_range(self, begin: bytes, end: bytes) -> None:
        """Count a write."""
        self.tally.writes += 1
        self._tx.clear_range(begin, end)

    def atomic(self, op: Any, key: bytes, param: bytes) -> None:
        """Count a write."""
        self.tally.writes += 1
        self._tx.atomic(op, key, param)


def recording(tx: found.Transaction) -> tuple[found.Transaction, Tally]:
    """``tx`` behind a :class:`Recorder`, typed as a transaction, and its tally."""
    recorder = Recorder(tx)
    return cast(found.Transaction, recorder), recorder.tally


@pytest.fixture
def record() -> Any:
    """The :func:`recording` helper: ``rtx, tally = record(tx)``."""
    return recording


@pytest.fixture
def store(found_prefix: bytes) -> eavstore.EAVStore:
    """An eavstore under the test's own prefix, with ``blob`` unindexed."""
    return eavstore.make("test", (*found.unpack(found_prefix), "eav"), unindexed=["blob"])
