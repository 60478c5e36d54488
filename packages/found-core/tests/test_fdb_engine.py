"""The FoundationDB engine's wiring, against a stand-in for the ``fdb`` bindings module.

No cluster and no libfdb_c are needed: :class:`FakeTransaction` and friends implement just the
surface of ``fdb.impl`` the engine uses, record every call, and answer reads from a dict. The
loader tests put a fake ``fdb`` module in ``sys.modules``; one test runs the real bindings in a
child process on this machine, where libfdb_c is missing, to check the message against their
own exception.
"""

from __future__ import annotations

import asyncio
import struct
import subprocess
import sys
import threading
import types
from collections.abc import Callable
from typing import Any

import pytest

import found
import found._engines._fdb as loader
from found._engines._fdb import (
    DEFAULT_API_VERSION,
    FoundationDBUnavailable,
    open_fdb,
    select_api_version,
    selected_api_version,
)
from found._engines._fdb_engine import FDBDatabase, FDBTransaction, FDBWatch
from found._error_codes import (
    ConnectionStringInvalid,
    ExactModeWithoutLimits,
    InvalidMutationType,
    InvalidOption,
    InvalidOptionValue,
    NotCommitted,
    OperationCancelled,
    RangeLimitsInvalid,
    TransactionCancelled,
    TransactionTooOld,
)
from found._errors import FoundTypeError, UsageError
from found._interfaces import Database, Transaction
from found._selectors import KeySelector
from found._streaming import (
    STREAMING_MODE_EXACT,
    STREAMING_MODE_ITERATOR,
    STREAMING_MODE_SERIAL,
    STREAMING_MODE_WANT_ALL,
)

# -- the stand-in bindings ---------------------------------------------------------------------


class FDBError(Exception):
    """Stands in for ``fdb.FDBError``."""

    def __init__(self, code: int) -> None:
        super().__init__(code)
        self.code = code


class Ready:
    """A future of the bindings that is already ready (``on_ready`` calls back at once, as
    libfdb_c may for a ready future); ``wait()`` returns itself for Value/Key-style use."""

    def __init__(self, result: Any = None, error: BaseException | None = None) -> None:
        self.result = result
        self.error = error
        self.cancelled = False

    def on_ready(self, callback: Callable[[Any], None]) -> None:
        callback(self)

    def wait(self) -> Any:
        if self.error is not None:
            raise self.error
        return self.result

    @property
    def value(self) -> Any:
        return self.wait()

    def cancel(self) -> None:
        self.cancelled = True


class Pending(Ready):
    """A future that completes only when the test says so, from a thread of its own."""

    def __init__(self) -> None:
        super().__init__()
        self._callback: Callable[[Any], None] | None = None
        self.ready = False

    def on_ready(self, callback: Callable[[Any], None]) -> None:
        self._callback = callback

    def fire(self, result: Any = None, error: BaseException | None = None) -> None:
        self.result, self.error, self.ready = result, error, True
        callback = self._callback
        if callback is not None:
            thread = threading.Thread(target=callback, args=(self,))
            thread.start()
            thread.join()

    def cancel(self) -> None:
        self.cancelled = True
        if not self.ready:
            self.fire(error=FDBError(1101))


class KeyValue:
    """The bindings' KeyValue: ``.key`` and ``.value``."""

    def __init__(self, key: bytes, value: bytes) -> None:
        self.key = key
        self.value = value


class FakeOptions:
    """Generated option setters of the bindings, recording (name, argument)."""

    def __init__(self, log: list[tuple[Any, ...]]) -> None:
        self._log = log

    def _int(self, name: str, value: Any) -> None:
        struct.pack("<q", value)  # what option_wrap_int does; refuses non-integers
        if value < 0 and name != "retry_limit":
            raise FDBError(2006)
        self._log.append(("option", name, value))

    def set_timeout(self, milliseconds: Any) -> None:
        self._int("timeout", milliseconds)

    def set_retry_limit(self, retries: Any) -> None:
        self._int("retry_limit", retries)

    def set_priority_batch(self) -> None:
        self._log.append(("option", "priority_batch", None))

    def set_transaction_timeout(self, milliseconds: Any) -> None:
        self._int("transaction_timeout", milliseconds)


