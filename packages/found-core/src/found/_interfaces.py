"""The shape every engine's transaction and database share, for type checkers.

found's functions (``found.get(tx, key)``, ...) accept any object with these methods; the
embedded engines and the FoundationDB engine each provide one.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable
from typing import Any, Protocol, runtime_checkable

from found._atomic import MutationType
from found._selectors import KeySelector

__all__ = ["Database", "Transaction"]


@runtime_checkable
class Transaction(Protocol):
    """A transaction, or its snapshot view (``tx.snapshot``)."""

    is_snapshot: bool
    options: Any

    @property
    def snapshot(self) -> Transaction:
        """The same transaction, reading without conflicts."""
        ...

    async def get(self, key: bytes) -> bytes | None:
        """Read one key."""
        ...

    async def get_key(self, selector: KeySelector) -> bytes:
        """Resolve a key selector."""
        ...

    def get_range(
        self,
        begin: bytes | KeySelector,
        end: bytes | KeySelector,
        *,
        limit: int = 0,
        reverse: bool = False,
        mode: int = -1,
    ) -> AsyncIterator[tuple[bytes, bytes]]:
        """Read a range of pairs."""
        ...

    async def get_read_version(self) -> int:
        """The read version."""
        ...

    def set_read_version(self, version: int) -> None:
        """Set the read version."""
        ...

    def get_committed_version(self) -> int:
        """The commit version, or -1."""
        ...

    def get_versionstamp(self) -> asyncio.Future[bytes]:
        """A future versionstamp."""
        ...

    async def get_approximate_size(self) -> int:
        """The approximate size."""
        ...

    async def watch(self, key: bytes) -> Awaitable[None]:
        """Watch a key."""
        ...

    def set(self, key: bytes, value: bytes) -> None:
        """Write a key."""
        ...

    def clear(self, key: bytes) -> None:
        """Clear a key."""
        ...

    def clear_range(self, begin: bytes, end: bytes) -> None:
        """Clear a range."""
        ...

    def atomic(self, op: MutationType, key: bytes, param: bytes) -> None:
        """Apply an atomic operation."""
        ...

    def set_versionstamped_key(self, key: bytes, value: bytes) -> None:
        """Write with a stamped key."""
        ...

    def set_versionstamped_value(self, key: bytes, value: bytes) -> None:
        """Write a stamped value."""
        ...

    def add_read_conflict_range(self, begin: bytes, end: bytes) -> None:
        """Add a read conflict range."""
        ...

    def add_read_conflict_key(self, key: bytes) -> None:
        """Add a read conflict key."""
        ...

    def add_write_conflict_range(self, begin: bytes, end: bytes) -> None:
        """Add a write conflict range."""
        ...

    def add_write_conflict_key(self, key: bytes) -> None:
        """Add a write conflict key."""
        ...

    async def commit(self) -> None:
        """Commit."""
        ...

    async def on_error(self, error: BaseException | int) -> None:
        """Retry or raise."""
        ...

    def reset(self) -> None:
        """Reset."""
        ...

    def cancel(self) -> None:
        """Cancel."""
        ...


@runtime_checkable
class Database(Protocol):
    """A database opened by ``found.open``."""

    target: str
    options: Any

    def create_transaction(self) -> Transaction:
        """A new transaction."""
        ...

    async def close(self) -> None:
        """Close the database."""
        ...
