"""The futures bridge of the FoundationDB engine, driven by a stand-in for the bindings' futures.

No libfdb_c is needed: :class:`StandInFuture` behaves as ``fdb.impl.Future`` does for the bridge
(``on_ready(cb)`` calls ``cb(future)`` once the future is ready, at once when it already is;
``wait()`` returns the value or raises ``FDBError``; ``cancel()``), and a plain thread plays
FoundationDB's network thread.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

import pytest

from found._engines._bridge import (
    found_error,
    is_fdb_error,
    result_of,
    to_asyncio,
    translated,
    value_of,
)
from found._error_codes import NotCommitted, OperationCancelled, TransactionTooOld
from found._errors import FoundException, UsageError


class FDBError(Exception):
    """Stands in for ``fdb.FDBError``: an exception of that name with an integer ``code``."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class StandInFuture:
    """A future of the bindings: completed later, possibly from another thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._callback: Callable[[Any], None] | None = None
        self._ready = False
        self.value: Any = None
        self.error: BaseException | None = None
        self.cancel_calls = 0
        self.wait_threads: list[int] = []
        self.callback_threads: list[int] = []

    def on_ready(self, callback: Callable[[Any], None]) -> None:
        with self._lock:
            if not self._ready:
                self._callback = callback
                return
        self._fire(callback)  # already ready: called at once, on the calling thread

    def _fire(self, callback: Callable[[Any], None]) -> None:
        self.callback_threads.append(threading.get_ident())
        callback(self)

    def complete(self, value: Any = None, error: BaseException | None = None) -> None:
        """Make the future ready and run its callback on the current thread (at most once)."""
        with self._lock:
            if self._ready:
                return
            self._ready = True
            self.value, self.error = value, error
            callback, self._callback = self._callback, None
        if callback is not None:
            self._fire(callback)

    def complete_from_thread(
        self, value: Any = None, error: BaseException | None = None
    ) -> list[BaseException]:
        """Complete on a separate thread; return what was raised there (must stay empty)."""
        raised: list[BaseException] = []

        def run() -> None:
            try:
                self.complete(value, error)
            except BaseException as exc:  # the network thread must never see one
                raised.append(exc)

        thread = threading.Thread(target=run, name="stand-in fdb network thread")
        thread.start()
        thread.join()
        return raised

    def wait(self) -> Any:
        self.wait_threads.append(threading.get_ident())
        if not self._ready:
            raise AssertionError("wait() would block: the future is not ready")
        if self.error is not None:
            raise self.error
        return self.value

    def cancel(self) -> None:
        self.cancel_calls += 1


class StandInNetwork:
    """One long-lived thread completing futures in order, like FoundationDB's network thread."""

    def __init__(self) -> None:
        self._jobs: queue.Queue[tuple[StandInFuture, Any] | None] = queue.Queue()
        self.raised: list[BaseException] = []
        self.thread = threading.Thread(target=self._run, name="stand-in network", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while (job := self._jobs.get()) is not None:
            try:
                job[0].complete(job[1])
            except BaseException as exc:
                self.raised.append(exc)

    def complete_later(self, future: StandInFuture, value: Any) -> None:
        self._jobs.put((future, value))

    def stop(self) -> None:
        self._jobs.put(None)
        self.thread.join()


async def settle(awaitable: Any) -> Any:
    """Await with a deadline, so that a broken bridge fails the test instead of hanging it."""
    return await asyncio.wait_for(awaitable, 5)


async def test_result_arrives_through_the_loop() -> None:
    """A value completed on another thread is the awaited result."""
    fdb_future = StandInFuture()
    future = to_asyncio(fdb_future, result_of)
    assert fdb_future.complete_from_thread(42) == []
    assert await settle(future) == 42


async def test_value_futures_decode_their_value() -> None:
    """value_of reads ``.value`` after ``wait()``, as for the bindings' Value and Key futures."""

    class ValueFuture(StandInFuture):
        def wait(self) -> Any:
            super().wait()
            return self

    fdb_future = ValueFuture()
    future = to_asyncio(fdb_future, value_of)
    fdb_future.complete(b"stored")
    assert await settle(future) == b"stored"


async def test_fdb_error_becomes_found_class_for_its_code() -> None:
    """FDBError(1020) raised by wait() arrives as found's NotCommitted, original as cause."""
    fdb_future = StandInFuture()
    future = to_asyncio(fdb_future, result_of)
    original = FDBError(1020)
    assert fdb_future.complete_from_thread(error=original) == []
    with pytest.raises(NotCommitted) as caught:
        await settle(future)
    assert caught.value.code == 1020
    assert caught.value.__cause__ is original


async def test_other_exceptions_pass_through_unchanged() -> None:
    """An exception that is not an FDBError is delivered as it is."""
    fdb_future = StandInFuture()
    future = to_asyncio(fdb_future, result_of)
    fdb_future.complete(error=KeyError("x"))
    with pytest.raises(KeyError):
        await settle(future)


async def test_wait_and_decoding_run_on_the_loop_thread() -> None:
    """The network thread only schedules; wait() and decode run on the event loop's thread."""
    fdb_future = StandInFuture()
    decode_threads: list[int] = []

    def decode(f: Any) -> Any:
        decode_threads.append(threading.get_ident())
        return f.wait() * 2

    future = to_asyncio(fdb_future, decode)
    assert fdb_future.complete_from_thread(21) == []
    assert await settle(future) == 42
    loop_thread = threading.get_ident()
    assert fdb_future.callback_threads
    assert fdb_future.callback_threads[0] != loop_thread
    assert decode_threads == [loop_thread]
    assert fdb_future.wait_threads == [loop_thread]


async def test_future_ready_before_on_ready_is_still_delivered_by_the_loop() -> None:
    """A callback made at once on the loop thread (future already ready) still works."""
    fdb_future = StandInFuture()
    fdb_future.complete(7)
    future = to_asyncio(fdb_future, result_of)
    assert fdb_future.wait_threads == []  # nothing decoded inside on_ready
    assert await settle(future) == 7


async def test_cancelling_the_waiting_task_cancels_the_fdb_future() -> None:
    """A cancelled waiter cancels the FoundationDB future; the late completion is ignored."""
    fdb_future = StandInFuture()

    async def waiter() -> Any:
        return await to_asyncio(fdb_future, result_of)

    task = asyncio.create_task(waiter())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await settle(task)
    assert fdb_future.cancel_calls == 1
    assert fdb_future.complete_from_thread(error=FDBError(1101)) == []
    for _ in range(3):
        await asyncio.sleep(0)
    assert fdb_future.wait_threads == []  # the cancelled future was left alone


async def test_completion_after_cancellation_is_ignored() -> None:
    """A value arriving after the asyncio future was cancelled changes nothing."""
    fdb_future = StandInFuture()
    future = to_asyncio(fdb_future, result_of)
    future.cancel()
    await asyncio.sleep(0)
    assert fdb_future.complete_from_thread(5) == []
    await asyncio.sleep(0)
    assert future.cancelled()
    assert fdb_future.cancel_calls == 1


def test_completion_after_the_loop_closed_is_dropped_silently() -> None:
    """A callback arriving once asyncio.run has closed its loop raises nothing on its thread."""
    futures: list[StandInFuture] = []

    async def start_and_leave() -> None:
        fdb_future = StandInFuture()
        futures.append(fdb_future)
        to_asyncio(fdb_future, result_of)

    asyncio.run(start_and_leave())
    assert futures[0].complete_from_thread(1) == []
    assert futures[0].wait_threads == []


def test_one_network_thread_serves_successive_event_loops() -> None:
    """Two asyncio.run calls, one after the other, are both served by the same thread."""
    network = StandInNetwork()
    loops: list[asyncio.AbstractEventLoop] = []

    async def read(value: int) -> Any:
        loops.append(asyncio.get_running_loop())
        fdb_future = StandInFuture()
        future = to_asyncio(fdb_future, result_of)
        network.complete_later(fdb_future, value)
        return await settle(future)

    try:
        assert asyncio.run(read(1)) == 1
        assert asyncio.run(read(2)) == 2
    finally:
        network.stop()
    assert loops[0] is not loops[1]
    assert network.raised == []


async def test_many_concurrent_futures_each_get_their_own_value() -> None:
    """Futures completed out of order from the network thread reach their own waiters."""
    network = StandInNetwork()
    try:
        pairs = [(StandInFuture(), n) for n in range(50)]
        futures = [to_asyncio(f, result_of) for f, _ in pairs]
        for fdb_future, value in reversed(pairs):
            network.complete_later(fdb_future, value)
        assert await settle(asyncio.gather(*futures)) == list(range(50))
    finally:
        network.stop()
    assert network.raised == []


def test_quiet_futures_do_not_log_unretrieved_errors(caplog: pytest.LogCaptureFixture) -> None:
    """quiet=True marks a failure as retrieved; without it asyncio would log it."""

    async def fail(quiet: bool) -> None:
        fdb_future = StandInFuture()
        to_asyncio(fdb_future, result_of, quiet=quiet)
        fdb_future.complete(error=FDBError(1025))
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        asyncio.run(fail(quiet=True))
        gc.collect()
    assert "never retrieved" not in caplog.text
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        asyncio.run(fail(quiet=False))
        gc.collect()
    assert "never retrieved" in caplog.text


def test_to_asyncio_outside_an_event_loop_is_a_usage_error() -> None:
    """Without a running loop the bridge says so instead of failing obscurely."""
    with pytest.raises(UsageError, match="event loop"):
        to_asyncio(StandInFuture(), result_of)


def test_translated_maps_synchronous_fdb_errors() -> None:
    """A synchronous FDBError becomes found's class; other exceptions are untouched."""
    with pytest.raises(TransactionTooOld) as caught, translated():
        raise FDBError(1007)
    assert isinstance(caught.value.__cause__, FDBError)
    with pytest.raises(ValueError), translated():
        raise ValueError("not FoundationDB's")


def test_fdb_errors_are_recognised_by_name_and_code() -> None:
    """is_fdb_error wants an FDBError class with an int code; found's own errors are not."""
    assert is_fdb_error(FDBError(1020))
    assert not is_fdb_error(NotCommitted())
    assert not is_fdb_error(ValueError())

    class OtherError(Exception):
        code = 1020

    assert not is_fdb_error(OtherError())
    converted = found_error(FDBError(1101))
    assert isinstance(converted, OperationCancelled)
    unknown = found_error(FDBError(29999))
    assert type(unknown) is FoundException
    assert unknown.code == 29999