class FakeReader:
    """The read half of the bindings' transaction (``TransactionRead``); ``snapshot`` flags
    the view ``tr.snapshot``."""

    def __init__(self, tr: FakeTransaction, snapshot: bool) -> None:
        self._tr = tr
        self._snapshot = snapshot

    def _log(self, *entry: Any) -> None:
        self._tr.log.append(("snapshot", *entry) if self._snapshot else entry)

    def get(self, key: bytes) -> Ready:
        self._log("get", key)
        error = self._tr.read_errors.pop(0) if self._tr.read_errors else None
        return Ready(self._tr.data.get(key), error)

    def get_key(self, selector: Any) -> Ready:
        self._log("get_key", selector.key, selector.or_equal, selector.offset)
        keys = sorted(self._tr.data)
        after = [k for k in keys if (k > selector.key if selector.or_equal else k >= selector.key)]
        return Ready(after[0] if after else b"\xff")

    def get_read_version(self) -> Ready:
        self._log("get_read_version")
        return Ready(1234)

    def _get_range(
        self, begin: Any, end: Any, limit: int, mode: int, iteration: int, reverse: bool
    ) -> Ready:
        self._log("_get_range", begin, end, limit, mode, iteration, reverse)
        tr = self._tr
        if iteration > 1 and tr.hold_later_batches:
            pending = Pending()
            tr.held.append(pending)
            return pending

        def inside(key: bytes) -> bool:
            # Only first_greater_or_equal / first_greater_than selectors are used here.
            low: bool = key > begin.key if begin.or_equal else key >= begin.key
            high: bool = key <= end.key if end.or_equal else key < end.key
            return low and high

        keys = sorted((k for k in tr.data if inside(k)), reverse=reverse)
        size = tr.batch if limit == 0 else min(tr.batch, limit)
        rows = [KeyValue(k, tr.data[k]) for k in keys[:size]]
        return Ready((rows, len(rows), len(keys) > size))


class FakeTransaction(FakeReader):
    """The bindings' ``Transaction``, recording writes and answering reads from ``data``."""

    def __init__(self, data: dict[bytes, bytes], log: list[tuple[Any, ...]]) -> None:
        super().__init__(self, False)
        self.data = data
        self.log = log
        self.options = FakeOptions(log)
        self.snapshot = FakeReader(self, True)
        self.batch = 2
        self.hold_later_batches = False
        self.held: list[Pending] = []
        self.read_errors: list[BaseException] = []
        self.commit_errors: list[BaseException] = []
        self.watches: list[Pending] = []
        self.stamp_error: BaseException | None = None

    def set(self, key: bytes, value: bytes) -> None:
        self.log.append(("set", key, value))

    def clear(self, key: bytes) -> None:
        self.log.append(("clear", key))

    def clear_range(self, begin: bytes, end: bytes) -> None:
        self.log.append(("clear_range", begin, end))

    def _atomic_operation(self, opcode: int, key: bytes, param: bytes) -> None:
        self.log.append(("atomic", opcode, key, param))

    def add_read_conflict_range(self, begin: bytes, end: bytes) -> None:
        if begin > end:
            raise FDBError(2005)
        self.log.append(("read_conflict", begin, end))

    def add_write_conflict_range(self, begin: bytes, end: bytes) -> None:
        self.log.append(("write_conflict", begin, end))

    def set_read_version(self, version: int) -> None:
        self.log.append(("set_read_version", version))

    def get_committed_version(self) -> int:
        return 987

    def get_versionstamp(self) -> Ready:
        if self.stamp_error is not None:
            return Ready(None, self.stamp_error)
        return Ready(b"\x00\x00\x00\x00\x00\x00\x03\xdb\x00\x01")

    def get_approximate_size(self) -> Ready:
        return Ready(321)

    def watch(self, key: bytes) -> Pending:
        self.log.append(("watch", key))
        pending = Pending()
        self.watches.append(pending)
        return pending

    def commit(self) -> Ready:
        self.log.append(("commit",))
        error = self.commit_errors.pop(0) if self.commit_errors else None
        return Ready(None, error)

    def on_error(self, code: int) -> Ready:
        self.log.append(("on_error", code))
        return Ready(None, None if code in (1020, 1007) else FDBError(code))

    def reset(self) -> None:
        self.log.append(("reset",))

    def cancel(self) -> None:
        self.log.append(("cancel",))


class FakeDatabaseHandle:
    """The bindings' ``Database``: hands out recording transactions."""

    def __init__(self, data: dict[bytes, bytes] | None = None) -> None:
        self.data: dict[bytes, bytes] = {} if data is None else data
        self.log: list[tuple[Any, ...]] = []
        self.options = FakeOptions(self.log)
        self.transactions: list[FakeTransaction] = []

    def create_transaction(self) -> FakeTransaction:
        tr = FakeTransaction(self.data, self.log)
        self.transactions.append(tr)
        return tr


def make_db(data: dict[bytes, bytes] | None = None) -> tuple[FDBDatabase, FakeDatabaseHandle]:
    handle = FakeDatabaseHandle(data)
    return FDBDatabase(types.SimpleNamespace(), handle, "fdb://test.cluster"), handle


DATA = {b"k%d" % i: b"v%d" % i for i in range(1, 6)}


# -- transactions --------------------------------------------------------------------------------


