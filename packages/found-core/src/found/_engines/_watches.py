"""Watches for the embedded engines.

A watch is created inside a transaction, starts to monitor its key when that transaction
commits, and fires once the key's committed value differs from the value the transaction saw.
The database keeps the active watches and checks them after every commit made through it; an
engine shared between processes (``sqlite://``) also polls for commits made elsewhere.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Generator
from typing import Any

from found._errors import FoundException, error_for

__all__ = ["Watch", "WatchRegistry"]


class Watch:
    """A pending watch: await it to learn that the key changed; ``cancel()`` to give up.

    Awaiting raises the error that ended the watch (e.g. 1025 when its transaction was reset,
    1101 after ``cancel()``).
    """

    __slots__ = ("_future", "_registry", "key", "seen")

    def __init__(self, registry: WatchRegistry, key: bytes, seen: bytes | None) -> None:
        self._registry = registry
        self._future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.key = key
        self.seen = seen

    def __await__(self) -> Generator[Any, None, None]:
        return self._future.__await__()

    def done(self) -> bool:
        """Whether the watch fired, failed or was cancelled."""
        return self._future.done()

    def cancel(self) -> None:
        """Stop watching and free the slot; waiters get 1101 ``operation_cancelled``."""
        self._fail(error_for(1101))

    def _fire(self) -> None:
        if not self._future.done():
            self._future.set_result(None)
        self._registry._release(self)

    def _fail(self, error: FoundException) -> None:
        if not self._future.done():
            self._future.set_exception(error)
            # Nobody may be waiting: mark the exception as retrieved to avoid loop warnings.
            self._future.exception()
        self._registry._release(self)


class WatchRegistry:
    """The outstanding watches of one database and the ``max_watches`` limit."""

    def __init__(self, read_latest: Callable[[bytes], bytes | None]) -> None:
        self._read_latest = read_latest
        self._outstanding: set[Watch] = set()
        self._active: dict[bytes, list[Watch]] = {}
        self.max_watches = 10_000

    def __len__(self) -> int:
        return len(self._outstanding)

    @property
    def has_active(self) -> bool:
        """Whether any committed watch waits for a change."""
        return bool(self._active)

    def create(self, key: bytes, seen: bytes | None) -> Watch:
        """A new watch counted against the limit; fails with 1032 past it."""
        watch = Watch(self, key, seen)
        if len(self._outstanding) >= self.max_watches:
            watch._fail(error_for(1032))
            return watch
        self._outstanding.add(watch)
        return watch

    def activate(self, watch: Watch) -> None:
        """Start monitoring (the transaction committed); fire now if the key already changed."""
        if watch.done():
            return
        self._active.setdefault(watch.key, []).append(watch)
        if self._read_latest(watch.key) != watch.seen:
            watch._fire()

    def check(self) -> None:
        """Fire every active watch whose key now differs from what its transaction saw."""
        for key in list(self._active):
            current = self._read_latest(key)
            for watch in list(self._active.get(key, ())):
                if current != watch.seen:
                    watch._fire()

    def fail_all(self, error: FoundException) -> None:
        """Fail every outstanding watch (the database is closing)."""
        for watch in list(self._outstanding):
            watch._fail(error)

    def _release(self, watch: Watch) -> None:
        self._outstanding.discard(watch)
        waiting = self._active.get(watch.key)
        if waiting is not None:
            if watch in waiting:
                waiting.remove(watch)
            if not waiting:
                del self._active[watch.key]
