"""The ``sqlite://PATH`` engine's storage: a durable multi-version map in one SQLite file.

Every value ever written inside the five-second window is a row of ``kv(key, version, value)``,
``value`` NULL meaning "cleared at this version". A reader at version ``v`` sees, per key, the
newest row at or below ``v``; the primary key ``(key, version)`` keeps those rows next to each
other, so a range read is one ordered index scan whose rows Python folds per key, and a point
read is one index seek.

Several processes may open the same file. SQLite's write lock (``BEGIN IMMEDIATE``) serialises
commits, so each commit sees every earlier one: it reads the latest version from ``meta``, checks
its read conflict ranges against the write conflict ranges stored in ``conflicts`` by commits
newer than its read version (error 1020), and writes its rows, its own write conflict ranges and
the new version in one SQLite transaction. In WAL mode readers never wait for that lock.

Versions, as in FoundationDB, grow by about 1,000,000 a second of the clock (wall time by
default, since processes share the file). The latest version is stored, never computed, so a
read version handed out can never be reused by a commit in flight: ``read_version`` returns the
stored version, first advancing it to the clock in a tiny write transaction when it has fallen
more than half a second behind, so that idle time still ages transactions (error 1007).

Old rows are collected in small steps inside commits: each write that supersedes an older row,
and each clear, leaves a note in ``garbage``; once the note is older than the window (plus a
second of margin) the key's rows that nobody can read any more are deleted. Write conflict
ranges older than the window are deleted the same way.

Tables: ``kv`` as above; ``meta`` (the latest version and the format number); ``conflicts``
(commit version, begin, end), clustered by version; ``garbage`` (version, key), the notes of the
collector; ``large`` (id, value), values longer than 512 bytes, which their ``kv`` row names by
id (an integer in ``value``) and a trigger deletes with that row. A range clear writes one NULL
row per key live in the range (SQLite finds them in one
statement, about a microsecond a key), so it costs time in proportion to the keys it clears.

Reads run inside a *read snapshot*: a deferred SQLite transaction that the connection keeps
open between calls, so that a transaction's point reads do not each pay for taking and
releasing SQLite's WAL read lock. The snapshot sees every commit up to the version stored when
it began; since rows are never changed once written (only collected long after the window), a
snapshot also serves any older read version. ``read_version`` starts a fresh snapshot, a read
at a version newer than the snapshot starts one too, and a commit ends it (the write lock needs
the connection outside a read transaction). An open snapshot keeps other processes' commits
from being checkpointed out of the WAL, so :meth:`SqliteStorage.release_snapshot` ends it; the
database calls it shortly after the last read version was handed out.

Starting a snapshot costs three statements, so ``read_version`` first asks whether it needs a
new one: it reads the 96-byte WAL-index header from the ``-shm`` file (two copies of a header
that every commit rewrites, documented in SQLite's "WAL-mode file format"). When the header is
still the one seen just before the open snapshot began, no commit can have happened since, and
the snapshot's version is still the latest. Anything unexpected (no ``-shm`` file, the copies
differ because a commit is being written) falls back to starting a new snapshot.

Durability: the database runs in WAL mode. With ``synchronous="NORMAL"`` (the default) a commit
that returned survives the death of the process (the WAL frames are in the operating system's
cache); ``synchronous="FULL"`` also survives power loss, at the price of an fsync per commit.
"""

from __future__ import annotations

import contextlib
import mmap
import os
import random
import sqlite3
import threading
import time
import weakref
from bisect import bisect_left
from collections.abc import Iterator, Sequence

from found._atomic import ATOMIC_MUTATION_TYPES, MutationType, apply_atomic
from found._engines._memory import conflicts_with, merge_ranges, stamp_key, stamp_value
from found._engines._storage import (
    MVCC_WINDOW,
    VERSIONS_PER_SECOND,
    Clock,
    CommitRequest,
    Mutation,
)
from found._errors import FoundTypeError, UsageError, error_for

__all__ = ["FORMAT_VERSION", "SqliteStorage"]

#: Layout of the tables; a file written with a larger number is refused.
FORMAT_VERSION = 2

# Values longer than this are stored in ``large`` and referenced from ``kv`` by id. SQLite keeps
# about 1000 bytes of a WITHOUT ROWID row in its B-tree page and the rest in overflow pages, and
# to compare a search key with a row that overflows it reads the whole row: one 100 KB value
# made every seek that passed it cost about 200 µs. Out of line, kv stays dense and a large
# value costs one more seek.
_INLINE_MAX = 512

# ``PRAGMA application_id`` of a found file ("FNDB"), so that tools like file(1) can tell.
_APPLICATION_ID = 0x464E4442

_SYNCHRONOUS = ("OFF", "NORMAL", "FULL", "EXTRA")