def test_engine_objects_satisfy_founds_protocols() -> None:
    """FDBDatabase and FDBTransaction (and its snapshot view) pass the runtime protocol checks."""
    db, _ = make_db()
    tx = db.create_transaction()
    assert isinstance(db, Database)
    assert isinstance(tx, Transaction)
    assert isinstance(tx.snapshot, Transaction)
    assert not isinstance(db, Transaction)
    assert db.engine == "fdb"
    assert tx.snapshot.is_snapshot
    assert not tx.is_snapshot
    assert tx.snapshot.snapshot is tx.snapshot


async def test_get_set_commit_flow_goes_to_the_bindings() -> None:
    """found.transactional reads, writes and commits through the bindings' transaction."""
    db, handle = make_db({b"a": b"1"})

    async def work(tx: Any) -> bytes | None:
        found.set(tx, b"b", b"2")
        found.clear(tx, b"c")
        found.clear(tx, b"d", b"e")
        return await found.get(tx, b"a")

    assert await found.transactional(db, work) == b"1"
    assert handle.log == [
        ("set", b"b", b"2"),
        ("clear", b"c"),
        ("clear_range", b"d", b"e"),
        ("get", b"a"),
        ("commit",),
    ]


async def test_absent_key_reads_as_none() -> None:
    """A Value future with no value gives None."""
    db, _ = make_db()
    assert await found.transactional(db, found.get, b"missing") is None


async def test_snapshot_view_reads_through_the_bindings_snapshot() -> None:
    """tx.snapshot reads with tr.snapshot and refuses writes."""
    db, handle = make_db({b"a": b"1"})
    tx = db.create_transaction()
    assert await tx.snapshot.get(b"a") == b"1"
    assert await tx.snapshot.get_key(found.gte(b"a")) == b"a"
    assert handle.log == [("snapshot", "get", b"a"), ("snapshot", "get_key", b"a", False, 1)]
    with pytest.raises(UsageError, match="snapshot"):
        tx.snapshot.set(b"a", b"2")
    with pytest.raises(UsageError, match="snapshot"):
        found.add(tx.snapshot, b"a", b"\x01")


async def test_range_requests_the_next_batch_before_yielding_rows() -> None:
    """Pipelining: batch n+1 is requested before the rows of batch n are handed out."""
    db, handle = make_db(DATA)
    tx = db.create_transaction()
    events: list[Any] = []
    async for key, value in tx.get_range(b"k", b"l"):
        handle.log.append(("row", key))
        assert value == DATA[key]
    for entry in handle.log:
        events.append(("request", entry[5]) if entry[0] == "_get_range" else entry)
    assert events == [
        ("request", 1),
        ("request", 2),
        ("row", b"k1"),
        ("row", b"k2"),
        ("request", 3),
        ("row", b"k3"),
        ("row", b"k4"),
        ("row", b"k5"),
    ]


async def test_range_continuation_selectors_forward() -> None:
    """Forward: begin becomes first_greater_than(last key); end and mode stay."""
    db, handle = make_db(DATA)
    tx = db.create_transaction()
    rows = [kv async for kv in tx.get_range(b"k", b"l", mode=STREAMING_MODE_SERIAL)]
    assert [k for k, _ in rows] == sorted(DATA)
    calls = [entry[1:] for entry in handle.log if entry[0] == "_get_range"]
    end = KeySelector(b"l", False, 1)
    assert calls == [
        (KeySelector(b"k", False, 1), end, 0, STREAMING_MODE_SERIAL, 1, False),
        (KeySelector(b"k2", True, 1), end, 0, STREAMING_MODE_SERIAL, 2, False),
        (KeySelector(b"k4", True, 1), end, 0, STREAMING_MODE_SERIAL, 3, False),
    ]


async def test_range_continuation_selectors_reverse() -> None:
    """Reverse: end becomes first_greater_or_equal(last key); begin stays."""
    db, handle = make_db(DATA)
    tx = db.create_transaction()
    rows = [kv async for kv in tx.get_range(b"k", b"l", reverse=True)]
    assert [k for k, _ in rows] == sorted(DATA, reverse=True)
    calls = [entry[1:] for entry in handle.log if entry[0] == "_get_range"]
    begin = KeySelector(b"k", False, 1)
    assert calls == [
        (begin, KeySelector(b"l", False, 1), 0, STREAMING_MODE_ITERATOR, 1, True),
        (begin, KeySelector(b"k4", False, 1), 0, STREAMING_MODE_ITERATOR, 2, True),
        (begin, KeySelector(b"k2", False, 1), 0, STREAMING_MODE_ITERATOR, 3, True),
    ]


