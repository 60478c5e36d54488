"""The database object of the embedded engines."""

from __future__ import annotations

import asyncio
import time
from types import TracebackType

from found._engines._storage import CommitRequest, Storage
from found._engines._testing import Testing
from found._engines._transaction import TRANSACTION_SIZE_LIMIT, EmbeddedTransaction
from found._engines._watches import Watch, WatchRegistry
from found._errors import FoundTypeError, error_for

__all__ = ["DatabaseOptions", "EmbeddedDatabase"]

_WATCH_POLL_SECONDS = 0.05
_YIELD_EVERY = 0.004  # seconds of work between two turns given to other tasks
# How long after handing out a read version the storage may keep its read snapshot open.
_RELEASE_AFTER = 0.2


class DatabaseOptions:
    """Database-wide defaults for new transactions, named as in FoundationDB's ``db.options``."""

    def __init__(self) -> None:
        self._timeout = 0.0
        self._retry_limit = -1
        self._max_retry_delay = 1.0
        self._size_limit = TRANSACTION_SIZE_LIMIT
        self._snapshot_ryw = 0
        self._max_watches = 10_000

    @staticmethod
    def _int(name: str, value: object, lo: int, hi: int) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise FoundTypeError(f"option {name} takes an int, got {type(value).__name__}")
        if not lo <= value <= hi:
            raise error_for(2006)
        return value

    def set_transaction_timeout(self, milliseconds: int) -> None:
        """Default ``timeout`` of new transactions (0: none)."""
        self._timeout = self._int("transaction_timeout", milliseconds, 0, 2**31 - 1) / 1000.0

    def set_transaction_retry_limit(self, retries: int) -> None:
        """Default ``retry_limit`` of new transactions (-1: none)."""
        self._retry_limit = self._int("transaction_retry_limit", retries, -1, 2**31 - 1)

    def set_transaction_max_retry_delay(self, milliseconds: int) -> None:
        """Default cap of the retry backoff."""
        value = self._int("transaction_max_retry_delay", milliseconds, 0, 2**31 - 1)
        self._max_retry_delay = value / 1000.0

    def set_transaction_size_limit(self, size: int) -> None:
        """Default ``size_limit`` of new transactions."""
        self._size_limit = self._int("transaction_size_limit", size, 32, TRANSACTION_SIZE_LIMIT)

    def set_max_watches(self, count: int) -> None:
        """How many watches may be outstanding at once (default 10,000)."""
        self._max_watches = self._int("max_watches", count, 0, 1_000_000)

    def set_snapshot_ryw_enable(self) -> None:
        """Snapshot reads see the transaction's own writes (the default)."""
        self._snapshot_ryw += 1

    def set_snapshot_ryw_disable(self) -> None:
        """Snapshot reads ignore the transaction's own writes."""
        self._snapshot_ryw -= 1


class EmbeddedDatabase:
    """A database on an embedded engine; made by ``found.open("memory://")`` and friends.

    Close it with ``await db.close()`` or use it as ``async with``.
    """

    def __init__(self, storage: Storage, target: str) -> None:
        self._storage = storage
        self.target = target
        self.options = DatabaseOptions()
        self.testing = Testing()
        self._watches = WatchRegistry(self._read_latest)
        self._poller: asyncio.Task[None] | None = None
        self._last_yield = time.perf_counter()
        self._closed = False
        self._release: asyncio.TimerHandle | None = None

    @property
    def engine(self) -> str:
        """The engine's name: ``"memory"`` or ``"sqlite"``."""
        return self.target.split(":", 1)[0]

    def create_transaction(self) -> EmbeddedTransaction:
        """A new transaction (prefer ``found.transactional``, which also retries)."""
        if self._closed:
            from found._errors import UsageError

            raise UsageError("the database is closed")
        self._watches.max_watches = self.options._max_watches
        return EmbeddedTransaction(self)

    def _read_version(self) -> int:
        """A fresh read version from the storage; its read snapshot is released soon after."""
        version = self._storage.read_version()
        if self._release is None:
            self._release = asyncio.get_running_loop().call_later(
                _RELEASE_AFTER, self._release_snapshot
            )
        return version

    def _read_latest(self, key: bytes) -> bytes | None:
        """The newest value of ``key``, for watches; no read snapshot is left open."""
        storage = self._storage
        try:
            return storage.get(key, storage.latest_version())
        finally:
            storage.release_snapshot()

    def _release_snapshot(self) -> None:
        self._release = None
        if not self._closed:
            self._storage.release_snapshot()

    async def _round_trip(self, kind: str) -> None:
        testing = self.testing
        latency = testing.count(kind)
        if latency > 0:
            await testing.wait(latency)
        if self._yield_due():
            await asyncio.sleep(0)  # as _maybe_yield, without another coroutine per request
            self._last_yield = time.perf_counter()

    def _yield_due(self) -> bool:
        """Whether this task has run long enough to give other tasks a turn."""
        return time.perf_counter() - self._last_yield > _YIELD_EVERY

    async def _maybe_yield(self) -> bool:
        """Give other tasks a turn if this task has run long enough; say whether it did.

        An embedded read never suspends by itself, so without this a long scan would block
        the event loop.
        """
        now = time.perf_counter()
        if now - self._last_yield > _YIELD_EVERY:
            await asyncio.sleep(0)
            self._last_yield = time.perf_counter()
            return True
        return False

    async def _commit(self, request: CommitRequest) -> tuple[int, int]:
        testing = self.testing
        if testing.chance(testing.conflict_rate):
            raise error_for(1020)
        result = self._storage.commit(request)
        self._watches.check()
        if testing.chance(testing.unknown_result_rate):
            raise error_for(1021)
        return result

    def _activate_watch(self, watch: Watch) -> None:
        self._watches.activate(watch)
        if self._watches.has_active and (self._poller is None or self._poller.done()):
            self._poller = asyncio.get_running_loop().create_task(self._poll_watches())

    async def _poll_watches(self) -> None:
        # Commits made by other processes (sqlite://) are noticed by polling.
        last = self._storage.latest_version()
        while self._watches.has_active and not self._closed:
            await asyncio.sleep(_WATCH_POLL_SECONDS)
            latest = self._storage.latest_version()
            if latest != last:
                last = latest
                self._watches.check()

    async def close(self) -> None:
        """Close the database; outstanding watches fail with 1101 ``operation_cancelled``."""
        if self._closed:
            return
        self._closed = True
        self._watches.fail_all(error_for(1101))
        if self._poller is not None:
            self._poller.cancel()
        if self._release is not None:
            self._release.cancel()
            self._release = None
        self._storage.close()

    async def __aenter__(self) -> EmbeddedDatabase:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<EmbeddedDatabase {self.target!r}>"