# read_version() advances the stored version to the clock when it lags by more than this.
_BUMP_LAG = VERSIONS_PER_SECOND // 2
# Rows are collected only once they are this far past the MVCC window, so that a reader whose
# clock runs a little behind the committer's still finds its snapshot whole.
_GC_MARGIN = VERSIONS_PER_SECOND
# A commit runs a collection step at most this often (in versions) unless work is left over.
_GC_EVERY = VERSIONS_PER_SECOND // 10
# Garbage notes and conflict rows handled by one collection step: keeps a commit short.
_GC_BATCH = 256
_CONFLICT_GC_BATCH = 4096
# Conflict rows fetched at a time while checking a commit.
_CONFLICT_FETCH = 2048
# SQLite's LIMIT is a signed 64-bit integer.
_MAX_LIMIT = 1 << 62

# SQLite primary result codes (https://sqlite.org/rescode.html).
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_READONLY = 8
_SQLITE_IOERR = 10
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CANTOPEN = 14
_SQLITE_NOTADB = 26

# SQLite says "database is locked" (SQLITE_BUSY) when another connection held the write lock
# for longer than the busy timeout. That maps onto FoundationDB error 1038 database_locked: the
# same words, and like SQLITE_BUSY it is a retryable_not_committed error (we roll back, so
# nothing was written) that on_error retries with exponential backoff, which is what lock
# contention wants. 1020 would be a lie (no conflict was found), 1037 process_behind and 1213
# tag_throttled describe cluster states a user of a file cannot relate to.
_BUSY_CODE = 1038
_ERROR_CODES = {
    _SQLITE_BUSY: _BUSY_CODE,
    _SQLITE_LOCKED: _BUSY_CODE,
    _SQLITE_READONLY: 1514,  # file_not_writable
    _SQLITE_FULL: 1514,  # file_not_writable
    _SQLITE_IOERR: 1510,  # io_error
    _SQLITE_CORRUPT: 1522,  # file_corrupt
    _SQLITE_NOTADB: 1522,  # file_corrupt
    _SQLITE_CANTOPEN: 1513,  # file_not_readable
}
_PLATFORM_ERROR = 1500

# Format 2 added ``large`` and its trigger; a format-1 file is upgraded in place on opening
# (its rows are all inline, which format 2 still reads).
_LARGE_SCHEMA = (
    "CREATE TABLE large (id INTEGER PRIMARY KEY, value BLOB NOT NULL)",
    # A kv row pointing at a large value takes it along when it goes: collected, or replaced
    # within its commit (REPLACE's delete fires the trigger with recursive_triggers on).
    "CREATE TRIGGER large_follows_kv AFTER DELETE ON kv WHEN typeof(old.value) = 'integer'"
    " BEGIN DELETE FROM large WHERE id = old.value; END",
)
_SCHEMA = (
    "CREATE TABLE kv (key BLOB NOT NULL, version INTEGER NOT NULL, value BLOB,"
    " PRIMARY KEY (key, version)) WITHOUT ROWID",
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value)",
    # Clustered by version: the conflict check scans the rows after a read version, the
    # collector deletes the rows before the window.
    "CREATE TABLE conflicts (version INTEGER NOT NULL, begin_key BLOB NOT NULL,"
    " end_key BLOB NOT NULL, PRIMARY KEY (version, begin_key, end_key)) WITHOUT ROWID",
    "CREATE TABLE garbage (version INTEGER NOT NULL, key BLOB NOT NULL,"
    " PRIMARY KEY (version, key)) WITHOUT ROWID",
    *_LARGE_SCHEMA,
)
_TABLES = {"kv", "meta", "conflicts", "garbage", "large"}


def _reads(value: str, source: str) -> tuple[str, str, str]:
    """The (point read, forward range, reverse range) statements selecting ``value`` (a kv
    row's value, from ``source``) at or below a version."""
    where = " WHERE k.key >= ? AND k.key < ? AND k.version <= ?"
    return (
        f"SELECT {value}{source} WHERE k.key = ? AND k.version <= ?"
        " ORDER BY k.version DESC LIMIT 1",
        f"SELECT k.key, {value}{source}{where} ORDER BY k.key, k.version LIMIT ?",
        f"SELECT k.key, {value}{source}{where} ORDER BY k.key DESC, k.version DESC LIMIT ?",
    )