async def test_range_limit_shrinks_by_delivered_rows_and_stops_when_reached() -> None:
    """limit 3 with batches of 2: the second request asks for 1 row, and there is no third."""
    db, handle = make_db(DATA)
    tx = db.create_transaction()
    rows = [kv async for kv in tx.get_range(b"k", b"l", limit=3)]
    assert [k for k, _ in rows] == [b"k1", b"k2", b"k3"]
    limits = [entry[3] for entry in handle.log if entry[0] == "_get_range"]
    assert limits == [3, 1]


async def test_range_key_selector_bounds_are_passed_as_they_are() -> None:
    """KeySelector bounds reach _get_range unchanged; found.all uses WANT_ALL."""
    db, handle = make_db(DATA)
    tx = db.create_transaction()
    await found.all(tx, found.gt(b"k1"), found.gte(b"k4"))
    first = next(entry for entry in handle.log if entry[0] == "_get_range")
    assert first[1:5] == (found.gt(b"k1"), found.gte(b"k4"), 0, STREAMING_MODE_WANT_ALL)


async def test_exact_mode_fetches_one_batch_at_a_time() -> None:
    """EXACT is not pipelined: the next request comes after the rows were handed out."""
    db, handle = make_db(DATA)
    tx = db.create_transaction()
    async for key, _ in tx.get_range(b"k", b"l", limit=3, mode=STREAMING_MODE_EXACT):
        handle.log.append(("row", key))
    kinds = [entry[0] if entry[0] == "row" else "request" for entry in handle.log]
    assert kinds == ["request", "row", "row", "request", "row"]


async def test_range_argument_errors_match_the_embedded_engines() -> None:
    """EXACT without a limit is 2210, a limit below -1 is 2012, bad types are FoundTypeError."""
    db, _ = make_db(DATA)
    tx = db.create_transaction()
    with pytest.raises(ExactModeWithoutLimits):
        [kv async for kv in tx.get_range(b"a", b"b", mode=STREAMING_MODE_EXACT)]
    with pytest.raises(RangeLimitsInvalid):
        [kv async for kv in tx.get_range(b"a", b"b", limit=-2)]
    with pytest.raises(FoundTypeError):
        [kv async for kv in tx.get_range("a", b"b")]  # type: ignore[arg-type]


async def test_stopping_a_range_read_early_cancels_the_prefetched_batch() -> None:
    """Closing the iterator cancels the batch it had requested in advance."""
    db, handle = make_db(DATA)
    tx = db.create_transaction()
    handle.transactions[0].hold_later_batches = True
    rows = tx.get_range(b"k", b"l")
    assert await rows.__anext__() == (b"k1", b"v1")
    await rows.aclose()  # type: ignore[attr-defined]
    await asyncio.sleep(0)  # the cancellation reaches the bindings from a loop callback
    held = handle.transactions[0].held
    assert len(held) == 1
    assert held[0].cancelled


async def test_fdb_errors_of_reads_and_commit_become_found_classes() -> None:
    """A read failing with 1007 raises TransactionTooOld; a failed commit, NotCommitted."""
    db, handle = make_db({b"a": b"1"})
    tx = db.create_transaction()
    handle.transactions[0].read_errors.append(FDBError(1007))
    with pytest.raises(TransactionTooOld):
        await tx.get(b"a")
    handle.transactions[0].commit_errors.append(FDBError(1020))
    with pytest.raises(NotCommitted):
        await tx.commit()


async def test_transactional_retries_through_the_bindings_on_error() -> None:
    """A conflict at commit goes through tr.on_error(1020) and the function runs again."""
    db, handle = make_db()
    runs: list[int] = []

    async def work(tx: Any) -> None:
        runs.append(1)
        if len(runs) == 1:
            handle.transactions[0].commit_errors.append(FDBError(1020))
        found.set(tx, b"a", b"1")

    await found.transactional(db, work)
    assert len(runs) == 2
    assert ("on_error", 1020) in handle.log
    assert handle.log.count(("commit",)) == 2


async def test_on_error_raises_the_callers_error_when_not_retryable() -> None:
    """Non-retryable: the very exception passed in is raised; other exceptions pass through."""
    db, handle = make_db()
    tx = db.create_transaction()
    cancelled = TransactionCancelled()
    with pytest.raises(TransactionCancelled) as caught:
        await tx.on_error(cancelled)
    assert caught.value is cancelled
    await tx.on_error(1007)
    await tx.on_error(FDBError(1020))
    with pytest.raises(OperationCancelled):
        await tx.on_error(1101)
    with pytest.raises(KeyError):
        await tx.on_error(KeyError("mine"))
    assert [e for e in handle.log if e[0] == "on_error"] == [
        ("on_error", 1025),
        ("on_error", 1007),
        ("on_error", 1020),
        ("on_error", 1101),
    ]


