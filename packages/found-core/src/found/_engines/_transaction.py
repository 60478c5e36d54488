"""The client half of a FoundationDB transaction, shared by every embedded engine.

FoundationDB's client library does a lot before the cluster sees anything: it buffers writes,
answers reads of keys the transaction wrote (read-your-writes), records read and write
conflict ranges, checks keys and values against the limits, defers errors of write calls to the
next read or commit, counts retries and backs off, enforces timeouts and cancellation. This
module does the same for the embedded engines, so that their behaviour matches a cluster's
wherever a user could tell the difference. The storage (:mod:`._storage`) only serves
versioned reads and decides commits.

Item numbers in comments (T-11, I-16, ...) refer to the conformance checklist the tests follow.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from found._atomic import MutationType
from found._engines._limits import KEY_SIZE_LIMIT, SYSTEM_KEY_SIZE_LIMIT, VALUE_SIZE_LIMIT
from found._engines._options import TransactionOptions
from found._engines._storage import MVCC_WINDOW, CommitRequest, Mutation
from found._engines._watches import Watch
from found._engines._writes import NO_WRITES, Entry, WriteMap
from found._errors import FoundException, FoundTypeError, UsageError, error_for
from found._selectors import KeySelector
from found._streaming import (
    STREAMING_MODE_EXACT,
    STREAMING_MODE_ITERATOR,
    STREAMING_MODE_WANT_ALL,
    batch_rows,
)

if TYPE_CHECKING:
    from found._engines._database import EmbeddedDatabase

__all__ = ["EmbeddedTransaction", "TransactionOptions"]

# Rows of a WANT_ALL batch: what found.all asks the storage for at once.
_ALL_ROWS = batch_rows(STREAMING_MODE_WANT_ALL, 1, -1)

_MUTATION_OVERHEAD = 48
_CONFLICT_OVERHEAD = 32
_INITIAL_BACKOFF = 0.010


def _check_key(key: object, what: str = "key") -> bytes:
    if not isinstance(key, bytes):
        raise FoundTypeError(f"{what} must be bytes, got {type(key).__name__}: {key!r:.80}")
    return key


def _check_value(value: object, what: str = "value") -> bytes:
    if not isinstance(value, bytes):
        raise FoundTypeError(f"{what} must be bytes, got {type(value).__name__}: {value!r:.80}")
    return value


class _ReadRange:
    """A read conflict range that grows while a range read is consumed.

    ``exclude`` holds the parts this transaction had decided itself when the read started
    (I-16): they are cut out of the range at commit.
    """

    __slots__ = ("begin", "end", "exclude")

    def __init__(self, begin: bytes, end: bytes, exclude: list[tuple[bytes, bytes]]) -> None:
        self.begin = begin
        self.end = end
        self.exclude = exclude

    def pieces(self) -> list[tuple[bytes, bytes]]:
        out: list[tuple[bytes, bytes]] = []
        cursor = self.begin
        for b, e in self.exclude:
            if e <= cursor:
                continue
            if b >= self.end:
                break
            if b > cursor:
                out.append((cursor, b))
            cursor = max(cursor, e)
        if cursor < self.end:
            out.append((cursor, self.end))
        return out


# The attributes EmbeddedTransaction._reset_state puts back to their class values.
_ATTEMPT_SCALARS = (
    "_read_version",
    "_read_version_set",
    "_too_old",
    "_stamped_keys",
    "_deferred",
    "_cancelled",
    "_timed_out",
    "_committing",
    "_committed_version",
    "_size",
    "_touched",
    "_versionstamp",
    "_ryw",
    "_no_write_conflict_next",
    "_bypass_unreadable",
    "_system",
    "_commit_in_flight",
    "_misused_in_commit",
    "_tags",
    "_debug_identifier",
    "_automatic_idempotency",
    "_commit_protection_off",
    "_lock_aware",
    "_read_only",
)


class EmbeddedTransaction:
    """One transaction on an embedded engine (``memory://`` or ``sqlite://``).

    Use it through found's functions (``found.get(tx, key)``) or its methods, which are named as
    in FoundationDB's Python binding. ``tx.snapshot`` is the same transaction seen through
    snapshot reads, which add no read conflicts.
    """

    def __init__(self, db: EmbeddedDatabase, *, _snapshot_of: EmbeddedTransaction | None = None):
        self.db = db
        if _snapshot_of is not None:
            # A snapshot view shares all state with its transaction; only reads differ.
            self.__dict__ = _snapshot_of.__dict__.copy()
            self.is_snapshot = True
            self._parent = _snapshot_of
            return
        self.is_snapshot = False
        self._parent = self
        self._retries = 0
        self._backoff = _INITIAL_BACKOFF
        self._started = time.monotonic()
        self._new_containers()
        self._apply_database_defaults()

    @property
    def options(self) -> TransactionOptions:
        """The transaction's options (``tx.options.set_timeout(2000)``), made on first use."""
        t = self._parent
        options = t._options
        if options is None:
            options = t._options = TransactionOptions(t)
        return options

    # The snapshot view copies __dict__ at creation; state lives on the parent, so every
    # attribute access below goes through self._parent (called `t`).

    @property
    def snapshot(self) -> EmbeddedTransaction:
        """This transaction seen through snapshot reads (made on first use)."""
        if self.is_snapshot:
            return self
        view: EmbeddedTransaction | None = self.__dict__.get("_snapshot_view")
        if view is None:
            view = self._snapshot_view = EmbeddedTransaction(self.db, _snapshot_of=self)
        return view

    # The scalar state of an attempt, at its starting values: a new transaction reads these
    # class attributes until it changes one, and _reset_state puts them back on the instance.
    _read_version: int | None = None
    _read_version_set = False
    _too_old = False
    _stamped_keys = False
    _deferred: FoundException | None = None
    _cancelled = False
    _timed_out = False
    _committing = False
    _committed_version = -1
    _size = 0
    _touched = False
    _versionstamp: asyncio.Future[bytes] | None = None
    _ryw = True
    _no_write_conflict_next = False
    _bypass_unreadable = False
    _system = 0
    _commit_in_flight = False
    _misused_in_commit = False
    _tags: tuple[bytes, ...] = ()
    _debug_identifier = b""
    _automatic_idempotency = False
    _commit_protection_off = False
    _lock_aware = False
    _read_only = False
    _options: TransactionOptions | None = None  # made by the options property, kept on reset
    # Each attempt (a reset or on_error starts a new one) has a number, so that a read still
    # waiting when its attempt ended fails with 1025 instead of leaking into the next.
    _attempt = 0

    def _new_containers(self) -> None:
        self._writes = NO_WRITES  # a map of its own comes with the first write
        self._mutations: list[Mutation | None] = []
        self._point_mutations: dict[bytes, list[int]] = {}
        self._read_conflicts: list[tuple[bytes, bytes]] = []
        # Values point reads fetched at the read version: read again, they need no storage
        # read, so they still work once the version is too old (T-24), as FoundationDB's
        # read-your-writes cache does.
        self._read_cache: dict[bytes, bytes | None] = {}
        self._read_ranges: list[_ReadRange] = []
        self._write_conflicts: list[tuple[bytes, bytes]] = []
        self._watches: list[Watch] = []
        self._attempt += 1

    def _write_map(self) -> WriteMap:
        """This transaction's own write map, made on the first write."""
        t = self._parent
        writes = t._writes
        if writes is NO_WRITES:
            writes = t._writes = WriteMap()
        return writes

    def _reset_state(self) -> None:
        """Start a new attempt: every piece of state back to a new transaction's."""
        cls = EmbeddedTransaction
        for name in _ATTEMPT_SCALARS:
            setattr(self, name, getattr(cls, name))
        self._snapshot_ryw = 0
        self._new_containers()

    def _apply_database_defaults(self) -> None:
        d = self.db.options
        self._timeout = d._timeout
        self._retry_limit = d._retry_limit
        self._max_retry_delay = d._max_retry_delay
        self._size_limit = d._size_limit
        self._snapshot_ryw = d._snapshot_ryw
        if d._automatic_idempotency:
            self._automatic_idempotency = True
        if d._bypass_unreadable:
            self._bypass_unreadable = True
        if d._commit_protection_off:
            self._commit_protection_off = True

    # -- state checks --------------------------------------------------------------------
    def _check_timeout(self) -> None:
        t = self._parent
        if t._timeout and not t._timed_out and time.monotonic() - t._started > t._timeout:
            t._timed_out = True

    def _check_usable(self) -> None:
        """Raise what any read, watch or commit must raise now."""
        t = self._parent
        if t._cancelled:
            raise error_for(1025)
        t._check_timeout()
        if t._timed_out:
            raise error_for(1031)
        if t._committing:
            t._used_during_commit()
            raise error_for(2017)
        if t._deferred is not None:
            raise t._deferred
        if self.db._closed:
            raise UsageError("the database is closed")

    def _nothing_wrong(self) -> bool:
        """Whether :meth:`_check_usable` is sure to pass (no timeout to check, nothing failed):
        the condition of the fast paths."""
        t = self._parent
        return not (
            t._cancelled
            or t._timeout
            or t._timed_out
            or t._committing
            or t._deferred is not None
            or self.db._closed
        )

    async def _take_turn(self) -> None:
        """Give other tasks their turn, then fail if this attempt ended meanwhile."""
        attempt = self._parent._attempt
        await self.db._maybe_yield()
        self._check_still_live(attempt)  # cancelled or reset meanwhile

    def _used_during_commit(self) -> None:
        """An operation was refused with 2017; if the commit is still in flight, it fails too
        (T-11: FoundationDB's used-during-commit protection)."""
        t = self._parent
        if t._commit_in_flight and not t._commit_protection_off:
            t._misused_in_commit = True

    def _check_still_live(self, attempt: int) -> None:
        """After a wait: fail if the attempt was cancelled, reset or timed out meanwhile."""
        t = self._parent
        if t._cancelled or t._attempt != attempt:
            raise error_for(1025)
        t._check_timeout()
        if t._timed_out:
            raise error_for(1031)

    def _defer(self, error: FoundException) -> None:
        t = self._parent
        if t._deferred is None:
            t._deferred = error

    def _writable(self) -> bool:
        """Whether a write call may buffer its mutation (else it is dropped or deferred)."""
        t = self._parent
        if self.is_snapshot:
            raise UsageError(
                "writes go through the transaction itself, not its snapshot view (tx.snapshot)"
            )
        if t._cancelled or t._timed_out:
            return False
        if t._committing:
            t._used_during_commit()
            t._defer(error_for(2017))
            return False
        t._touched = True
        return True

    def _max_key(self) -> bytes:
        return b"\xff\xff" if self._parent._system else b"\xff"

    def _check_read_key(self, key: bytes) -> None:
        if key >= b"\xff" and not self._parent._system and key != b"\xff/metadataVersion":
            raise error_for(2004)
        if key > b"\xff\xff" and self._parent._system:
            raise error_for(2004)

    def _check_write_key(self, key: bytes) -> bool:
        """False (and an error deferred) when ``key`` may not be written."""
        t = self._parent
        if key >= b"\xff" and t._system < 2:
            t._defer(error_for(2004))
            return False
        limit = SYSTEM_KEY_SIZE_LIMIT if key.startswith(b"\xff") else KEY_SIZE_LIMIT
        if len(key) > limit:
            t._defer(error_for(2102))
            return False
        return True

    def _check_param(self, value: bytes) -> bool:
        if len(value) > VALUE_SIZE_LIMIT:
            self._defer(error_for(2103))
            return False
        return True

    # -- versions ------------------------------------------------------------------------
    async def _ensure_read_version(self) -> int:
        t = self._parent
        if t._read_version is None:
            attempt = t._attempt
            await self.db._round_trip("grv")
            self._check_still_live(attempt)
            if t._read_version is None:  # another read of this attempt may have set it
                t._read_version = self.db._read_version()
                # Injected 1007: this attempt grows "too old" and every read of it fails, as
                # when a transaction outlives the five-second window (one roll per attempt,
                # so a transaction of many reads is not doomed by their number).
                testing = self.db.testing
                t._too_old = testing.chance(testing.too_old_rate)
        return t._read_version

    def _quick_read_version(self) -> int | None:
        """The version a storage read may use at once, or None when it must wait.

        Without injected latency or faults, and with no read in flight, the read-version and
        read round trips are counted here, exactly as :meth:`_before_storage_read` counts them,
        without the coroutines that waiting needs: a small read costs a few microseconds, and
        those coroutines were a third of it. The caller must still give other tasks their turn
        (:meth:`EmbeddedDatabase._maybe_yield`) before it reads.
        """
        t = self._parent
        db = self.db
        testing = db.testing
        if (
            testing.read_latency
            or testing.too_old_rate
            or t._too_old
            or t._read_version_set
            or testing._inflight
        ):
            return None
        version = t._read_version
        testing.reads += 1
        t._touched = True
        if version is None:
            testing.round_trips += 2  # the "grv" round trip, then the read's
            version = t._read_version = db._read_version()  # fresh: it cannot be too old
            return version
        testing.round_trips += 1
        if db._storage.now_version() - version > MVCC_WINDOW:
            raise error_for(1007)
        return version

    async def _before_storage_read(self) -> int:
        # A read makes read_your_writes_disable too late, as a write does (T-23).
        self._parent._touched = True
        attempt = self._parent._attempt
        version = await self._ensure_read_version()
        await self.db._round_trip("read")
        self._check_still_live(attempt)  # T-16, T-21: pending reads fail too
        storage = self.db._storage
        if version == 0:  # initialize_new_database: nothing may be read (client_invalid_operation)
            raise error_for(2000)
        if self._parent._too_old or storage.now_version() - version > MVCC_WINDOW:
            raise error_for(1007)
        if self._parent._read_version_set and version > storage.latest_version():
            raise error_for(1009)
        return version

    async def get_read_version(self) -> int:
        """The version this transaction reads at, fetched on first use (T-01, T-04)."""
        t = self._parent
        if t._cancelled:
            raise error_for(1025)
        t._check_timeout()
        if t._timed_out:
            raise error_for(1031)
        if t._deferred is not None and not t._committing:
            raise t._deferred
        return await self._ensure_read_version()

    def set_read_version(self, version: int) -> None:
        """Read the database as of ``version`` (T-05)."""
        if not isinstance(version, int) or isinstance(version, bool):
            raise FoundTypeError(f"version must be an int, got {type(version).__name__}")
        t = self._parent
        if t._committing:
            t._defer(error_for(2017))
        elif t._read_version is not None:
            t._defer(error_for(2010))
        elif version <= 0:
            t._defer(error_for(2011))
        else:
            t._read_version = version
            t._read_version_set = True

    def get_committed_version(self) -> int:
        """The commit version after a successful read-write commit, else -1 (T-07, T-08)."""
        return self._parent._committed_version

    def get_versionstamp(self) -> asyncio.Future[bytes]:
        """A future for the 10-byte versionstamp of this transaction's commit (T-13).

        Call it before ``commit``; await the result after the commit succeeded.
        """
        t = self._parent
        fut: asyncio.Future[bytes]
        if t._versionstamp is None:
            t._versionstamp = asyncio.get_running_loop().create_future()
        fut = t._versionstamp
        error: FoundException | None = None
        if t._cancelled:
            error = error_for(1025)
        elif t._committing:
            t._used_during_commit()
            error = error_for(2017)
        if error is not None:
            other: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
            other.set_exception(error)
            return other
        return fut

    async def get_approximate_size(self) -> int:
        """An estimate of the transaction's size in bytes, as counted against 2101 (T-14)."""
        return self._parent._size

    # -- point reads ---------------------------------------------------------------------
    def _uses_ryw(self) -> bool:
        t = self._parent
        if not t._ryw:
            return False
        return not (self.is_snapshot and t._snapshot_ryw < 0)

    async def get(self, key: bytes) -> bytes | None:
        """The value of ``key``, or None when absent."""
        t = self._parent
        if type(key) is not bytes:
            key = _check_key(key)
        if not self._nothing_wrong():
            self._check_usable()
        if key >= b"\xff":
            self._check_read_key(key)
        if len(key) > KEY_SIZE_LIMIT and (
            len(key) > SYSTEM_KEY_SIZE_LIMIT or not key.startswith(b"\xff")
        ):
            return None  # L-03: no such key can exist
        if not t._mutations and not t._writes.unreadable_ranges:
            # Nothing of our own to consult: the read cache, else the database (the common case).
            cache = t._read_cache
            if t._ryw and key in cache:
                value = cache[key]
            else:
                db = self.db
                version = self._quick_read_version()
                if version is None:
                    version = await self._before_storage_read()
                elif db._yield_due():
                    await self._take_turn()
                value = db._storage.get(key, version)
                if t._ryw:
                    cache[key] = value
            if not self.is_snapshot:
                t._read_conflicts.append((key, key + b"\x00"))
                t._size += 2 * len(key) + 1 + _CONFLICT_OVERHEAD
            return value
        entry = t._writes.lookup(key) if self._uses_ryw() else None
        if entry is not None and entry.unreadable and not t._bypass_unreadable:
            raise error_for(1036)
        unreadable = t._writes.unreadable_ranges
        stamped = bool(unreadable) and unreadable.contains(key) and self._uses_ryw()
        if stamped and not t._bypass_unreadable:
            raise error_for(1036)
        if entry is not None and entry.known:
            return entry.value
        if t._ryw and key in t._read_cache:
            value = t._read_cache[key]
        else:
            version = await self._before_storage_read()
            value = self.db._storage.get(key, version)
            if t._ryw:
                t._read_cache[key] = value
        if not self.is_snapshot:
            t._read_conflicts.append((key, key + b"\x00"))
            t._size += 2 * len(key) + 1 + _CONFLICT_OVERHEAD
        if entry is not None:
            return entry.resolve(value)
        return value

    # -- range reads ---------------------------------------------------------------------
    async def _range(
        self,
        begin: bytes | KeySelector,
        end: bytes | KeySelector,
        limit: int,
        reverse: bool,
        mode: int,
        *,
        ryw: bool | None = None,
        resolve: bool = False,
    ) -> AsyncIterator[tuple[bytes, bytes]]:
        """Pairs in ``[begin, end)`` of the merged view, in order, at most ``limit`` (0: all).

        ``ryw`` overrides whether the view includes the transaction's own writes. With
        ``resolve``, the bounds may be key selectors and are checked and resolved first (the
        public :meth:`get_range`); otherwise they are keys already checked.
        """
        t = self._parent
        if resolve:
            self._check_usable()
            begin = await self._resolve_bound(begin, "begin")
            end = min(await self._resolve_bound(end, "end"), self._max_key())
        if not isinstance(begin, bytes) or not isinstance(end, bytes):
            raise FoundTypeError("range bounds must be resolved keys")  # pragma: no cover
        ryw = self._uses_ryw() if ryw is None else ryw
        if begin >= end:
            return
        if not (ryw and t._writes):
            # Fast path: nothing of our own can be in the range.
            self._check_unreadable(begin, end, ryw)
            record = self._new_read_range(begin, end, reverse, [])
            async for rows in self._database_batches(begin, end, limit, reverse, mode, record):
                for pair in rows:
                    yield pair
            return
        storage = self.db._storage
        writes = t._writes
        self._check_unreadable(begin, end, ryw)
        local: list[tuple[bytes, Entry]] = []
        exclude: list[tuple[bytes, bytes]] = []
        if ryw and writes:
            for k in writes.irange(begin, end, reverse):
                entry = writes.entries[k]
                if entry.unreadable and not t._bypass_unreadable:
                    raise error_for(1036)
                local.append((k, entry))
                if entry.known:
                    exclude.append((k, k + b"\x00"))
            exclude.extend(writes.cleared.overlapping(begin, end))
            exclude.sort()
        cleared = writes.cleared if ryw and writes.cleared else None
        record = self._new_read_range(begin, end, reverse, exclude)
        if not local and cleared is None:
            async for rows in self._database_batches(begin, end, limit, reverse, mode, record):
                for pair in rows:
                    yield pair
            return
        version = await self._before_storage_read()
        lo, hi = begin, end
        remaining = limit if limit > 0 else -1
        iteration = 1
        db_rows: list[tuple[bytes, bytes]] = []
        db_pos = 0
        db_done = False
        li = 0
        while remaining != 0:
            if db_pos >= len(db_rows) and not db_done:
                want = batch_rows(mode, iteration, remaining)
                iteration += 1
                if iteration > 2:
                    await self._before_storage_read()
                db_rows = storage.read_range(lo, hi, version, want, reverse)
                db_pos = 0
                if len(db_rows) < want:
                    db_done = True
                elif reverse:
                    hi = db_rows[-1][0]
                else:
                    lo = db_rows[-1][0] + b"\x00"
            have_db = db_pos < len(db_rows)
            have_local = li < len(local)
            if not have_db and not have_local:
                break
            if have_db and have_local:
                dk = db_rows[db_pos][0]
                lk = local[li][0]
                if dk == lk:
                    take_db, take_local = True, True
                elif (dk < lk) != reverse:
                    take_db, take_local = True, False
                else:
                    take_db, take_local = False, True
            elif have_db:
                take_db, take_local = True, False
            else:
                if not db_done:
                    continue
                take_db, take_local = False, True
            value: bytes | None
            if take_local:
                key, entry = local[li]
                li += 1
                base = db_rows[db_pos][1] if take_db else None
                if take_db:
                    db_pos += 1
                value = entry.resolve(base)
            else:
                key, value = db_rows[db_pos]
                db_pos += 1
                if cleared is not None and cleared.contains(key):
                    continue
            if value is None:
                continue
            if record is not None:
                if reverse:
                    record.begin = key
                else:
                    record.end = key + b"\x00"
            yield key, value
            if remaining > 0:
                remaining -= 1
        if record is not None and remaining != 0:
            # The whole range was seen: it all conflicts.
            record.begin, record.end = begin, end

    def _check_unreadable(self, begin: bytes, end: bytes, ryw: bool) -> None:
        """1036: the range holds keys of a versionstamped write the view cannot read yet."""
        t = self._parent
        unreadable = t._writes.unreadable_ranges
        if ryw and unreadable and not t._bypass_unreadable and unreadable.overlapping(begin, end):
            raise error_for(1036)

    def _new_read_range(
        self, begin: bytes, end: bytes, reverse: bool, exclude: list[tuple[bytes, bytes]]
    ) -> _ReadRange | None:
        """The read conflict range of a range read, empty until rows are seen (None: snapshot)."""
        if self.is_snapshot:
            return None
        t = self._parent
        record = _ReadRange(end, end, exclude) if reverse else _ReadRange(begin, begin, exclude)
        t._read_ranges.append(record)
        t._size += len(begin) + len(end) + _CONFLICT_OVERHEAD
        return record

    async def _database_batches(
        self,
        begin: bytes,
        end: bytes,
        limit: int,
        reverse: bool,
        mode: int,
        record: _ReadRange | None,
    ) -> AsyncIterator[list[tuple[bytes, bytes]]]:
        """The database's rows in ``[begin, end)`` (keys already checked, ``begin < end``), in
        batches, when the transaction has nothing of its own in the range.

        As in FoundationDB, the read conflict ``record`` grows by whole batches as they are
        fetched.
        """
        storage = self.db._storage
        version = await self._before_storage_read()
        lo, hi = begin, end
        remaining = limit if limit > 0 else -1
        iteration = 1
        while True:
            want = batch_rows(mode, iteration, remaining)
            iteration += 1
            if iteration > 2:
                await self._before_storage_read()
            rows = storage.read_range(lo, hi, version, want, reverse)
            exhausted = len(rows) < want
            if record is not None:
                if exhausted:
                    record.begin, record.end = begin, end
                elif reverse:
                    record.begin = rows[-1][0]
                else:
                    record.end = rows[-1][0] + b"\x00"
            yield rows
            if exhausted:
                return
            if remaining > 0:
                remaining -= len(rows)
                if remaining == 0:
                    return
            if reverse:
                hi = rows[-1][0]
            else:
                lo = rows[-1][0] + b"\x00"

    async def _all(
        self, begin: bytes | KeySelector, end: bytes | KeySelector, limit: int, reverse: bool
    ) -> list[tuple[bytes, bytes]]:
        """The whole range as a list (``found.all``): batches are joined, not streamed."""
        t = self._parent
        if (
            type(limit) is int
            and limit >= 0
            and type(begin) is bytes
            and type(end) is bytes
            and begin < end <= b"\xff"
            and not t._mutations
            and self._nothing_wrong()
        ):
            # The common case (found.all of user keys, nothing written yet, no timeout, no
            # faults): one storage call, the conflict range added once it is all read.
            version = self._quick_read_version()
            if version is not None:
                db = self.db
                if db._yield_due():
                    await self._take_turn()
                want = limit if 0 < limit < _ALL_ROWS else _ALL_ROWS
                rows = db._storage.read_range(begin, end, version, want, reverse)
                if len(rows) == _ALL_ROWS and limit != _ALL_ROWS:
                    # More than one batch: the general path reads on.
                    lo, hi = (begin, rows[-1][0]) if reverse else (rows[-1][0] + b"\x00", end)
                    rest = limit - _ALL_ROWS if limit else 0
                    async for more in self._database_batches(
                        lo, hi, rest, reverse, STREAMING_MODE_WANT_ALL, None
                    ):
                        rows.extend(more)
                if not self.is_snapshot:
                    # As the general path records it: the whole range once it was all read,
                    # else (the limit stopped the read) up to the last key returned.
                    lo, hi = begin, end
                    if limit and len(rows) >= limit:
                        if reverse:
                            lo = rows[-1][0]
                        else:
                            hi = rows[-1][0] + b"\x00"
                    t._read_conflicts.append((lo, hi))
                    t._size += len(begin) + len(end) + _CONFLICT_OVERHEAD
                return rows
        if not isinstance(limit, int) or isinstance(limit, bool):
            raise FoundTypeError(f"limit must be an int, got {type(limit).__name__}")
        if limit < -1:
            raise error_for(2012)
        if type(begin) is not bytes or type(end) is not bytes or (self._uses_ryw() and t._writes):
            return [
                pair
                async for pair in self._range(
                    begin, end, max(limit, 0), reverse, STREAMING_MODE_WANT_ALL, resolve=True
                )
            ]
        self._check_usable()
        maxkey = self._max_key()
        if begin > maxkey or end > maxkey:
            raise error_for(2004)  # as _resolve_bound, for bounds that are already keys
        if begin >= end:
            return []
        self._check_unreadable(begin, end, self._uses_ryw())
        record = self._new_read_range(begin, end, reverse, [])
        out: list[tuple[bytes, bytes]] = []
        async for rows in self._database_batches(
            begin, end, max(limit, 0), reverse, STREAMING_MODE_WANT_ALL, record
        ):
            if out:
                out.extend(rows)
            else:
                out = rows
        return out

    def get_range(
        self,
        begin: bytes | KeySelector,
        end: bytes | KeySelector,
        *,
        limit: int = 0,
        reverse: bool = False,
        mode: int = STREAMING_MODE_ITERATOR,
    ) -> AsyncIterator[tuple[bytes, bytes]]:
        """Pairs with ``begin <= key < end`` (keys or selectors), ascending unless ``reverse``.

        Rows arrive in batches; a transaction cancelled, reset or committed meanwhile makes
        the next batch fail, as with FoundationDB.
        """
        if not isinstance(limit, int) or isinstance(limit, bool):
            raise FoundTypeError(f"limit must be an int, got {type(limit).__name__}")
        if limit < -1:
            raise error_for(2012)
        if mode == STREAMING_MODE_EXACT and limit <= 0:
            raise error_for(2210)
        return self._range(begin, end, max(limit, 0), bool(reverse), mode, resolve=True)

    async def _resolve_bound(self, bound: bytes | KeySelector, what: str) -> bytes:
        if isinstance(bound, KeySelector):
            return await self.get_key(bound)
        key = _check_key(bound, what)
        if key > self._max_key():
            raise error_for(2004)
        return key

    async def get_key(self, selector: KeySelector) -> bytes:
        """Resolve a key selector against the merged view (K-02)."""
        if not isinstance(selector, KeySelector):
            raise FoundTypeError(
                f"selector must be a KeySelector (found.gte(...)), got {type(selector).__name__}"
            )
        self._check_usable()
        maxkey = self._max_key()
        if selector.key > maxkey:
            raise error_for(2004)
        start = selector.key + b"\x00" if selector.or_equal else selector.key
        start = min(start, maxkey)
        offset = selector.offset
        t = self._parent
        # Resolve through a snapshot-like read, then add I-13's conflict range ourselves.
        snap = self if self.is_snapshot else self.snapshot
        ryw = self._uses_ryw()  # the snapshot view may ignore own writes; this read may not
        result: bytes
        if offset >= 1:
            last = None
            count = 0
            async for key, _ in snap._range(
                start, maxkey, offset, False, STREAMING_MODE_EXACT, ryw=ryw
            ):
                last = key
                count += 1
            result = last if (last is not None and count == offset) else maxkey
            conflict = (start, result + b"\x00")
        else:
            want = 1 - offset
            last = None
            count = 0
            async for key, _ in snap._range(b"", start, want, True, STREAMING_MODE_EXACT, ryw=ryw):
                last = key
                count += 1
            result = last if (last is not None and count == want) else b""
            conflict = (result, start)
        if not self.is_snapshot and conflict[0] < conflict[1]:
            t._read_conflicts.append(conflict)
            t._size += len(conflict[0]) + len(conflict[1]) + _CONFLICT_OVERHEAD
        return result

    # -- writes --------------------------------------------------------------------------
    def _record(self, op: MutationType, key: bytes, param: bytes, point: bool) -> None:
        t = self._parent
        if point and op in (MutationType.SET_VALUE,):
            for i in t._point_mutations.get(key, ()):
                t._mutations[i] = None
            t._point_mutations[key] = []
        index = len(t._mutations)
        t._mutations.append(Mutation(op, key, param))
        if point:
            t._point_mutations.setdefault(key, []).append(index)
        t._size += len(key) + len(param) + _MUTATION_OVERHEAD

    def _add_write_conflict(self, begin: bytes, end: bytes) -> None:
        t = self._parent
        if t._no_write_conflict_next:
            t._no_write_conflict_next = False
            return
        t._write_conflicts.append((begin, end))
        t._size += len(begin) + len(end) + _CONFLICT_OVERHEAD

    def set(self, key: bytes, value: bytes) -> None:
        """Buffer ``key = value``."""
        t = self._parent
        if (
            type(key) is bytes
            and type(value) is bytes
            and t is self
            and key < b"\xff"
            and len(key) <= KEY_SIZE_LIMIT
            and len(value) <= VALUE_SIZE_LIMIT
            and key not in t._point_mutations
            and not (
                t._cancelled
                or t._timed_out
                or t._committing
                or t._watches
                or t._no_write_conflict_next
            )
        ):
            # The common case, a first write of an ordinary key: what the general path below
            # does, without its checks (none applies) and bookkeeping for earlier writes.
            t._touched = True
            t._write_map().set(key, value)
            mutations = t._mutations
            t._point_mutations[key] = [len(mutations)]
            mutations.append(Mutation(MutationType.SET_VALUE, key, value))
            end = key + b"\x00"
            t._write_conflicts.append((key, end))
            t._size += 3 * len(key) + 1 + len(value) + _MUTATION_OVERHEAD + _CONFLICT_OVERHEAD
            return
        key = _check_key(key)
        value = _check_value(value)
        if not self._writable() or not self._check_write_key(key) or not self._check_param(value):
            return
        t = self._parent
        t._write_map().set(key, value)
        self._record(MutationType.SET_VALUE, key, value, True)
        self._add_write_conflict(key, key + b"\x00")
        t._fire_own_watches(key)

    def clear(self, key: bytes) -> None:
        """Buffer the removal of ``key``."""
        key = _check_key(key)
        if not self._writable():
            return
        t = self._parent
        if key >= b"\xff" and t._system < 2:
            t._defer(error_for(2004))
            return
        if len(key) > (SYSTEM_KEY_SIZE_LIMIT if key.startswith(b"\xff") else KEY_SIZE_LIMIT):
            return  # L-03: nothing to clear
        t._write_map().clear(key)
        for i in t._point_mutations.get(key, ()):
            t._mutations[i] = None
        t._point_mutations[key] = []
        end = key + b"\x00"
        t._mutations.append(Mutation(MutationType.CLEAR_RANGE, key, end))
        t._size += len(key) + len(end) + _MUTATION_OVERHEAD
        self._add_write_conflict(key, end)
        t._fire_own_watches(key)

    def clear_range(self, begin: bytes, end: bytes) -> None:
        """Buffer the removal of every key in ``[begin, end)``."""
        begin = _check_key(begin, "begin")
        end = _check_key(end, "end")
        if not self._writable():
            return
        t = self._parent
        maxkey = b"\xff\xff" if t._system >= 2 else b"\xff"
        if begin > maxkey or end > maxkey:
            t._defer(error_for(2004))
            return
        if begin > end:
            t._defer(error_for(2005))
            return
        if begin == end:
            return
        t._write_map().clear_range(begin, end)
        t._mutations.append(Mutation(MutationType.CLEAR_RANGE, begin, end))
        t._size += len(begin) + len(end) + _MUTATION_OVERHEAD
        self._add_write_conflict(begin, end)
        for key in list(t._watch_keys()):
            if begin <= key < end:
                t._fire_own_watches(key)

    def atomic(self, op: MutationType, key: bytes, param: bytes) -> None:
        """Buffer an atomic operation (``add``, ``max``, ...); see :class:`MutationType`."""
        key = _check_key(key)
        param = _check_value(param, "param")
        if not isinstance(op, MutationType):
            raise error_for(2018)
        if op in (MutationType.SET_VALUE, MutationType.CLEAR_RANGE):
            raise error_for(2018)
        if op is MutationType.SET_VERSIONSTAMPED_KEY:
            self.set_versionstamped_key(key, param)
            return
        if op is MutationType.SET_VERSIONSTAMPED_VALUE:
            self.set_versionstamped_value(key, param)
            return
        if not self._writable() or not self._check_write_key(key) or not self._check_param(param):
            return
        t = self._parent
        t._write_map().atomic(op, key, param)
        self._record(op, key, param, True)
        self._add_write_conflict(key, key + b"\x00")
        t._fire_own_watches(key, always=True)

    @staticmethod
    def _stamp_offset_ok(data: bytes) -> bool:
        if len(data) < 4:
            return False
        pos = int.from_bytes(data[-4:], "little")
        return pos + 10 <= len(data) - 4

    def set_versionstamped_key(self, key: bytes, value: bytes) -> None:
        """Write ``value`` at ``key`` with 10 bytes replaced by the commit's versionstamp.

        ``key`` ends with the 4-byte little-endian position of the stamp (see
        ``found.pack_with_versionstamp``).
        """
        key = _check_key(key)
        value = _check_value(value)
        if not self._writable():
            return
        t = self._parent
        if not self._stamp_offset_ok(key):
            t._defer(error_for(2000))
            return
        if not self._check_write_key(key) or not self._check_param(value):
            return
        pos = int.from_bytes(key[-4:], "little")
        body = key[:-4]
        stamp_low = (t._read_version or 0).to_bytes(8, "big") + b"\x00\x00"
        low = body[:pos] + stamp_low + body[pos + 10 :]
        high = body[:pos] + b"\xff" * 10 + body[pos + 10 :] + b"\x00"
        t._write_map().unreadable_ranges.add(low, high)
        t._mutations.append(Mutation(MutationType.SET_VERSIONSTAMPED_KEY, key, value))
        t._stamped_keys = True
        t._size += len(key) + len(value) + _MUTATION_OVERHEAD
        if t._no_write_conflict_next:
            t._no_write_conflict_next = False

    def set_versionstamped_value(self, key: bytes, value: bytes) -> None:
        """Write ``value`` at ``key`` with 10 bytes replaced by the commit's versionstamp.

        ``value`` ends with the 4-byte little-endian position of the stamp.
        """
        key = _check_key(key)
        value = _check_value(value)
        if not self._writable():
            return
        t = self._parent
        if not self._stamp_offset_ok(value):
            t._defer(error_for(2000))
            return
        if not self._check_write_key(key) or not self._check_param(value):
            return
        t._write_map().set_unreadable(key, value)
        self._record(MutationType.SET_VERSIONSTAMPED_VALUE, key, value, True)
        self._add_write_conflict(key, key + b"\x00")
        t._fire_own_watches(key, always=True)

    # -- conflict ranges -----------------------------------------------------------------
    def _conflict_bounds(self, begin: bytes, end: bytes) -> tuple[bytes, bytes] | None:
        begin = _check_key(begin, "begin")
        end = _check_key(end, "end")
        if begin > end:
            raise error_for(2005)
        if max(begin, end) > self._max_key():
            self._defer(error_for(2004))
            return None
        return begin, end

    def add_read_conflict_range(self, begin: bytes, end: bytes) -> None:
        """Make the commit fail (1020) if another commit writes into ``[begin, end)``."""
        bounds = self._conflict_bounds(begin, end)
        if bounds is None or bounds[0] == bounds[1]:
            return
        t = self._parent
        exclude = sorted(
            [(k, k + b"\x00") for k in t._writes.irange(*bounds)]
            + t._writes.cleared.overlapping(*bounds)
        )
        t._read_ranges.append(_ReadRange(bounds[0], bounds[1], exclude))
        t._size += len(bounds[0]) + len(bounds[1]) + _CONFLICT_OVERHEAD

    def add_read_conflict_key(self, key: bytes) -> None:
        """``add_read_conflict_range(key, key + b'\\x00')``."""
        key = _check_key(key)
        self.add_read_conflict_range(key, key + b"\x00")

    def add_write_conflict_range(self, begin: bytes, end: bytes) -> None:
        """Make transactions that read ``[begin, end)`` conflict with this one."""
        bounds = self._conflict_bounds(begin, end)
        if bounds is None or bounds[0] == bounds[1]:
            return
        t = self._parent
        t._touched = True
        t._write_conflicts.append(bounds)
        t._size += len(bounds[0]) + len(bounds[1]) + _CONFLICT_OVERHEAD

    def add_write_conflict_key(self, key: bytes) -> None:
        """``add_write_conflict_range(key, key + b'\\x00')``."""
        key = _check_key(key)
        self.add_write_conflict_range(key, key + b"\x00")

    # -- watches -------------------------------------------------------------------------
    def _watch_keys(self) -> list[bytes]:
        return [w.key for w in self._parent._watches]

    def _fire_own_watches(self, key: bytes, always: bool = False) -> None:
        t = self._parent
        if not t._watches:
            return
        entry = t._writes.lookup(key)
        for w in t._watches:
            if w.key == key and (
                always or entry is None or not entry.known or entry.value != w.seen
            ):
                w._fire()

    async def watch(self, key: bytes) -> Watch:
        """Watch ``key``: the returned :class:`Watch` fires after this transaction commits,
        once the key's value differs from the one this transaction sees now (W-01..W-07)."""
        key = _check_key(key)
        self._check_usable()
        t = self._parent
        if not t._ryw:
            raise error_for(1034)
        self._check_read_key(key)
        if len(key) > KEY_SIZE_LIMIT:
            raise error_for(2102)
        seen = await self._parent.get(key)
        watch = self.db._watches.create(key, seen)
        t._watches.append(watch)
        return watch

    # -- commit and retries --------------------------------------------------------------
    def _final_read_conflicts(self) -> list[tuple[bytes, bytes]]:
        t = self._parent
        out = list(t._read_conflicts)
        for record in t._read_ranges:
            out.extend(record.pieces())
        return out

    def _commit_size(self, mutations: list[Mutation], reads: list[tuple[bytes, bytes]]) -> int:
        """The size checked against ``size_limit``: writes merged per key, as FoundationDB's
        read-your-writes layer merges them before the commit (L-04), plus conflict ranges."""
        size = sum(len(m.key) + len(m.param) + _MUTATION_OVERHEAD for m in mutations)
        for begin, end in {*reads, *self._parent._write_conflicts}:
            size += len(begin) + len(end) + _CONFLICT_OVERHEAD
        return size

    async def commit(self) -> None:
        """Commit: apply every buffered write atomically, or raise (1020 on a conflict)."""
        t = self._parent
        if (
            not t._mutations
            and not t._write_conflicts
            and not t._watches
            and t._versionstamp is None
            and self._nothing_wrong()
        ):
            # Read-only, nothing pending, nothing wrong: nothing to send (T-08).
            t._committing = True
            t._committed_version = -1
            return
        self._check_usable()
        t._committing = True
        mutations = [m for m in t._mutations if m is not None]
        stamp_future = t._versionstamp
        try:
            if not mutations and not t._write_conflicts:
                # Read-only: nothing to send (T-08); watches monitor from the read version.
                t._committed_version = -1
                if stamp_future is not None and not stamp_future.done():
                    stamp_future.set_exception(error_for(2021))
                    stamp_future.exception()
                for w in t._watches:
                    self.db._activate_watch(w)
                t._watches = []  # they outlive the transaction now (W-05)
                return
            if t._read_only:  # read_lock_aware without lock_aware
                raise error_for(2023)
            if t._read_version is None:
                # A commit reads at a version too, below its commit version (T-04, T-06). As
                # FoundationDB's client does before a commit that read nothing, it costs a
                # read-version round trip (a "causal read risky" one there).
                await self.db._round_trip("grv")
                if t._read_version is None:
                    t._read_version = self.db._read_version()
            reads = self._final_read_conflicts()
            if self._commit_size(mutations, reads) > t._size_limit:
                raise error_for(2101)
            t._commit_in_flight = True
            await self.db._round_trip("commit")
            t._commit_in_flight = False
            t._check_timeout()
            if t._timed_out:
                raise error_for(1031)
            if t._cancelled:
                raise error_for(1025)
            if t._misused_in_commit:
                raise error_for(2017)
            request = CommitRequest(t._read_version, reads, list(t._write_conflicts), mutations)
            version, batch = await self.db._commit(request, t._automatic_idempotency)
        except FoundException as error:
            if stamp_future is not None and not stamp_future.done():
                stamp_future.set_exception(error_for(2020))
                stamp_future.exception()
            for w in t._watches:
                w._fail(error)
            t._watches = []
            raise
        finally:
            t._commit_in_flight = False
        t._committed_version = version
        if stamp_future is not None and not stamp_future.done():
            stamp_future.set_result(version.to_bytes(8, "big") + batch.to_bytes(2, "big"))
        for w in t._watches:
            self.db._activate_watch(w)
        t._watches = []

    def reset(self) -> None:
        """Forget everything: as if this were a new transaction (T-15)."""
        t = self._parent
        t._fail_pending(error_for(1025))
        t._reset_state()
        t._apply_database_defaults()
        t._retries = 0
        t._backoff = _INITIAL_BACKOFF
        t._started = time.monotonic()

    def _fail_pending(self, error: FoundException) -> None:
        t = self._parent
        for w in t._watches:
            w._fail(error)
        t._watches = []
        stamp = t._versionstamp
        if stamp is not None and not stamp.done():
            stamp.set_exception(error)
            stamp.exception()

    def cancel(self) -> None:
        """Cancel: every later operation but ``reset`` fails with 1025 (T-16)."""
        t = self._parent
        t._cancelled = True
        t._fail_pending(error_for(1025))

    async def on_error(self, error: BaseException | int) -> None:
        """Decide whether ``error`` may be retried: back off and reset, or raise it (T-17..T-20).

        Anything that is not a FoundationDB error is raised again unchanged.
        """
        t = self._parent
        if isinstance(error, bool):
            raise FoundTypeError("on_error takes an exception or an int error code, got a bool")
        if isinstance(error, int):
            code = error
            error = error_for(4000 if not 0 <= code <= 30000 else code)
            if code == 0:
                error = error_for(2000)
        if not isinstance(error, FoundException):
            raise error
        if t._cancelled:
            raise error_for(1025)
        t._check_timeout()
        if t._timed_out:
            raise error_for(1031)
        if error.code == 0:
            raise error_for(2000)
        if not error.retried_by_on_error:
            t.cancel()
            raise error
        if 0 <= t._retry_limit <= t._retries:
            t.cancel()
            raise error
        if error.code in (1007, 1009):
            delay = min(0.010, t._max_retry_delay)
        else:
            delay = random.uniform(0, t._backoff)
            t._backoff = min(t._backoff * 2, t._max_retry_delay)
        await asyncio.sleep(delay)
        retries, backoff, started = t._retries + 1, t._backoff, t._started
        timeout, retry_limit, max_delay = t._timeout, t._retry_limit, t._max_retry_delay
        t._fail_pending(error_for(1025))
        t._reset_state()
        t._apply_database_defaults()
        t._retries, t._backoff, t._started = retries, backoff, started
        t._timeout, t._retry_limit, t._max_retry_delay = timeout, retry_limit, max_delay

    def __repr__(self) -> str:
        view = " snapshot" if self.is_snapshot else ""
        return f"<EmbeddedTransaction{view} on {self.db.target!r}>"
