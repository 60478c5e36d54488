"""The FoundationDB engine: found's transaction API over the official ``foundationdb`` bindings.

The bindings do the real work (read-your-writes, conflict ranges, retries and backoff all live in
``libfdb_c``); this module gives them found's shape:

* reads are coroutines, awaited through :mod:`found._engines._bridge`, which hands every
  completion from FoundationDB's network thread to the event loop that asked;
* writes are plain calls on the bindings' transaction (``set``, ``clear``, ``clear_range``,
  ``_atomic_operation``), as in the C API, which buffers them and reports errors later;
* range reads are pipelined: the next batch is requested before the rows of the current one are
  handed out (except in ``EXACT`` mode, which asks for one batch);
* every ``FDBError`` becomes found's class for its code (``NotCommitted`` for 1020, ...);
* ``tx.options`` and ``db.options`` forward ``set_<name>(...)`` to the bindings' options, so every
  option of the installed release is available; ``options.set(name, value)`` sets one by name.

The objects here are made by ``found.open("fdb://...")``; use them through found's functions.

Example::

    >>> import found
    >>> async def greet(db):
    ...     await found.transactional(db, found.set, b"hello", b"world")
    ...     return await found.transactional(db, found.get, b"hello")
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import AsyncIterator, Callable, Generator
from contextlib import suppress
from types import TracebackType
from typing import Any

from found._atomic import MutationType
from found._engines._bridge import is_fdb_error, result_of, to_asyncio, translated, value_of
from found._errors import FoundException, FoundTypeError, UsageError, error_for
from found._selectors import KeySelector
from found._streaming import STREAMING_MODE_EXACT, STREAMING_MODE_ITERATOR

__all__ = ["FDBDatabase", "FDBOptions", "FDBTransaction", "FDBWatch"]

_NOT_ATOMIC = frozenset({MutationType.SET_VALUE, MutationType.CLEAR_RANGE})


def _check_key(key: object, what: str = "key") -> bytes:
    if not isinstance(key, bytes):
        raise FoundTypeError(f"{what} must be bytes, got {type(key).__name__}: {key!r:.80}")
    return key


def _check_value(value: object, what: str = "value") -> bytes:
    if not isinstance(value, bytes):
        raise FoundTypeError(f"{what} must be bytes, got {type(value).__name__}: {value!r:.80}")
    return value


def _selector(bound: object, what: str) -> KeySelector:
    """A range bound as a key selector: a plain key means ``first_greater_or_equal(key)``."""
    if isinstance(bound, KeySelector):
        return bound
    return KeySelector(_check_key(bound, what), False, 1)


class FDBOptions:
    """The options of a FoundationDB transaction (``tx.options``) or database (``db.options``).

    ``set_<name>(...)`` forwards to the bindings' method of that name, so every option of the
    installed FoundationDB release is available (``set_timeout``, ``set_retry_limit``,
    ``set_transaction_timeout``, ...). ``set(name, value)`` sets one by name; an unknown name
    raises :class:`found.InvalidOption` (2007).

    >>> # inside a transaction: tx.options.set_timeout(2000); tx.options.set("retry_limit", 3)
    """

    __slots__ = ("_options", "_scope")

    def __init__(self, options: Any, scope: str) -> None:
        self._options = options
        self._scope = scope

    def _setter(self, name: str) -> Any:
        setter = getattr(self._options, f"set_{name}", None)
        return setter if callable(setter) else None

    @staticmethod
    def _forward(name: str, setter: Any) -> Callable[..., None]:
        def forward(*args: Any) -> None:
            with translated():
                try:
                    setter(*args)
                except (TypeError, struct.error) as error:
                    raise FoundTypeError(f"option {name}: {error}") from error

        forward.__name__ = f"set_{name}"
        forward.__doc__ = getattr(setter, "__doc__", None)
        return forward

    def __getattr__(self, attribute: str) -> Callable[..., None]:
        if attribute.startswith("set_") and len(attribute) > 4:
            setter = self._setter(attribute[4:])
            if setter is not None:
                return self._forward(attribute[4:], setter)
        raise AttributeError(
            f"FoundationDB {self._scope} options have no {attribute!r} in the installed bindings"
        )

    def set(self, name: str, value: int | str | bytes | None = None) -> None:
        """Set an option by its FoundationDB name, e.g. ``tx.options.set("timeout", 500)``.

        An unknown name raises :class:`found.InvalidOption` (2007) at once.
        """
        setter = self._setter(name) if isinstance(name, str) and name else None
        if setter is None:
            raise error_for(2007)
        forward = self._forward(name, setter)
        if value is None:
            forward()
        else:
            forward(value)

    def __repr__(self) -> str:
        return f"<FDBOptions of a {self._scope}>"


class FDBWatch:
    """A pending FoundationDB watch: await it to learn that the key changed; ``cancel()`` to
    give up and free its slot (waiters get 1101 ``operation_cancelled``).

    A watch outlives its transaction; a watch that is neither awaited to the end nor cancelled
    stays registered until it fires or the database is closed.

    >>> async def wait_for_change(db, key):
    ...     watch = await found.transactional(db, found.watch, key)
    ...     await watch
    """

    __slots__ = ("_fdb_future", "_future", "key")

    def __init__(self, fdb_future: Any, key: bytes) -> None:
        self.key = key
        self._fdb_future = fdb_future
        self._future: asyncio.Future[None] = to_asyncio(fdb_future, result_of, quiet=True)

    def __await__(self) -> Generator[Any, None, None]:
        return self._future.__await__()

    def done(self) -> bool:
        """Whether the watch fired, failed or was cancelled."""
        return self._future.done()

    def cancel(self) -> None:
        """Stop watching: waiters get :class:`found.OperationCancelled` (1101)."""
        future = self._future
        if not future.done() and not future.get_loop().is_closed():
            future.set_exception(error_for(1101))
            future.exception()  # nobody may be waiting: mark it retrieved
        with suppress(Exception):  # best effort: cancelling a ready future does nothing
            self._fdb_future.cancel()

    def __repr__(self) -> str:
        state = "done" if self.done() else "pending"
        return f"<FDBWatch {self.key!r:.60} {state}>"


class FDBTransaction:
    """One FoundationDB transaction, or its snapshot view (``tx.snapshot``).

    Use it through found's functions (``found.get(tx, key)``) or its methods, which are named as
    in the official bindings. The snapshot view reads without adding conflicts and refuses
    writes; everything else (commit, options, conflict ranges) acts on the transaction itself.

    >>> async def move(tx, src, dst):
    ...     value = await tx.get(src)
    ...     tx.clear(src)
    ...     tx.set(dst, value)
    """

    __slots__ = ("_reader", "_snapshot", "_tr", "db", "is_snapshot", "options")

    def __init__(
        self,
        db: FDBDatabase,
        tr: Any,
        *,
        snapshot: bool = False,
        options: FDBOptions | None = None,
    ) -> None:
        self.db = db
        self._tr = tr
        self.is_snapshot = snapshot
        self._reader: Any = tr.snapshot if snapshot else tr
        self.options = options if options is not None else FDBOptions(tr.options, "transaction")
        # The view does not point back at this object: no reference cycle keeps the C
        # transaction alive after its last user dropped it (its watches then fail with 1025).
        self._snapshot: FDBTransaction | None = (
            None if snapshot else FDBTransaction(db, tr, snapshot=True, options=self.options)
        )

    @property
    def snapshot(self) -> FDBTransaction:
        """The same transaction, reading without conflicts (snapshot reads)."""
        return self if self._snapshot is None else self._snapshot

    # -- state ---------------------------------------------------------------------------
    def _check_open(self) -> None:
        if self.db._closed:
            raise UsageError("the database is closed")

    def _writer(self) -> Any:
        if self.is_snapshot:
            raise UsageError(
                "writes go through the transaction itself, not its snapshot view (tx.snapshot)"
            )
        return self._tr

    # -- reads ---------------------------------------------------------------------------
    async def get(self, key: bytes) -> bytes | None:
        """The value of ``key``, or None when absent."""
        key = _check_key(key)
        self._check_open()
        with translated():
            pending = self._reader.get(key)
        value: bytes | None = await to_asyncio(pending, value_of)
        return value

    async def get_key(self, selector: KeySelector) -> bytes:
        """Resolve a key selector (``found.gte(key)`` and friends)."""
        if not isinstance(selector, KeySelector):
            raise FoundTypeError(
                f"selector must be a KeySelector (found.gte(...)), got {type(selector).__name__}"
            )
        self._check_open()
        with translated():
            pending = self._reader.get_key(selector)
        key: bytes = await to_asyncio(pending, value_of)
        return key

    def _request(
        self,
        begin: KeySelector,
        end: KeySelector,
        limit: int,
        mode: int,
        iteration: int,
        reverse: bool,
    ) -> asyncio.Future[Any]:
        with translated():
            pending = self._reader._get_range(begin, end, limit, mode, iteration, reverse)
        # quiet: a prefetched batch whose reader stopped early is never awaited.
        return to_asyncio(pending, result_of, quiet=True)

    async def get_range(
        self,
        begin: bytes | KeySelector,
        end: bytes | KeySelector,
        *,
        limit: int = 0,
        reverse: bool = False,
        mode: int = STREAMING_MODE_ITERATOR,
    ) -> AsyncIterator[tuple[bytes, bytes]]:
        """Pairs with ``begin <= key < end`` (keys or selectors), ascending unless ``reverse``;
        at most ``limit`` of them (0: all). The next batch is requested before the pairs of the
        current one are handed out, unless ``mode`` is ``EXACT``."""
        if type(limit) is not int:
            raise FoundTypeError(f"limit must be an int, got {type(limit).__name__}")
        if type(mode) is not int:
            raise FoundTypeError(f"mode must be an int, got {type(mode).__name__}")
        if limit < -1:
            raise error_for(2012)
        limit = max(limit, 0)  # -1 means no limit, as in the C API
        if mode == STREAMING_MODE_EXACT and limit == 0:
            raise error_for(2210)
        begin_sel = _selector(begin, "begin")
        end_sel = _selector(end, "end")
        reverse = bool(reverse)
        self._check_open()
        pipelined = mode != STREAMING_MODE_EXACT
        iteration = 1
        pending: asyncio.Future[Any] | None = self._request(
            begin_sel, end_sel, limit, mode, iteration, reverse
        )
        try:
            while pending is not None:
                rows, count, more = await pending
                pending = None
                if not count:
                    return
                finished = not more or limit == count
                if not finished:
                    # Continue after the last row: the rules of the bindings' FDBRange.
                    iteration += 1
                    if limit > 0:
                        limit -= count
                    last = rows[count - 1].key
                    if reverse:
                        end_sel = KeySelector(last, False, 1)  # first_greater_or_equal
                    else:
                        begin_sel = KeySelector(last, True, 1)  # first_greater_than
                    if pipelined:
                        pending = self._request(begin_sel, end_sel, limit, mode, iteration, reverse)
                for index in range(count):
                    row = rows[index]
                    yield row.key, row.value
                if not finished and pending is None:
                    pending = self._request(begin_sel, end_sel, limit, mode, iteration, reverse)
        finally:
            if pending is not None and not pending.done():
                pending.cancel()

    async def get_read_version(self) -> int:
        """The version this transaction reads at, fetched on first use."""
        with translated():
            pending = self._reader.get_read_version()
        version: int = await to_asyncio(pending, result_of)
        return version

    def set_read_version(self, version: int) -> None:
        """Read the database as of ``version``."""
        if type(version) is not int:
            raise FoundTypeError(f"version must be an int, got {type(version).__name__}")
        with translated():
            self._tr.set_read_version(version)

    def get_committed_version(self) -> int:
        """The commit version after a successful read-write commit, else -1."""
        with translated():
            return int(self._tr.get_committed_version())

    def get_versionstamp(self) -> asyncio.Future[bytes]:
        """A future of the 10-byte versionstamp of this transaction's commit: call it before
        ``commit``, await it after."""
        with translated():
            pending = self._tr.get_versionstamp()
        return to_asyncio(pending, value_of, quiet=True)

    async def get_approximate_size(self) -> int:
        """An estimate of the transaction's size in bytes, as counted against its limit."""
        with translated():
            pending = self._tr.get_approximate_size()
        size: int = await to_asyncio(pending, result_of)
        return size

    async def watch(self, key: bytes) -> FDBWatch:
        """Watch ``key``: the returned :class:`FDBWatch` fires, after this transaction commits,
        once the key's value differs from the one this transaction sees. Errors (1034, 2017,
        ...) surface when the watch is awaited."""
        key = _check_key(key)
        self._check_open()
        with translated():
            pending = self._tr.watch(key)
        watch = FDBWatch(pending, key)
        self.db._track(watch)
        return watch

    # -- writes --------------------------------------------------------------------------
    def set(self, key: bytes, value: bytes) -> None:
        """Buffer ``key = value``."""
        key = _check_key(key)
        value = _check_value(value)
        tr = self._writer()
        with translated():
            tr.set(key, value)

    def clear(self, key: bytes) -> None:
        """Buffer the removal of ``key``."""
        key = _check_key(key)
        tr = self._writer()
        with translated():
            tr.clear(key)

    def clear_range(self, begin: bytes, end: bytes) -> None:
        """Buffer the removal of every key in ``[begin, end)``."""
        begin = _check_key(begin, "begin")
        end = _check_key(end, "end")
        tr = self._writer()
        with translated():
            tr.clear_range(begin, end)

    def _mutate(self, op: MutationType, key: bytes, param: bytes) -> None:
        tr = self._writer()
        with translated():
            tr._atomic_operation(int(op), key, param)

    def atomic(self, op: MutationType, key: bytes, param: bytes) -> None:
        """Buffer an atomic operation (``add``, ``max``, ...); see :class:`found.MutationType`."""
        key = _check_key(key)
        param = _check_value(param, "param")
        if not isinstance(op, MutationType) or op in _NOT_ATOMIC:
            raise error_for(2018)
        self._mutate(op, key, param)

    def set_versionstamped_key(self, key: bytes, value: bytes) -> None:
        """Write ``value`` at ``key`` with 10 bytes of the key replaced by the versionstamp."""
        self._mutate(MutationType.SET_VERSIONSTAMPED_KEY, _check_key(key), _check_value(value))

    def set_versionstamped_value(self, key: bytes, value: bytes) -> None:
        """Write ``value`` at ``key`` with 10 bytes of the value replaced by the versionstamp."""
        self._mutate(MutationType.SET_VERSIONSTAMPED_VALUE, _check_key(key), _check_value(value))

    # -- conflict ranges -----------------------------------------------------------------
    def add_read_conflict_range(self, begin: bytes, end: bytes) -> None:
        """Make the commit fail (1020) if another commit writes into ``[begin, end)``."""
        begin = _check_key(begin, "begin")
        end = _check_key(end, "end")
        with translated():
            self._tr.add_read_conflict_range(begin, end)

    def add_read_conflict_key(self, key: bytes) -> None:
        """``add_read_conflict_range(key, key + b'\\x00')``."""
        key = _check_key(key)
        self.add_read_conflict_range(key, key + b"\x00")

    def add_write_conflict_range(self, begin: bytes, end: bytes) -> None:
        """Make transactions that read ``[begin, end)`` conflict with this one."""
        begin = _check_key(begin, "begin")
        end = _check_key(end, "end")
        with translated():
            self._tr.add_write_conflict_range(begin, end)

    def add_write_conflict_key(self, key: bytes) -> None:
        """``add_write_conflict_range(key, key + b'\\x00')``."""
        key = _check_key(key)
        self.add_write_conflict_range(key, key + b"\x00")

    # -- commit and retries --------------------------------------------------------------
    async def commit(self) -> None:
        """Commit: apply every buffered write atomically, or raise (1020 on a conflict)."""
        self._check_open()
        with translated():
            pending = self._tr.commit()
        await to_asyncio(pending, result_of)

    async def on_error(self, error: BaseException | int) -> None:
        """Back off and reset when ``error`` is retryable, else raise it (FoundationDB's
        ``on_error``). Anything that is not a FoundationDB error is raised again unchanged."""
        if isinstance(error, bool) or not isinstance(error, (int, BaseException)):
            raise FoundTypeError(
                f"on_error takes an exception or an error code, got {type(error).__name__}"
            )
        if isinstance(error, int):
            code = error
        elif isinstance(error, FoundException):
            code = error.code
        elif is_fdb_error(error):
            code = error.code  # type: ignore[attr-defined]
        else:
            raise error
        with translated():
            pending = self._tr.on_error(code)
        failure: FoundException | None = None
        try:
            await to_asyncio(pending, result_of)
        except FoundException as raised:
            failure = raised
        if failure is None:
            return
        if isinstance(error, FoundException) and failure.code == error.code:
            raise error  # the caller's own exception, with its traceback
        raise failure

    def reset(self) -> None:
        """Forget everything: as if this were a new transaction."""
        with translated():
            self._tr.reset()

    def cancel(self) -> None:
        """Cancel: every later operation but ``reset`` fails with 1025."""
        with translated():
            self._tr.cancel()

    def __repr__(self) -> str:
        view = " snapshot" if self.is_snapshot else ""
        return f"<FDBTransaction{view} on {self.db.target!r}>"