async def test_options_are_forwarded_to_the_bindings() -> None:
    """set_<name> and set(name, value) reach tr.options; errors become found's classes."""
    db, handle = make_db()
    tx = db.create_transaction()
    tx.options.set_timeout(500)
    tx.options.set("retry_limit", 3)
    tx.options.set("priority_batch")
    db.options.set_transaction_timeout(2000)
    assert handle.log == [
        ("option", "timeout", 500),
        ("option", "retry_limit", 3),
        ("option", "priority_batch", None),
        ("option", "transaction_timeout", 2000),
    ]
    with pytest.raises(InvalidOption):
        tx.options.set("no_such_option", 1)
    with pytest.raises(InvalidOptionValue):
        tx.options.set_timeout(-5)
    with pytest.raises(FoundTypeError, match="timeout"):
        tx.options.set_timeout("soon")
    with pytest.raises(AttributeError):
        tx.options.set_no_such_option()


async def test_transactional_options_reach_the_bindings() -> None:
    """found.transactional's retry_limit and timeout become tr.options calls."""
    db, handle = make_db()
    await found.transactional(db, found.set, b"a", b"1", retry_limit=4, timeout=1.5)
    assert handle.log[:2] == [("option", "retry_limit", 4), ("option", "timeout", 1500)]


async def test_atomic_operations_use_the_bindings_opcodes() -> None:
    """found.add & co. pass FoundationDB's mutation codes; set/clear codes are refused (2018)."""
    db, handle = make_db()
    tx = db.create_transaction()
    found.add(tx, b"n", b"\x01")
    found.byte_max(tx, b"n", b"z")
    found.set_versionstamped_key(tx, b"key\x00\x00\x00\x00", b"v")
    found.set_versionstamped_value(tx, b"k", b"val\x00\x00\x00\x00")
    assert handle.log == [
        ("atomic", 2, b"n", b"\x01"),
        ("atomic", 17, b"n", b"z"),
        ("atomic", 14, b"key\x00\x00\x00\x00", b"v"),
        ("atomic", 15, b"k", b"val\x00\x00\x00\x00"),
    ]
    with pytest.raises(InvalidMutationType):
        tx.atomic(found.MutationType.SET_VALUE, b"k", b"v")
    with pytest.raises(InvalidMutationType):
        tx.atomic(2, b"k", b"v")  # type: ignore[arg-type]


async def test_conflict_ranges_and_sync_errors() -> None:
    """Conflict ranges go to the bindings; their synchronous FDBError is translated."""
    db, handle = make_db()
    tx = db.create_transaction()
    found.add_read_conflict_key(tx, b"r")
    found.add_write_conflict_range(tx, b"w", b"x")
    assert handle.log == [("read_conflict", b"r", b"r\x00"), ("write_conflict", b"w", b"x")]
    with pytest.raises(found.InvertedRange):
        found.add_read_conflict_range(tx, b"z", b"a")


async def test_versions_size_and_versionstamp() -> None:
    """Read version, committed version, size and versionstamp come from the bindings."""
    db, handle = make_db()
    tx = db.create_transaction()
    stamp = found.get_versionstamp(tx)
    assert isinstance(stamp, asyncio.Future)
    assert await stamp == b"\x00\x00\x00\x00\x00\x00\x03\xdb\x00\x01"
    assert await found.read_version(tx) == 1234
    assert found.get_committed_version(tx) == 987
    assert await found.get_approximate_size(tx) == 321
    found.set_read_version(tx, 55)
    tx.reset()
    tx.cancel()
    assert handle.log[-3:] == [("set_read_version", 55), ("reset",), ("cancel",)]
    with pytest.raises(FoundTypeError):
        found.set_read_version(tx, "55")  # type: ignore[arg-type]


async def test_versionstamp_failure_is_a_found_error() -> None:
    """A versionstamp future failing with 2021 (read-only commit) raises NoCommitVersion."""
    db, handle = make_db()
    tx = db.create_transaction()
    handle.transactions[0].stamp_error = FDBError(2021)
    stamp = tx.get_versionstamp()
    with pytest.raises(found.NoCommitVersion):
        await settle(stamp)


async def test_snapshot_range_reads_use_the_bindings_snapshot() -> None:
    """tx.snapshot.get_range goes through tr.snapshot._get_range."""
    db, handle = make_db(DATA)
    tx = db.create_transaction()
    rows = [kv async for kv in tx.snapshot.get_range(b"k", b"k3")]
    assert rows == [(b"k1", b"v1"), (b"k2", b"v2")]
    assert [entry[:2] for entry in handle.log] == [("snapshot", "_get_range")]


