"""The contract between the shared transaction layer and an embedded storage back end.

FoundationDB splits a transaction between the client (read-your-writes, conflict ranges,
options, retries) and the cluster (versions, multi-version reads, conflict detection,
applying mutations). found's embedded engines keep the same split: the client half lives once
in :mod:`found._engines._transaction` and every embedded back end implements only the cluster
half, described by :class:`Storage` below.

Versions follow FoundationDB: integers that grow by about 1,000,000 a second of the engine's
clock. A read version is the latest committed version; every commit gets a strictly larger one.
A storage keeps old versions of values for :data:`MVCC_WINDOW` versions so that transactions
read a stable snapshot, and keeps the write conflict ranges of recent commits for as long to
decide conflicts (error 1020) and age (error 1007).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from found._atomic import MutationType

__all__ = [
    "MVCC_WINDOW",
    "VERSIONS_PER_SECOND",
    "CommitRequest",
    "Mutation",
    "Storage",
    "Clock",
]

VERSIONS_PER_SECOND = 1_000_000
MVCC_WINDOW = 5_000_000  # versions: FoundationDB's five-second rule

Clock = Callable[[], float]
"""A function returning seconds as a float, like :func:`time.time`; injectable for tests."""


@dataclass(frozen=True, slots=True)
class Mutation:
    """One buffered write, in the order the transaction issued it.

    ``CLEAR_RANGE`` keeps the end key in ``param``. Versionstamped operations keep the 4-byte
    little-endian offset suffix, exactly as the C API receives them.
    """

    op: MutationType
    key: bytes
    param: bytes


@dataclass(slots=True)
class CommitRequest:
    """Everything a storage needs to decide and apply one commit."""

    read_version: int | None
    read_conflicts: Sequence[tuple[bytes, bytes]]
    write_conflicts: Sequence[tuple[bytes, bytes]]
    mutations: Sequence[Mutation]
    # Keys whose final bytes are only known at commit (set_versionstamped_key): the storage adds
    # the stamped key to the write conflict ranges, as FoundationDB's commit proxy does.
    stamped_keys: list[bytes] = field(default_factory=list)


class Storage(Protocol):
    """The server half of an embedded engine. Every method is synchronous and quick.

    Range reads are served in batches (``read_range`` returns at most ``limit`` rows) so that a
    scan never holds a cursor across an ``await`` while commits change the data.
    """

    clock: Clock

    def now_version(self) -> int:
        """The version the engine's clock stands at now (for the five-second rule)."""
        ...

    def read_version(self) -> int:
        """A fresh read version: every commit acknowledged so far is visible at it."""
        ...

    def latest_version(self) -> int:
        """The newest committed version (for ``future_version`` checks)."""
        ...

    def release_snapshot(self) -> None:
        """Drop whatever a storage holds open to serve reads quickly (a SQLite read snapshot).

        Reads made afterwards are still correct; the database calls this shortly after the
        last read version it handed out, so an idle process holds nothing.
        """
        ...

    def get(self, key: bytes, version: int) -> bytes | None:
        """The value of ``key`` at ``version``, or None when absent."""
        ...

    def read_range(
        self, begin: bytes, end: bytes, version: int, limit: int, reverse: bool
    ) -> list[tuple[bytes, bytes]]:
        """Up to ``limit`` (>= 1) pairs with ``begin <= key < end`` at ``version``, in order."""
        ...

    def commit(self, request: CommitRequest) -> tuple[int, int]:
        """Check conflicts and age, apply the mutations atomically; return (version, batch).

        Raises :class:`found.NotCommitted` (1020) when a commit after ``read_version`` wrote
        into one of ``read_conflicts``, and :class:`found.TransactionTooOld` (1007) when the
        transaction has read conflicts and its read version left the MVCC window.
        """
        ...

    def close(self) -> None:
        """Release resources; further calls are errors."""
        ...