# A kv row's value as stored: the bytes themselves, or the id of its row in ``large``. Reads
# join ``large`` in (for an inline value a blob never equals a rowid, so the join finds
# nothing), except in a snapshot where ``large`` is empty.
_JOIN_LARGE = " FROM kv AS k LEFT JOIN large AS l ON l.id = k.value"
_WITH_LARGE = _reads("coalesce(l.value, k.value)", _JOIN_LARGE)
_INLINE_ONLY = _reads("k.value", " FROM kv AS k")
_GET_LATEST = (
    f"SELECT coalesce(l.value, k.value){_JOIN_LARGE} WHERE k.key = ?"
    " ORDER BY k.version DESC LIMIT 1"
)
# The latest values of up to _LATEST_BATCH keys in one statement (the keys of a commit's atomic
# operations). With max(), SQLite takes the bare columns from the row holding the maximum.
_LATEST_BATCH = 200
# The operations that combine their parameter with the stored value: every atomic operation
# but the two versionstamped writes, which replace it.
_COMBINING = ATOMIC_MUTATION_TYPES - {
    MutationType.SET_VERSIONSTAMPED_KEY,
    MutationType.SET_VERSIONSTAMPED_VALUE,
}
_GET_LATEST_MANY = (
    f"SELECT k.key, coalesce(l.value, k.value), max(k.version){_JOIN_LARGE}"
    f" WHERE k.key IN ({', '.join('?' * _LATEST_BATCH)}) GROUP BY k.key"
)
_META_VERSION = "SELECT value FROM meta WHERE name = 'version'"
# A snapshot's first read: it fixes what the snapshot sees, and whether it sees large values.
_SNAPSHOT_START = "SELECT value, EXISTS (SELECT 1 FROM large) FROM meta WHERE name = 'version'"
_SET_META_VERSION = "UPDATE meta SET value = ? WHERE name = 'version'"
_BUMP_META_VERSION = "UPDATE meta SET value = max(value, ?) WHERE name = 'version'"
_CONFLICTS_AFTER = "SELECT begin_key, end_key FROM conflicts WHERE version > ?"
_INSERT_CONFLICT = "INSERT OR IGNORE INTO conflicts (version, begin_key, end_key) VALUES (?, ?, ?)"

# Writing a value: note the key for collection if this write supersedes an older row.
_NOTE_SET = (
    "INSERT OR IGNORE INTO garbage (version, key) SELECT ?, ?"
    " WHERE EXISTS (SELECT 1 FROM kv WHERE key = ? AND version < ?)"
)
_SET = "INSERT OR REPLACE INTO kv (key, version, value) VALUES (?, ?, ?)"
_INSERT_LARGE = "INSERT INTO large (value) VALUES (?)"
# Clearing one key: only when its latest row holds a value (a row of this commit included).
_LIVE_AT_LATEST = "(SELECT value IS NOT NULL FROM kv WHERE key = :p2 ORDER BY version DESC LIMIT 1)"
_NOTE_CLEAR = (
    "INSERT OR IGNORE INTO garbage (version, key) SELECT :p1, :p2 WHERE " + _LIVE_AT_LATEST
)
_CLEAR = (
    "INSERT OR REPLACE INTO kv (key, version, value) SELECT :p2, :p1, NULL WHERE " + _LIVE_AT_LATEST
)
# Clearing a range: every key in it whose latest row holds a value.
_LIVE_IN_RANGE = (
    " FROM kv AS k WHERE k.key >= :p2 AND k.key < :p3 AND k.value IS NOT NULL"
    " AND NOT EXISTS (SELECT 1 FROM kv WHERE key = k.key AND version > k.version)"
)
_NOTE_CLEAR_RANGE = (
    "INSERT OR IGNORE INTO garbage (version, key) SELECT :p1, k.key" + _LIVE_IN_RANGE
)
_CLEAR_RANGE = (
    "INSERT OR REPLACE INTO kv (key, version, value) SELECT k.key, :p1, NULL" + _LIVE_IN_RANGE
)

# Collection of one noted key at horizon :p2: drop the rows older than the newest one at or
# below the horizon, then the key itself if what is left is a clear at or below the horizon.
_GC_NOTES = "SELECT version, key FROM garbage WHERE version <= ? ORDER BY version, key LIMIT ?"
_GC_PRUNE = (
    "DELETE FROM kv WHERE key = :p1 AND version <"
    " (SELECT max(version) FROM kv WHERE key = :p1 AND version <= :p2)"
)
_GC_TOMBSTONE = (
    "DELETE FROM kv WHERE key = :p1 AND"
    " (SELECT version <= :p2 AND value IS NULL FROM kv WHERE key = :p1"
    " ORDER BY version DESC LIMIT 1)"
)
_GC_FORGET = "DELETE FROM garbage WHERE version = ? AND key = ?"
_GC_CONFLICT_BOUND = (
    "SELECT version FROM conflicts WHERE version <= ? ORDER BY version LIMIT 1 OFFSET ?"
)
_GC_CONFLICTS_UPTO = "DELETE FROM conflicts WHERE version <= ?"