async def test_wrong_key_types_are_found_type_errors() -> None:
    """Keys and values must be bytes before anything reaches the bindings."""
    db, handle = make_db()
    tx = db.create_transaction()
    with pytest.raises(FoundTypeError):
        tx.set("a", b"1")  # type: ignore[arg-type]
    with pytest.raises(FoundTypeError):
        tx.set(b"a", "1")  # type: ignore[arg-type]
    with pytest.raises(FoundTypeError):
        await tx.get(1)  # type: ignore[arg-type]
    with pytest.raises(FoundTypeError):
        await tx.get_key(b"a")  # type: ignore[arg-type]
    assert handle.log == []


async def test_watch_fires_from_the_network_thread() -> None:
    """A watch is awaitable; its completion comes through the bridge."""
    db, handle = make_db()
    tx = db.create_transaction()
    watch = await found.watch(tx, b"w")
    assert isinstance(watch, FDBWatch)
    assert not watch.done()
    handle.transactions[0].watches[0].fire()
    await settle(watch)
    assert watch.done()


async def test_watch_failure_is_a_found_error() -> None:
    """A watch failing with 1025 (its transaction was reset) raises TransactionCancelled."""
    db, handle = make_db()
    tx = db.create_transaction()
    watch = await tx.watch(b"w")
    handle.transactions[0].watches[0].fire(error=FDBError(1025))
    with pytest.raises(TransactionCancelled):
        await settle(watch)


async def test_cancelled_watch_gives_1101_and_cancels_the_fdb_future() -> None:
    """cancel(): waiters get OperationCancelled and the bindings' future is cancelled."""
    db, handle = make_db()
    tx = db.create_transaction()
    watch = await tx.watch(b"w")
    waiter = asyncio.ensure_future(_await(watch))
    await asyncio.sleep(0)
    watch.cancel()
    with pytest.raises(OperationCancelled):
        await settle(waiter)
    assert handle.transactions[0].watches[0].cancelled
    await asyncio.sleep(0)
    assert db._watches == set()  # the slot is free


async def test_closing_the_database_cancels_outstanding_watches() -> None:
    """close() fails pending watches with 1101; afterwards no transaction can be made."""
    db, handle = make_db()
    tx = db.create_transaction()
    watch = await tx.watch(b"w")
    await db.close()
    with pytest.raises(OperationCancelled):
        await settle(watch)
    assert handle.transactions[0].watches[0].cancelled
    with pytest.raises(UsageError, match="closed"):
        db.create_transaction()
    with pytest.raises(UsageError, match="closed"):
        await tx.get(b"a")


async def _await(awaitable: Any) -> Any:
    return await awaitable


async def settle(awaitable: Any) -> Any:
    """Await with a deadline, so that a broken bridge fails the test instead of hanging it."""
    return await asyncio.wait_for(_await(awaitable), 5)


# -- loading the bindings and selecting the API version ------------------------------------------


class FakeFdbModule(types.ModuleType):
    """A stand-in for the ``fdb`` package, before and after ``api_version``."""

    def __init__(
        self,
        header: int = 730,
        failure: BaseException | None = None,
        client_max: int | None = None,
    ) -> None:
        super().__init__("fdb")
        self.LATEST_API_VERSION = header
        self.__version__ = f"{header // 100}.{header // 10 % 10}.99"
        self.failure = failure
        self.selections: list[int] = []
        self.opened: list[str | None] = []
        self.created: list[str | None] = []
        self._version: int | None = None
        capi = types.SimpleNamespace(fdb_get_max_api_version=lambda: client_max)
        self.impl = types.SimpleNamespace(create_database=self._create, _capi=capi)

    def api_version(self, version: int) -> None:
        self.selections.append(version)
        if self.failure is not None:
            raise self.failure
        self._version = version

    def is_api_version_selected(self) -> bool:
        return self._version is not None

    def get_api_version(self) -> int:
        if self._version is None:
            raise RuntimeError("API version is not set")
        return self._version

    def open(self, cluster_file: str | None = None) -> FakeDatabaseHandle:
        self.opened.append(cluster_file)
        return FakeDatabaseHandle()

    def _create(self, cluster_file: str | None = None) -> FakeDatabaseHandle:
        self.created.append(cluster_file)
        return FakeDatabaseHandle()


@pytest.fixture
def fresh_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forget the API version and network state, as in a new process."""
    monkeypatch.setattr(loader, "_selected", None)
    monkeypatch.setattr(loader, "_network_started", False)


def install(monkeypatch: pytest.MonkeyPatch, fake: FakeFdbModule) -> FakeFdbModule:
    monkeypatch.setitem(sys.modules, "fdb", fake)
    return fake


@pytest.mark.usefixtures("fresh_process")
def test_default_api_version_is_730_and_chosen_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first selection uses 730; later calls reuse it without asking the bindings again."""
    fake = install(monkeypatch, FakeFdbModule())
    assert select_api_version() is fake
    assert select_api_version(730) is fake
    assert select_api_version() is fake
    assert fake.selections == [DEFAULT_API_VERSION] == [730]
    assert selected_api_version() == 730