class FDBDatabase:
    """A FoundationDB database, made by ``found.open("fdb://CLUSTER_FILE")``.

    Close it with ``await db.close()`` or use it as ``async with``; closing cancels the
    database's outstanding watches (1101).

    >>> async def main():
    ...     async with await found.open("fdb://") as db:
    ...         return await found.transactional(db, found.get, b"hello")
    """

    def __init__(self, fdb: Any, handle: Any, target: str) -> None:
        self._fdb = fdb
        self._handle = handle
        self.target = target
        self.options = FDBOptions(handle.options, "database")
        self._watches: set[FDBWatch] = set()
        self._closed = False

    @property
    def engine(self) -> str:
        """The engine's name: ``"fdb"``."""
        return "fdb"

    @property
    def api_version(self) -> int | None:
        """The FoundationDB API version selected in this process."""
        from found._engines._fdb import selected_api_version

        return selected_api_version()

    def create_transaction(self) -> FDBTransaction:
        """A new transaction (prefer ``found.transactional``, which also retries)."""
        if self._closed:
            raise UsageError("the database is closed")
        with translated():
            tr = self._handle.create_transaction()
        return FDBTransaction(self, tr)

    def _track(self, watch: FDBWatch) -> None:
        self._watches.add(watch)
        # The callback list is cleared once the future settles, which breaks the cycle.
        watch._future.add_done_callback(lambda _: self._watches.discard(watch))

    async def close(self) -> None:
        """Close the database; its outstanding watches fail with 1101 ``operation_cancelled``."""
        if self._closed:
            return
        self._closed = True
        watches, self._watches = list(self._watches), set()
        for watch in watches:
            watch.cancel()

    async def __aenter__(self) -> FDBDatabase:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"<FDBDatabase {self.target!r}>"