@contextlib.contextmanager
def _write_lock(conn: sqlite3.Connection) -> Iterator[None]:
    """A SQLite write transaction around the block: committed, or rolled back if it raises."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _result_code(error: sqlite3.Error) -> int | None:
    """The primary SQLite result code of ``error`` (read from its message before 3.11)."""
    code: int | None = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF
    text = str(error).lower()
    for words, result in (
        ("locked", _SQLITE_BUSY),
        ("busy", _SQLITE_BUSY),
        ("readonly", _SQLITE_READONLY),
        ("disk i/o", _SQLITE_IOERR),
        ("malformed", _SQLITE_CORRUPT),
        ("full", _SQLITE_FULL),
        ("unable to open", _SQLITE_CANTOPEN),
        ("not a database", _SQLITE_NOTADB),
    ):
        if words in text:
            return result
    return None


# Every open storage, so that a forked child can disown the connections it inherited.
_open_storages: weakref.WeakSet[SqliteStorage] = weakref.WeakSet()
# Connections disowned in a forked child. They are kept referenced, never closed nor collected:
# closing a connection inherited across fork() may checkpoint or delete the parent's WAL.
_inherited: list[sqlite3.Connection] = []


def _disown_after_fork() -> None:
    for storage in list(_open_storages):
        storage._disown_after_fork()


if hasattr(os, "register_at_fork"):  # not on Windows
    os.register_at_fork(after_in_child=_disown_after_fork)


class SqliteStorage:
    """Multi-version ordered storage in a SQLite file, shared safely between processes.

    ``path`` is created when missing. ``clock`` gives seconds (wall time by default: every
    process sharing the file must use the same clock). ``synchronous`` is SQLite's setting:
    ``"NORMAL"`` keeps acknowledged commits through a crash of the process, ``"FULL"`` through
    a power loss too. ``busy_timeout`` is how many seconds a commit waits for another process
    holding the write lock before it fails with the retryable error 1038.

    >>> import tempfile, os
    >>> from found._engines._storage import CommitRequest, Mutation
    >>> from found._atomic import MutationType
    >>> directory = tempfile.TemporaryDirectory()
    >>> s = SqliteStorage(os.path.join(directory.name, "data.found"))
    >>> v, _ = s.commit(CommitRequest(None, [], [(b"k", b"k\\x00")],
    ...                  [Mutation(MutationType.SET_VALUE, b"k", b"v")]))
    >>> s.get(b"k", v), s.get(b"k", v - 1)
    (b'v', None)
    >>> s.close()
    >>> directory.cleanup()
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        clock: Clock = time.time,
        *,
        synchronous: str = "NORMAL",
        busy_timeout: float = 1.0,
    ) -> None:
        if not isinstance(synchronous, str):
            raise FoundTypeError(
                f"synchronous must be a str, got {type(synchronous).__name__}: {synchronous!r:.60}"
            )
        mode = synchronous.upper()
        if mode not in _SYNCHRONOUS:
            raise UsageError(
                f"synchronous must be one of {', '.join(_SYNCHRONOUS)}, got {synchronous!r:.60}"
            )
        if isinstance(busy_timeout, bool) or not isinstance(busy_timeout, (int, float)):
            raise FoundTypeError(
                f"busy_timeout must be a number of seconds, got {type(busy_timeout).__name__}"
            )
        if not busy_timeout >= 0:
            raise UsageError(f"busy_timeout must be >= 0 seconds, got {busy_timeout!r}")
        self.path = os.fspath(path)
        self.clock = clock
        self._busy_timeout = float(busy_timeout)
        self._lock = threading.Lock()
        self._closed = False
        self._forked_from: int | None = None
        self._next_gc = 0
        self._gc_backlog = False
        # The version the open read snapshot sees, or None when there is none (see above).
        self._snapshot: int | None = None
        # The WAL-index file, and its header as read just before the snapshot began.
        self._shm: int | None = None
        self._shm_map: mmap.mmap | None = None
        self._snapshot_header: bytes | None = None
        # The statements of the open snapshot's reads (see _begin_snapshot).
        self._queries = _WITH_LARGE
        try:
            self._conn = sqlite3.connect(
                self.path,
                timeout=float(busy_timeout),
                isolation_level=None,  # we issue BEGIN and COMMIT ourselves
                check_same_thread=False,  # calls are serialised by self._lock instead
            )
        except sqlite3.Error as e:
            raise UsageError(f"cannot open the SQLite database {self.path!r}: {e}") from e
        try:
            self._open(mode)
        except BaseException:
            self._conn.close()
            self._closed = True
            raise
        self._open_shm()
        # Range reads reuse one cursor (they always run to the end, which resets it): a
        # cursor made per call was a twentieth of a small read's cost.
        self._scan = self._conn.cursor()
        _open_storages.add(self)

    def _disown_after_fork(self) -> None:
        """In a forked child: stop using the inherited connection (SQLite forbids it)."""
        if self._closed or self._forked_from is not None:
            return
        _inherited.append(self._conn)
        self._forked_from = os.getppid()
        self._snapshot = None
        self._close_shm()
        self._lock = threading.Lock()  # another thread may have held it at the fork
        # A closed connection: every later call fails, and _error explains why.
        self._conn = sqlite3.connect(":memory:")
        self._scan = self._conn.cursor()
        self._conn.close()

    # -- opening ----------------------------------------------------------------------------------
    def _open(self, synchronous: str) -> None:
        conn = self._conn
        try:
            app_id, tables = self._inspect()
        except sqlite3.DatabaseError as e:
            raise UsageError(f"{self.path!r} is not a found database: {e}") from e
        if app_id not in (0, _APPLICATION_ID):
            raise UsageError(
                f"{self.path!r} is not a found database: its SQLite application_id is "
                f"{app_id:#x}, found writes {_APPLICATION_ID:#x}"
            )
        deadline = time.monotonic() + self._busy_timeout
        while True:
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute(f"PRAGMA synchronous = {synchronous}")
                conn.execute("PRAGMA recursive_triggers = ON")  # see _LARGE_SCHEMA
                if not tables:
                    self._create()
                    app_id, tables = self._inspect()
                break
            except sqlite3.Error as e:
                # A new file is still in rollback mode. While another process holds its write
                # lock (creating the tables, or switching to WAL itself), switching to WAL
                # fails at once with SQLITE_BUSY: SQLite does not wait, as waiting could
                # deadlock. Try again until the busy timeout has passed.
                if _result_code(e) != _SQLITE_BUSY or time.monotonic() >= deadline:
                    raise self._error(e) from e
                time.sleep(random.uniform(0.001, 0.02))
        if self._check_format(tables) < FORMAT_VERSION:
            self._upgrade()

    def _open_shm(self) -> None:
        """Open the WAL-index file for :meth:`_wal_header`, when this platform and mode allow.

        Its first page is mapped into memory when possible: reading the header is then a copy
        of 96 bytes instead of a system call (a tenth of the time). SQLite maps the same file
        for as long as our connection is open, and it shrinks the file only when it opens it
        with no other connection present, so the mapping can never outlive the bytes behind
        it; it is unmapped before the connection is closed.
        """
        if not hasattr(os, "pread"):  # pragma: no cover - Windows
            return
        try:
            self._shm = os.open(self.path + "-shm", os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
        except OSError:
            self._shm = None  # not in WAL mode, or no shared memory file: always refresh
            return
        try:
            self._shm_map = mmap.mmap(self._shm, 96, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # pragma: no cover - too short yet, or no mmap: pread
            self._shm_map = None

    def _close_shm(self) -> None:
        shm, self._shm = self._shm, None
        shm_map, self._shm_map = self._shm_map, None
        self._snapshot_header = None
        if shm_map is not None:
            shm_map.close()
        if shm is not None:
            with contextlib.suppress(OSError):
                os.close(shm)

    def _wal_header(self) -> bytes | None:
        """The WAL-index header if it can be trusted now (both copies equal, initialised)."""
        if self._shm_map is not None:
            header = self._shm_map[:96]
        elif self._shm is None:
            return None
        else:
            try:
                header = os.pread(self._shm, 96, 0)
            except OSError:  # pragma: no cover - the file vanished under us
                return None
        if len(header) != 96 or header[:48] != header[48:] or header[12] != 1:
            return None
        return header

    def _inspect(self) -> tuple[int, set[str]]:
        conn = self._conn
        row = conn.execute("PRAGMA application_id").fetchone()
        app_id = int(row[0]) if row else 0
        tables = {
            name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        }
        return app_id, tables

    def _create(self) -> None:
        # Two processes may create the same file at once: decide under the write lock.
        conn = self._conn
        with _write_lock(conn):
            exists = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'"
            ).fetchone()
            if exists is None:
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.executemany(
                    "INSERT INTO meta (name, value) VALUES (?, ?)",
                    [("format", FORMAT_VERSION), ("version", max(self.now_version(), 1))],
                )
                conn.execute(f"PRAGMA application_id = {_APPLICATION_ID}")

    def _upgrade(self) -> None:
        """Bring a format-1 file to format 2 (add ``large``); other processes may race us."""
        conn = self._conn
        try:
            with _write_lock(conn):
                row = conn.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
                if row[0] == 1:
                    for statement in _LARGE_SCHEMA:
                        conn.execute(statement)
                    conn.execute("UPDATE meta SET value = 2 WHERE name = 'format'")
        except sqlite3.Error as e:
            raise self._error(e) from e

    def _check_format(self, tables: set[str]) -> int:
        """The file's format number, once it is known to be one this version reads."""
        missing = {"kv", "meta", "conflicts", "garbage"} - tables
        if "meta" in missing:
            raise UsageError(
                f"{self.path!r} is a SQLite database but not a found database "
                f"(it has no meta table; tables: {', '.join(sorted(tables))})"
            )
        try:
            row = self._conn.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
        except sqlite3.Error as e:
            raise UsageError(f"{self.path!r} is not a found database: {e}") from e
        fmt = row[0] if row else None
        if not isinstance(fmt, int):
            raise UsageError(f"{self.path!r} is not a found database (no format number)")
        if fmt > FORMAT_VERSION:
            raise UsageError(
                f"{self.path!r} was written by a newer found (format {fmt}); this version "
                f"reads format {FORMAT_VERSION}: upgrade found-core"
            )
        if fmt >= 2:
            missing |= _TABLES - tables
        if fmt < 1 or missing:
            raise UsageError(
                f"{self.path!r} is not a valid found database (format {fmt}, missing tables: "
                f"{', '.join(sorted(missing)) or 'none'})"
            )
        return fmt

    # -- errors -----------------------------------------------------------------------------------
    def _error(self, error: sqlite3.Error) -> BaseException:
        """The typed error to raise for a SQLite failure: never a raw ``sqlite3`` one."""
        if self._closed:
            return UsageError(f"the SQLite storage {self.path!r} is closed")
        if self._forked_from is not None:
            return UsageError(
                f"the SQLite storage {self.path!r} was opened in process {self._forked_from} "
                "before it forked; a SQLite connection must not cross fork(): open a new "
                "SqliteStorage (or found.open) in the child"
            )
        code = _result_code(error)
        fdb_code = _ERROR_CODES.get(code, _PLATFORM_ERROR) if code is not None else None
        if fdb_code is None:
            if isinstance(error, (sqlite3.ProgrammingError, sqlite3.InterfaceError)):
                return UsageError(f"SQLite storage {self.path!r}: {error}")
            fdb_code = _PLATFORM_ERROR
        base = error_for(fdb_code)
        return error_for(fdb_code, f"{base.description} (SQLite: {error})")

    # -- versions ---------------------------------------------------------------------------------
    def now_version(self) -> int:
        """The clock's version now."""
        return int(self.clock() * VERSIONS_PER_SECOND)

    def _stored_version(self) -> int:
        row = self._conn.execute(_META_VERSION).fetchone()
        return int(row[0])

    def _begin_snapshot(self) -> int:
        """End the open snapshot, if any, and start one at the latest stored version."""
        conn = self._conn
        if self._snapshot is not None:
            self._snapshot = None
            conn.execute("COMMIT")
        # Read before the snapshot begins: a commit made in between changes the header, and
        # only makes the next read_version start a snapshot it did not need.
        header = self._wal_header()
        conn.execute("BEGIN")
        try:
            row = conn.execute(_SNAPSHOT_START).fetchone()  # the first read fixes the snapshot
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        version = int(row[0])
        # Reads in a snapshot without large values skip the join that finds them.
        self._queries = _WITH_LARGE if row[1] else _INLINE_ONLY
        self._snapshot = version
        self._snapshot_header = header
        return version

    def _end_snapshot(self) -> None:
        if self._snapshot is not None:
            self._snapshot = None
            self._conn.execute("COMMIT")

    def _abandon_snapshot(self) -> None:
        """After a SQLite error: leave no transaction open, whatever state it left."""
        self._snapshot = None
        try:
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def release_snapshot(self) -> None:
        """End the read snapshot, letting SQLite checkpoint commits past it. Cheap; idempotent.

        >>> import tempfile, os
        >>> directory = tempfile.TemporaryDirectory()
        >>> s = SqliteStorage(os.path.join(directory.name, "data.found"))
        >>> v = s.read_version()
        >>> s.release_snapshot(); s.get(b"k", v) is None
        True
        >>> s.close(); directory.cleanup()
        """
        with self._lock:
            if self._snapshot is None or self._closed:
                return
            try:
                self._end_snapshot()
            except sqlite3.Error as e:
                self._abandon_snapshot()
                raise self._error(e) from e

    def read_version(self) -> int:
        """The latest committed version, first advanced to the clock if it lags behind.

        It also starts a fresh read snapshot at that version.
        """
        with self._lock:
            conn = self._conn
            try:
                latest = self._snapshot
                now = self.now_version()
                if (
                    latest is not None
                    and self._snapshot_header is not None
                    and now - latest <= _BUMP_LAG
                    and self._wal_header() == self._snapshot_header
                ):
                    return latest  # nothing was committed since the snapshot began
                latest = self._begin_snapshot()
                if now - latest <= _BUMP_LAG:
                    return latest
                self._end_snapshot()
                try:
                    conn.execute("BEGIN IMMEDIATE")
                    conn.execute(_BUMP_META_VERSION, (now,))
                    conn.execute("COMMIT")
                except sqlite3.OperationalError as e:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    if _result_code(e) not in (_SQLITE_BUSY, _SQLITE_LOCKED):
                        raise
                    # Another process holds the write lock (and is about to advance the
                    # version itself): the stored version is still a safe read version.
                return self._begin_snapshot()
            except sqlite3.Error as e:
                self._abandon_snapshot()
                raise self._error(e) from e

    def latest_version(self) -> int:
        """The newest version committed or handed out as a read version, by any process."""
        with self._lock:
            try:
                self._end_snapshot()  # a snapshot would hide newer commits
                return self._stored_version()
            except sqlite3.Error as e:
                self._abandon_snapshot()
                raise self._error(e) from e

    # -- reads ------------------------------------------------------------------------------------
    def get(self, key: bytes, version: int) -> bytes | None:
        """The value at ``version``."""
        with self._lock:
            try:
                snapshot = self._snapshot
                if snapshot is None or version > snapshot:
                    self._begin_snapshot()
                row = self._conn.execute(self._queries[0], (key, version)).fetchone()
            except sqlite3.Error as e:
                self._abandon_snapshot()
                raise self._error(e) from e
        if row is None:
            return None
        value: bytes | None = row[0]
        return value

    def read_range(
        self, begin: bytes, end: bytes, version: int, limit: int, reverse: bool
    ) -> list[tuple[bytes, bytes]]:
        """Up to ``limit`` live pairs in ``[begin, end)`` at ``version``."""
        if limit < 1:
            raise UsageError(f"limit must be >= 1, got {limit!r}")
        if begin >= end:
            return []
        with self._lock:
            try:
                snapshot = self._snapshot
                if snapshot is None or version > snapshot:
                    self._begin_snapshot()
                return self._read_range(begin, end, version, limit, reverse)
            except sqlite3.Error as e:
                self._abandon_snapshot()
                raise self._error(e) from e

    def _read_range(
        self, begin: bytes, end: bytes, version: int, limit: int, reverse: bool
    ) -> list[tuple[bytes, bytes]]:
        # The scan returns every row at or below ``version``, grouped by key. Folding the rows
        # into a dict keeps, per key, the value of the last row seen: the newest version when
        # scanning forward (versions ascending). Backwards the newest row of a key comes first,
        # so the rows are folded in reverse and the dict read back to front. The fetch asks for
        # one row more than needed so that the last key still to be returned is known to be
        # complete; a key cut by the LIMIT is read again from its first row by the next query.
        execute = self._conn.execute
        scan = self._scan.execute
        point, forward, backward = self._queries
        out: list[tuple[bytes, bytes]] = []
        while True:
            want = limit - len(out)
            fetch = min(want + 1 + (want >> 4), _MAX_LIMIT)
            if reverse:
                rows = scan(backward, (begin, end, version, fetch)).fetchall()
                folded = dict(reversed(rows))
            else:
                rows = scan(forward, (begin, end, version, fetch)).fetchall()
                folded = dict(rows)
            more = len(rows) == fetch
            if (
                not more
                and not out
                and len(rows) <= want
                and len(folded) == len(rows)
                and None not in folded.values()
            ):
                return rows  # the common case: one row per key, every one live and wanted
            if more:
                last: bytes = rows[-1][0]
                del folded[last]
                if not folded:
                    # One key has more versions than the whole batch (a hot key): seek its
                    # value directly and move past it.
                    row = execute(point, (last, version)).fetchone()
                    if row is not None and row[0] is not None:
                        out.append((last, row[0]))
                    if reverse:
                        end = last
                    else:
                        begin = last + b"\x00"
                    if len(out) >= limit or begin >= end:
                        return out
                    continue
            items = reversed(folded.items()) if reverse else folded.items()
            if None in folded.values():
                out.extend([item for item in items if item[1] is not None])
            else:
                out.extend(items)
            if not more or len(out) >= limit:
                del out[limit:]
                return out
            if reverse:
                end = last + b"\x00"
            else:
                begin = last

    # -- commit -----------------------------------------------------------------------------------
    def commit(self, request: CommitRequest) -> tuple[int, int]:
        """Decide and apply one commit, atomically and durably; return ``(version, 0)``."""
        with self._lock:
            conn = self._conn
            try:
                self._end_snapshot()
                conn.execute("BEGIN IMMEDIATE")
                try:
                    version = self._commit_locked(request)
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            except sqlite3.Error as e:
                self._abandon_snapshot()
                raise self._error(e) from e
        return version, 0

    def _commit_locked(self, request: CommitRequest) -> int:
        conn = self._conn
        latest = self._stored_version()
        version = max(latest + 1, self.now_version())
        rv = request.read_version
        if request.read_conflicts and rv is not None:
            if version - rv > MVCC_WINDOW:
                raise error_for(1007)
            if rv < latest:  # no commit can be newer than rv otherwise
                self._check_conflicts(merge_ranges(list(request.read_conflicts)), rv)
        stamp = version.to_bytes(8, "big") + b"\x00\x00"
        writes = list(request.write_conflicts)
        self._apply(request.mutations, version, stamp, writes)
        merged = merge_ranges(writes)
        if merged:
            conn.executemany(_INSERT_CONFLICT, [(version, b, e) for b, e in merged])
        conn.execute(_SET_META_VERSION, (version,))
        if self._gc_backlog or version >= self._next_gc:
            self._collect(version)
            self._next_gc = version + _GC_EVERY
        return version

    def _check_conflicts(self, reads: list[tuple[bytes, bytes]], read_version: int) -> None:
        if not reads:
            return
        cursor = self._conn.execute(_CONFLICTS_AFTER, (read_version,))
        try:
            while True:
                batch = cursor.fetchmany(_CONFLICT_FETCH)
                if not batch:
                    return
                if conflicts_with(reads, batch):
                    raise error_for(1020)
        finally:
            cursor.close()

    def _apply(
        self,
        mutations: Sequence[Mutation],
        version: int,
        stamp: bytes,
        writes: list[tuple[bytes, bytes]],
    ) -> None:
        # Every mutation of one commit lands at the same version, so only the last value given
        # to a key matters: they are gathered in ``pending`` and written together. A range
        # clear is done by SQLite over the stored rows, after writing what is pending. The
        # stored values the atomic operations start from are read up front, in a few
        # statements (``stored``), and kept current as pending values are written and ranges
        # cleared.
        conn = self._conn
        pending: dict[bytes, bytes | None] = {}
        stored = self._latest_values({m.key for m in mutations if m.op in _COMBINING})
        ordered: list[bytes] | None = None  # stored's keys, sorted when a range clear needs them
        for m in mutations:
            op = m.op
            if op == MutationType.SET_VALUE:
                pending[m.key] = m.param
            elif op == MutationType.CLEAR_RANGE:
                if m.key < m.param:
                    for key in pending.keys() & stored.keys():
                        stored[key] = pending[key]
                    self._flush(pending, version)
                    params = {"p1": version, "p2": m.key, "p3": m.param}
                    conn.execute(_NOTE_CLEAR_RANGE, params)
                    conn.execute(_CLEAR_RANGE, params)
                    if ordered is None:
                        ordered = sorted(stored)
                    first = bisect_left(ordered, m.key)
                    for key in ordered[first : bisect_left(ordered, m.param, first)]:
                        stored[key] = None
            elif op == MutationType.SET_VERSIONSTAMPED_KEY:
                key = stamp_key(m.key, stamp)
                writes.append((key, key + b"\x00"))
                pending[key] = m.param
            elif op == MutationType.SET_VERSIONSTAMPED_VALUE:
                pending[m.key] = stamp_value(m.param, stamp)
            else:
                key = m.key
                existing = pending[key] if key in pending else stored[key]
                pending[key] = apply_atomic(op, existing, m.param)
        self._flush(pending, version)

    def _latest_values(self, keys: set[bytes]) -> dict[bytes, bytes | None]:
        """The latest stored value of each of ``keys`` (None when absent or cleared)."""
        latest: dict[bytes, bytes | None] = dict.fromkeys(keys)
        if not keys:
            return latest
        conn = self._conn
        if len(keys) == 1:
            (key,) = keys
            row = conn.execute(_GET_LATEST, (key,)).fetchone()
            latest[key] = None if row is None else row[0]
            return latest
        listed = list(keys)
        for start in range(0, len(listed), _LATEST_BATCH):
            batch = listed[start : start + _LATEST_BATCH]
            batch += batch[-1:] * (_LATEST_BATCH - len(batch))  # IN ignores the repeats
            for key, value, _ in conn.execute(_GET_LATEST_MANY, batch):
                latest[key] = value
        return latest

    def _flush(self, pending: dict[bytes, bytes | None], version: int) -> None:
        if not pending:
            return
        conn = self._conn
        sets: list[tuple[bytes, int, bytes | int]] = []
        for key, value in pending.items():
            if value is None:
                continue
            if len(value) > _INLINE_MAX:  # stored in ``large``, the row holds its id
                large: int = conn.execute(_INSERT_LARGE, (value,)).lastrowid  # type: ignore[assignment]
                sets.append((key, version, large))
            else:
                sets.append((key, version, value))
        if sets:
            conn.executemany(_NOTE_SET, [(version, k, k, version) for k, _, _ in sets])
            conn.executemany(_SET, sets)
        if len(sets) < len(pending):
            clears = [{"p1": version, "p2": k} for k, v in pending.items() if v is None]
            conn.executemany(_NOTE_CLEAR, clears)
            conn.executemany(_CLEAR, clears)
        pending.clear()

    def _collect(self, version: int) -> None:
        """One bounded step of garbage collection, inside the commit's SQLite transaction."""
        conn = self._conn
        horizon = version - MVCC_WINDOW - _GC_MARGIN
        notes = conn.execute(_GC_NOTES, (horizon, _GC_BATCH)).fetchall()
        if notes:
            keys = [{"p1": key, "p2": horizon} for _, key in notes]
            conn.executemany(_GC_PRUNE, keys)
            conn.executemany(_GC_TOMBSTONE, keys)
            conn.executemany(_GC_FORGET, notes)
        # A later commit accepts read versions down to its version - MVCC_WINDOW, so it only
        # needs the conflict ranges of newer commits.
        cutoff = version - MVCC_WINDOW
        bound = conn.execute(_GC_CONFLICT_BOUND, (cutoff, _CONFLICT_GC_BATCH)).fetchone()
        conn.execute(_GC_CONFLICTS_UPTO, (cutoff if bound is None else bound[0],))
        self._gc_backlog = len(notes) == _GC_BATCH or bound is not None

    # -- closing ----------------------------------------------------------------------------------
    def close(self) -> None:
        """Close the file; later calls raise :class:`~found.UsageError`. Closing twice is fine."""
        with self._lock:
            if self._closed:
                return
            _open_storages.discard(self)
            self._snapshot = None
            self._close_shm()
            try:
                self._conn.close()
            except sqlite3.Error as e:
                raise self._error(e) from e
            finally:
                self._closed = True