@pytest.mark.usefixtures("fresh_process")
def test_a_conflicting_second_choice_is_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    """After 720 was chosen, asking for 730 names both versions."""
    fake = install(monkeypatch, FakeFdbModule())
    select_api_version(720)
    with pytest.raises(UsageError, match=r"720.*730"):
        select_api_version(730)
    assert fake.selections == [720]


@pytest.mark.usefixtures("fresh_process")
@pytest.mark.parametrize("version", [709, 801, 0, -730])
def test_versions_outside_710_800_are_refused(
    monkeypatch: pytest.MonkeyPatch, version: int
) -> None:
    """Out of range: UsageError naming the range, and the bindings are not asked."""
    fake = install(monkeypatch, FakeFdbModule())
    with pytest.raises(UsageError, match=r"710\.\.800"):
        select_api_version(version)
    assert fake.selections == []
    assert selected_api_version() is None


@pytest.mark.usefixtures("fresh_process")
@pytest.mark.parametrize("version", ["730", 730.0, True])
def test_non_int_versions_are_type_errors(monkeypatch: pytest.MonkeyPatch, version: Any) -> None:
    """A version that is not an int raises FoundTypeError."""
    install(monkeypatch, FakeFdbModule())
    with pytest.raises(FoundTypeError):
        select_api_version(version)


@pytest.mark.usefixtures("fresh_process")
@pytest.mark.parametrize("version", [710, 800])
def test_range_ends_are_accepted(monkeypatch: pytest.MonkeyPatch, version: int) -> None:
    """710 and 800 are valid choices (800 with 8.0 bindings)."""
    fake = install(monkeypatch, FakeFdbModule(header=800))
    select_api_version(version)
    assert fake.selections == [version]


