"""The database object of the embedded engines."""

from __future__ import annotations

import asyncio
import time
from types import TracebackType

from found._engines._options import DatabaseOptions
from found._engines._storage import CommitRequest, Storage
from found._engines._testing import Testing
from found._engines._transaction import EmbeddedTransaction
from found._engines._watches import Watch, WatchRegistry
from found._errors import error_for

__all__ = ["DatabaseOptions", "EmbeddedDatabase"]

_WATCH_POLL_SECONDS = 0.05
_YIELD_EVERY = 0.004  # seconds of work between two turns given to other tasks
# How long after handing out a read version the storage may keep its read snapshot open.
_RELEASE_AFTER = 0.2


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

    async def _commit(self, request: CommitRequest, idempotent: bool = False) -> tuple[int, int]:
        """Commit ``request``; with ``idempotent`` (automatic_idempotency), a lost outcome
        is resolved as the cluster's client resolves it: an injected 1021 was applied, so the
        commit returns."""
        testing = self.testing
        if testing.chance(testing.conflict_rate):
            raise error_for(1020)
        result = self._storage.commit(request)
        self._watches.check()
        if testing.chance(testing.unknown_result_rate) and not idempotent:
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