@pytest.mark.usefixtures("fresh_process")
def test_version_set_by_other_code_is_adopted_or_conflicts(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """If fdb.api_version(720) ran already, None adopts 720 and 730 is refused."""
    fake = install(monkeypatch, FakeFdbModule())
    fake.api_version(720)
    with pytest.raises(UsageError, match=r"720.*730"):
        select_api_version(730)
    assert select_api_version() is fake
    assert selected_api_version() == 720
    assert fake.selections == [720]


@pytest.mark.usefixtures("fresh_process")
def test_bindings_too_old_for_the_version_name_both(monkeypatch: pytest.MonkeyPatch) -> None:
    """7.1 bindings (header 710) cannot select 730: the message names 710, 730 and the extras."""
    fake = install(monkeypatch, FakeFdbModule(header=710))
    with pytest.raises(FoundationDBUnavailable) as caught:
        select_api_version(730)
    text = str(caught.value)
    assert "710" in text
    assert "730" in text
    assert "fdb73" in text
    assert fake.selections == []


LIBRARY_MISSING = "Unable to locate the FoundationDB API shared library!"


def _assert_missing_library_text(text: str) -> None:
    assert "libfdb_c" in text
    assert "client package" in text
    assert "memory://" in text
    assert "sqlite://" in text


@pytest.mark.usefixtures("fresh_process")
def test_missing_client_library_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bindings' own 'Unable to locate' exception becomes FoundationDBUnavailable."""
    fake = install(monkeypatch, FakeFdbModule(failure=Exception(LIBRARY_MISSING)))
    with pytest.raises(FoundationDBUnavailable) as caught:
        select_api_version()
    _assert_missing_library_text(str(caught.value))
    assert isinstance(caught.value, UsageError)
    assert selected_api_version() is None
    fake.failure = None  # installing the library later in the process works
    select_api_version()
    assert selected_api_version() == 730


@pytest.mark.usefixtures("fresh_process")
def test_unloadable_client_library_is_reported_the_same_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """ctypes' OSError for a libfdb_c that cannot be loaded counts as a missing library."""
    error = OSError("libfdb_c.so: cannot open shared object file")
    install(monkeypatch, FakeFdbModule(failure=error))
    with pytest.raises(FoundationDBUnavailable) as caught:
        select_api_version()
    _assert_missing_library_text(str(caught.value))


_REAL_BINDINGS_SCRIPT = """
import found._engines._fdb as loader
try:
    loader.select_api_version()
except loader.FoundationDBUnavailable as error:
    print("UNAVAILABLE")
    print(error)
else:
    print("SELECTED")
"""


def test_real_bindings_without_libfdb_c_give_the_install_message() -> None:
    """With the real bindings and no libfdb_c on this machine, found explains what to do.

    It runs in a child process: loading the real bindings changes process-wide state (the
    bindings' API version, ``fdb.six``'s import hook) that other tests must not inherit.
    """
    pytest.importorskip("fdb")
    done = subprocess.run(
        [sys.executable, "-c", _REAL_BINDINGS_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    if done.stdout.startswith("SELECTED"):
        pytest.skip("libfdb_c is installed here: the missing-library path cannot be shown")
    assert done.stdout.startswith("UNAVAILABLE")
    _assert_missing_library_text(done.stdout)
    assert "Unable to locate the FoundationDB API shared library" in done.stdout


@pytest.mark.usefixtures("fresh_process")
def test_bindings_newer_than_the_client_library_name_both_versions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """8.0 bindings with a 7.3 libfdb_c: error 2203 explained with 800 and 730."""
    binding_text = (
        "This version of the FoundationDB Python binding is not supported by the installed "
        "FoundationDB C library. The binding requires a library that supports API version "
        "800, but the installed library supports a maximum version of 730."
    )
    fake = FakeFdbModule(header=800, failure=RuntimeError(binding_text), client_max=730)
    install(monkeypatch, fake)
    with pytest.raises(FoundationDBUnavailable) as caught:
        select_api_version(730)
    text = str(caught.value)
    assert "header API version 800" in text
    assert "at most API version 730" in text
    assert "fdb73" in text
    assert "fdb80" in text
    assert selected_api_version() is None


@pytest.mark.usefixtures("fresh_process")
def test_client_max_version_is_read_from_the_message_when_capi_is_absent(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without fdb.impl._capi the maximum version comes from the bindings' message."""
    binding_text = "... the installed library supports a maximum version of 710."
    fake = FakeFdbModule(header=730, failure=RuntimeError(binding_text))
    fake.impl = types.SimpleNamespace()
    install(monkeypatch, fake)
    with pytest.raises(FoundationDBUnavailable, match="at most API version 710"):
        select_api_version()


@pytest.mark.usefixtures("fresh_process")
def test_version_unsupported_by_a_newer_client_is_explained(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A client that supports the header but not the requested version: that is said."""
    binding_text = "API version 710 is not supported by the installed FoundationDB C library."
    install(
        monkeypatch,
        FakeFdbModule(header=730, failure=RuntimeError(binding_text), client_max=800),
    )
    with pytest.raises(FoundationDBUnavailable, match="API version 710 is not supported"):
        select_api_version(710)


@pytest.mark.usefixtures("fresh_process")
def test_bindings_not_installed_say_which_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    """No fdb module at all: the message names the extras and the embedded engines."""
    monkeypatch.setitem(sys.modules, "fdb", None)
    with pytest.raises(FoundationDBUnavailable) as caught:
        select_api_version()
    text = str(caught.value)
    assert "found-core[fdb73]" in text
    assert "fdb80" in text
    assert "libfdb_c" in text
    assert "memory://" in text


@pytest.mark.usefixtures("fresh_process")
async def test_found_open_selects_the_engine_and_opens_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """fdb://, a cluster file path: FDBDatabase; the first open starts the network (fdb.open),
    later ones get their own handle."""
    fake = install(monkeypatch, FakeFdbModule())
    first = await found.open("fdb:///etc/fdb.cluster")
    second = await found.open("/etc/fdb.cluster")
    third = await found.open("fdb://")
    assert isinstance(first, FDBDatabase)
    assert isinstance(second, FDBDatabase)
    assert first.target == "fdb:///etc/fdb.cluster"
    assert second.target == "fdb:///etc/fdb.cluster"
    assert third.target == "fdb://"
    assert fake.opened == ["/etc/fdb.cluster"]
    assert fake.created == ["/etc/fdb.cluster", None]
    assert first._handle is not second._handle
    assert first.api_version == 730
    with pytest.raises(UsageError, match=r"730.*720"):
        await found.open("fdb://", api_version=720)
    for db in (first, second, third):
        await db.close()


@pytest.mark.usefixtures("fresh_process")
def test_open_errors_of_the_bindings_are_found_classes(monkeypatch: pytest.MonkeyPatch) -> None:
    """An FDBError from fdb.open (a bad cluster file) arrives as found's class."""
    fake = install(monkeypatch, FakeFdbModule())

    def refuse(cluster_file: str | None = None) -> Any:
        raise FDBError(2104)

    fake.open = refuse  # type: ignore[method-assign]
    with pytest.raises(ConnectionStringInvalid):
        open_fdb("/tmp/broken.cluster")
    with pytest.raises(FoundTypeError):
        open_fdb(b"/tmp/x.cluster")  # type: ignore[arg-type]


def test_transaction_repr_names_the_view() -> None:
    """repr shows the target and whether this is the snapshot view."""
    db, _ = make_db()
    tx = db.create_transaction()
    assert repr(tx) == "<FDBTransaction on 'fdb://test.cluster'>"
    assert repr(tx.snapshot) == "<FDBTransaction snapshot on 'fdb://test.cluster'>"
    assert isinstance(tx, FDBTransaction)
