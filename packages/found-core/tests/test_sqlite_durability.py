"""The ``sqlite://`` storage across connections, processes and crashes.

Several connections to one file must behave like one database (shared versions, conflicts
decided across them), concurrent processes must not lose updates, and a process killed with
SIGKILL must leave every acknowledged commit whole and no commit in part. Also: opening files
that are not found databases, lock contention as a typed retryable error, and collection of
old versions.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from found._atomic import MutationType
from found._engines._sqlite import SqliteStorage
from found._engines._storage import MVCC_WINDOW, CommitRequest, Mutation
from found._errors import FoundException, FoundTypeError, UsageError

START = 1_000_000.0


class FakeClock:
    """A clock for tests: stands still until advanced."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def put(key: bytes, value: bytes) -> Mutation:
    """A set mutation."""
    return Mutation(MutationType.SET_VALUE, key, value)


def point(key: bytes) -> tuple[bytes, bytes]:
    """The conflict range of one key."""
    return (key, key + b"\x00")


@pytest.fixture
def path(tmp_path: Path) -> str:
    """A fresh database path (the file does not exist yet)."""
    return str(tmp_path / "data.found")


@pytest.fixture
def opened() -> Iterator[list[SqliteStorage]]:
    """Storages to close at teardown."""
    storages: list[SqliteStorage] = []
    yield storages
    for s in storages:
        s.close()


def open_storage(opened: list[SqliteStorage], path: str, **kwargs: object) -> SqliteStorage:
    """Open a storage that the ``opened`` fixture closes."""
    s = SqliteStorage(path, **kwargs)  # type: ignore[arg-type]
    opened.append(s)
    return s


def run_children(script: str, *args: str, count: int = 1) -> list[subprocess.Popen[str]]:
    """Start ``count`` Python processes running ``script`` with ``args``."""
    return [
        subprocess.Popen(
            [sys.executable, "-c", script, *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(count)
    ]


# -- several connections in one process -----------------------------------------------------------
def test_two_connections_see_each_others_commits(path: str, opened: list[SqliteStorage]) -> None:
    """A commit through one instance is visible to a read version taken by the other."""
    a = open_storage(opened, path)
    b = open_storage(opened, path)
    va, _ = a.commit(CommitRequest(None, [], [point(b"k")], [put(b"k", b"from a")]))
    rv = b.read_version()
    assert rv >= va
    assert b.get(b"k", rv) == b"from a"
    vb, _ = b.commit(CommitRequest(rv, [], [point(b"k")], [put(b"k", b"from b")]))
    assert vb > va
    assert a.get(b"k", a.read_version()) == b"from b"
    assert a.read_range(b"", b"\xff", va, 10, False) == [(b"k", b"from a")]
    assert a.latest_version() == b.latest_version() == vb


def test_a_read_snapshot_serves_old_versions_and_is_refreshed_for_newer_ones(
    path: str, opened: list[SqliteStorage]
) -> None:
    """Reads inside one connection's snapshot see neither too little nor too much."""
    a = open_storage(opened, path)
    b = open_storage(opened, path)
    v1, _ = b.commit(CommitRequest(None, [], [point(b"k")], [put(b"k", b"one")]))
    rv1 = a.read_version()  # a's snapshot starts here
    assert a.get(b"k", rv1) == b"one"
    v2, _ = b.commit(CommitRequest(None, [], [point(b"k")], [put(b"k", b"two")]))
    # The snapshot still serves rv1 exactly, and v1 - 1 sees nothing.
    assert a.get(b"k", rv1) == b"one"
    assert a.get(b"k", v1 - 1) is None
    # A version newer than the snapshot (a set read version) must see b's later commit.
    assert a.get(b"k", v2) == b"two"
    assert a.read_range(b"", b"\xff", v2, 10, False) == [(b"k", b"two")]
    # And the old version is still served after the refresh.
    assert a.read_range(b"", b"\xff", rv1, 10, False) == [(b"k", b"one")]
    assert a.latest_version() == v2
    rv2 = a.read_version()
    assert rv2 >= v2
    assert a.get(b"k", rv2) == b"two"


@pytest.mark.parametrize("shm", [True, False], ids=["wal-index-check", "no-wal-index"])
def test_read_version_always_sees_commits_of_other_connections(
    path: str, opened: list[SqliteStorage], shm: bool
) -> None:
    """A reused snapshot never hides a commit made through another connection."""
    a = open_storage(opened, path)
    b = open_storage(opened, path)
    if not shm:
        a._close_shm()  # as on a platform without the -shm file: always a new snapshot
    rv = a.read_version()
    assert a.read_version() == rv  # nothing committed: the same version again
    for i in range(50):
        v, _ = b.commit(CommitRequest(None, [], [point(b"k")], [put(b"k", b"%d" % i)]))
        rv = a.read_version()
        assert rv >= v
        assert a.get(b"k", rv) == b"%d" % i
        assert a.read_version() >= rv


def test_releasing_the_snapshot_lets_other_connections_checkpoint(
    path: str, opened: list[SqliteStorage]
) -> None:
    """An open read snapshot pins the WAL; release_snapshot unpins it."""
    a = open_storage(opened, path)
    b = open_storage(opened, path)
    b.commit(CommitRequest(None, [], [point(b"k")], [put(b"k", b"0")]))
    a.get(b"k", a.read_version())  # a now holds a snapshot
    for i in range(20):
        b.commit(CommitRequest(None, [], [point(b"k")], [put(b"k", b"%d" % i)]))
    checker = sqlite3.connect(path, isolation_level=None, timeout=0.1)
    try:
        busy, _, _ = checker.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 1  # a's snapshot is in the way
        a.release_snapshot()
        a.release_snapshot()  # idempotent
        busy, _, _ = checker.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    finally:
        checker.close()
    assert a.get(b"k", a.read_version()) == b"19"


async def test_the_database_releases_its_snapshot_soon_after_reads(tmp_path: Path) -> None:
    """A process that goes idle after a transaction does not pin other processes' WAL."""
    import asyncio

    import found
    from found._engines import _database

    target = tmp_path / "idle.found"
    db = await found.open(f"sqlite://{target}")
    try:
        await found.transactional(db, found.set, b"k", b"v")
        assert await found.transactional(db, found.get, b"k") == b"v"
        checker = sqlite3.connect(target, isolation_level=None, timeout=0.1)
        try:
            await asyncio.sleep(_database._RELEASE_AFTER * 3)
            checker.execute("BEGIN IMMEDIATE")
            checker.execute("COMMIT")
            busy, _, _ = checker.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            assert busy == 0
        finally:
            checker.close()
    finally:
        await db.close()


def test_conflicts_are_detected_between_connections(path: str, opened: list[SqliteStorage]) -> None:
    """A read in one instance conflicts with a later write committed through another."""
    a = open_storage(opened, path)
    b = open_storage(opened, path)
    rv = b.read_version()
    a.commit(CommitRequest(a.read_version(), [point(b"k")], [point(b"k")], [put(b"k", b"a")]))
    with pytest.raises(FoundException) as info:
        b.commit(CommitRequest(rv, [point(b"k")], [point(b"k")], [put(b"k", b"b")]))
    assert info.value.code == 1020
    assert b.get(b"k", b.read_version()) == b"a"


def test_read_version_of_a_fast_clock_is_never_reused_by_a_slow_one(
    path: str, opened: list[SqliteStorage]
) -> None:
    """A process whose clock lags still commits above every read version handed out."""
    fast = open_storage(opened, path, clock=FakeClock(START + 100.0))
    slow = open_storage(opened, path, clock=FakeClock(START))
    rv = fast.read_version()
    assert rv >= fast.now_version() - MVCC_WINDOW // 10
    v, _ = slow.commit(CommitRequest(None, [], [point(b"k")], [put(b"k", b"slow")]))
    assert v > rv
    assert fast.get(b"k", rv) is None
    with pytest.raises(FoundException) as info:
        fast.commit(CommitRequest(rv, [point(b"k")], [], [put(b"x", b"")]))
    assert info.value.code == 1020


def test_data_and_versions_survive_reopening(path: str, opened: list[SqliteStorage]) -> None:
    """After close and reopen (even with a clock behind) data is there and versions go on."""
    s = open_storage(opened, path, clock=FakeClock(START + 50.0))
    v, _ = s.commit(CommitRequest(None, [], [], [put(b"k", b"v")]))
    s.close()
    again = open_storage(opened, path, clock=FakeClock(START), synchronous="FULL")
    assert again.read_version() >= v
    assert again.get(b"k", again.read_version()) == b"v"
    v2, _ = again.commit(CommitRequest(None, [], [], [put(b"k", b"w")]))
    assert v2 > v


# -- several processes ----------------------------------------------------------------------------
INCREMENT = """
import random, sys, time
from found._atomic import MutationType
from found._engines._sqlite import SqliteStorage
from found._engines._storage import CommitRequest, Mutation
from found._errors import FoundException

s = SqliteStorage(sys.argv[1])
key = b"counter"
done = retries = 0
while done < 50:
    rv = s.read_version()
    n = int(s.get(key, rv) or b"0") + 1
    time.sleep(random.random() * 0.002)  # widen the window between read and commit
    request = CommitRequest(
        rv, [(key, key + b"\\x00")], [(key, key + b"\\x00")],
        [Mutation(MutationType.SET_VALUE, key, b"%d" % n)],
    )
    try:
        s.commit(request)
    except FoundException as e:
        if not e.retryable:
            raise
        retries += 1
    else:
        done += 1
s.close()
print(retries)
"""


def test_four_processes_incrementing_one_counter_lose_no_update(
    path: str, opened: list[SqliteStorage]
) -> None:
    """4 processes x 50 read-modify-write increments, retried on 1020, end at exactly 200."""
    children = run_children(INCREMENT, path, count=4)
    retries = 0
    for child in children:
        out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        retries += int(out)
    s = open_storage(opened, path)
    assert s.get(b"counter", s.read_version()) == b"200", f"{retries} retries"


WRITER = """
import sys
from found._atomic import MutationType
from found._engines._sqlite import SqliteStorage
from found._engines._storage import CommitRequest, Mutation

s = SqliteStorage(sys.argv[1])
i = int(sys.argv[2])
filler = b"x" * 2000
while True:
    tag = b"%d" % i
    mutations = [
        Mutation(MutationType.SET_VALUE, b"t/%08d/%02d" % (i, j), tag + filler) for j in range(20)
    ]
    mutations.append(Mutation(MutationType.SET_VALUE, b"last", tag))
    version, _ = s.commit(CommitRequest(None, [], [], mutations))
    print(i, version, flush=True)
    i += 1
"""


def test_kill_9_keeps_every_acknowledged_commit_whole(
    path: str, opened: list[SqliteStorage]
) -> None:
    """After SIGKILL mid-stream every acknowledged commit is complete and none is partial."""
    rng = random.Random()
    next_id = 0
    for _ in range(3):
        (child,) = run_children(WRITER, path, str(next_id))
        assert child.stdout is not None
        first = child.stdout.readline()  # the writer is running
        assert first, child.stderr.read() if child.stderr else ""
        time.sleep(rng.uniform(0.02, 0.25))
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=30) == -signal.SIGKILL
        # Lines the writer printed before it died are still in the pipe (and in readline's
        # buffer): read them through the same file object.
        out = child.stdout.read()
        child.stdout.close()
        if child.stderr is not None:
            child.stderr.close()
        # A line cut short by the kill (no newline yet) was never fully acknowledged.
        lines = (first + out).split("\n")[:-1]
        acked = [tuple(map(int, line.split())) for line in lines]
        assert [i for i, _ in acked] == list(range(next_id, next_id + len(acked)))

        s = SqliteStorage(path)
        try:
            latest = s.read_version()
            rows = s.read_range(b"t/", b"t0", latest, 1_000_000, False)
            by_txn: dict[int, list[bytes]] = {}
            for key, value in rows:
                txn = int(key.split(b"/")[1])
                assert value.startswith(b"%d" % txn)
                by_txn.setdefault(txn, []).append(key)
            assert all(len(keys) == 20 for keys in by_txn.values()), "a partial commit"
            present = sorted(by_txn)
            last_acked = acked[-1][0]
            # Every acknowledged commit is there; at most one more got through unacknowledged.
            assert present[: last_acked + 1] == list(range(last_acked + 1))
            assert present == list(range(len(present)))
            assert len(present) <= last_acked + 2
            assert s.get(b"last", latest) == b"%d" % present[-1]
            for i, version in acked:
                assert s.get(b"t/%08d/00" % i, version) is not None
            next_id = len(present)
        finally:
            s.close()


FORK = """
import os, sys
from found._atomic import MutationType
from found._engines._sqlite import SqliteStorage
from found._engines._storage import CommitRequest, Mutation
from found._errors import UsageError

s = SqliteStorage(sys.argv[1])
s.commit(CommitRequest(None, [], [], [Mutation(MutationType.SET_VALUE, b"k", b"parent")]))
pid = os.fork()
if pid == 0:
    code = 0
    try:
        s.get(b"k", s.latest_version())
    except UsageError as e:
        code = 3 if "fork" in str(e) else 4
    fresh = SqliteStorage(sys.argv[1])
    if fresh.get(b"k", fresh.read_version()) != b"parent":
        code = 5
    fresh.close()
    s.close()
    os._exit(code)
_, status = os.waitpid(pid, 0)
assert s.get(b"k", s.read_version()) == b"parent"
s.close()
print(os.waitstatus_to_exitcode(status))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_connection_inherited_across_fork_is_refused(path: str) -> None:
    """A forked child cannot use its parent's storage, but can open its own."""
    (child,) = run_children(FORK, path)
    out, err = child.communicate(timeout=60)
    assert child.returncode == 0, err
    assert out.strip() == "3"


# -- opening --------------------------------------------------------------------------------------
def test_opening_a_file_that_is_not_a_database_raises_usage_error(tmp_path: Path) -> None:
    """A text file is refused with a typed error and left untouched."""
    junk = tmp_path / "notes.txt"
    junk.write_bytes(b"hello, this is not SQLite\n" * 100)
    with pytest.raises(UsageError, match="not a found database"):
        SqliteStorage(str(junk))
    assert junk.read_bytes() == b"hello, this is not SQLite\n" * 100


def test_opening_a_foreign_sqlite_database_raises_usage_error(tmp_path: Path) -> None:
    """A SQLite database of another application is refused."""
    other = str(tmp_path / "other.db")
    raw = sqlite3.connect(other)
    raw.execute("CREATE TABLE people (name TEXT)")
    raw.commit()
    raw.close()
    with pytest.raises(UsageError, match="not a found database"):
        SqliteStorage(other)


def test_opening_an_empty_database_of_another_application_raises_usage_error(
    tmp_path: Path,
) -> None:
    """An empty SQLite file stamped with another application id is not taken over."""
    other = str(tmp_path / "other.db")
    raw = sqlite3.connect(other)
    raw.execute("PRAGMA application_id = 1234")
    raw.commit()
    raw.close()
    with pytest.raises(UsageError, match="application_id"):
        SqliteStorage(other)
    raw = sqlite3.connect(other)
    assert raw.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    raw.close()


def test_opening_a_new_file_waits_while_another_process_holds_its_write_lock(
    path: str, opened: list[SqliteStorage]
) -> None:
    """A file still in rollback mode, write-locked by another connection: switching it to WAL
    fails at once inside SQLite (waiting could deadlock), so opening retries until the lock
    is gone, within the busy timeout. Four processes opening a new file at once hit this."""
    other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")
    release = threading.Timer(0.2, lambda: other.execute("COMMIT"))
    release.start()
    try:
        started = time.monotonic()
        s = open_storage(opened, path, busy_timeout=5.0)
        waited = time.monotonic() - started
    finally:
        release.join()
        other.close()
    assert waited >= 0.1  # it did wait for the lock
    assert s._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_opening_gives_up_with_1038_after_the_busy_timeout(
    path: str, opened: list[SqliteStorage]
) -> None:
    """A write lock held for longer than the busy timeout: open raises DatabaseLocked."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(FoundException) as caught:
            open_storage(opened, path, busy_timeout=0.1)
        assert caught.value.code == 1038
    finally:
        other.execute("ROLLBACK")
        other.close()


def test_opening_a_newer_format_raises_usage_error(path: str) -> None:
    """A file written by a newer found names the format it found."""
    SqliteStorage(path).close()
    raw = sqlite3.connect(path)
    raw.execute("UPDATE meta SET value = 99 WHERE name = 'format'")
    raw.commit()
    raw.close()
    with pytest.raises(UsageError, match="newer found"):
        SqliteStorage(path)


def test_bad_arguments_raise_typed_errors(tmp_path: Path) -> None:
    """A bad synchronous mode or an unreachable directory is refused by name."""
    with pytest.raises(UsageError, match="synchronous"):
        SqliteStorage(str(tmp_path / "a.found"), synchronous="SOMETIMES")
    with pytest.raises(FoundTypeError, match="synchronous"):
        SqliteStorage(str(tmp_path / "a.found"), synchronous=2)  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="cannot open"):
        SqliteStorage(str(tmp_path / "missing" / "dir" / "a.found"))


@pytest.mark.parametrize("mode", ["OFF", "normal", "FULL", "EXTRA"])
def test_synchronous_mode_is_applied(path: str, opened: list[SqliteStorage], mode: str) -> None:
    """The synchronous setting reaches SQLite, whatever its case."""
    s = open_storage(opened, path, synchronous=mode)
    value = s._conn.execute("PRAGMA synchronous").fetchone()[0]
    assert value == ["OFF", "NORMAL", "FULL", "EXTRA"].index(mode.upper())
    assert s._conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


# -- lock contention ------------------------------------------------------------------------------
def test_write_lock_held_too_long_is_a_retryable_error(
    path: str, opened: list[SqliteStorage]
) -> None:
    """A commit that cannot get the write lock fails with retryable 1038, writing nothing."""
    clock = FakeClock()
    s = open_storage(opened, path, clock=clock, busy_timeout=0.05)
    v, _ = s.commit(CommitRequest(None, [], [], [put(b"k", b"before")]))
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        with pytest.raises(FoundException) as info:
            s.commit(CommitRequest(None, [], [], [put(b"k", b"during")]))
        assert info.value.code == 1038
        assert info.value.retryable_not_committed
        # Readers are not blocked, and a read version is still handed out.
        clock.advance(2.0)
        assert s.read_version() >= v
        assert s.get(b"k", s.read_version()) == b"before"
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    v2, _ = s.commit(CommitRequest(None, [], [], [put(b"k", b"after")]))
    assert s.get(b"k", v2) == b"after"


# -- collection of old versions -------------------------------------------------------------------
def test_history_and_conflicts_older_than_the_window_are_collected(
    path: str, opened: list[SqliteStorage]
) -> None:
    """Overwritten values, clears and old conflict ranges leave the file once out of the window."""
    clock = FakeClock()
    s = open_storage(opened, path, clock=clock)
    for i in range(200):
        key = b"k%02d" % (i % 20)
        s.commit(CommitRequest(None, [], [point(key)], [put(key, b"%d" % i)]))
        clock.advance(0.001)
    s.commit(
        CommitRequest(
            None, [], [(b"k10", b"k20")], [Mutation(MutationType.CLEAR_RANGE, b"k10", b"k20")]
        )
    )
    expected = s.read_range(b"", b"\xff", s.read_version(), 100, False)
    assert len(expected) == 10

    def count(table: str) -> int:
        n: int = s._conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        return n

    assert count("kv") > 200
    clock.advance(7.0)
    for _ in range(10):  # collection runs in bounded steps inside commits
        s.commit(CommitRequest(None, [], [point(b"tick")], [put(b"tick", b"")]))
        clock.advance(0.2)
    latest = s.read_version()
    assert s.read_range(b"k", b"l", latest, 100, False) == expected
    assert count("kv") == 10 + 10  # the live k?? rows plus the tick key's rows in the window
    assert count("garbage") <= 10
    assert count("conflicts") <= 10


# -- large values ---------------------------------------------------------------------------------
def _large_rows(s: SqliteStorage) -> tuple[int, int]:
    """(rows of ``large``, kv rows that point into it): equal unless a large value leaked."""
    conn = s._conn
    large: int = conn.execute("SELECT count(*) FROM large").fetchone()[0]
    pointers: int = conn.execute(
        "SELECT count(*) FROM kv WHERE typeof(value) = 'integer'"
    ).fetchone()[0]
    return large, pointers


def test_large_values_live_out_of_line_and_read_back_at_every_version(
    path: str, opened: list[SqliteStorage]
) -> None:
    """A value over 512 bytes is a row of ``large``; reads at each version see the right bytes."""
    clock = FakeClock()
    s = open_storage(opened, path, clock=clock)
    small, edge, big = b"s" * 10, b"e" * 512, bytes(range(256)) * 300
    v1 = s.commit(CommitRequest(None, [], [], [put(b"a", big), put(b"b", edge), put(b"c", small)]))[
        0
    ]
    v2 = s.commit(CommitRequest(None, [], [], [put(b"a", big[::-1]), put(b"b", big)]))[0]
    kinds = dict(s._conn.execute("SELECT key, typeof(value) FROM kv WHERE version = ?", (v1,)))
    assert kinds == {b"a": "integer", b"b": "blob", b"c": "blob"}
    assert _large_rows(s) == (3, 3)
    assert [s.get(k, v1) for k in (b"a", b"b", b"c")] == [big, edge, small]
    assert s.read_range(b"", b"z", v1, 10, False) == [(b"a", big), (b"b", edge), (b"c", small)]
    assert s.read_range(b"", b"z", v2, 10, True) == [(b"c", small), (b"b", big), (b"a", big[::-1])]
    # An atomic op reads the large value it applies to.
    append = Mutation(MutationType.APPEND_IF_FITS, b"b", b"!")
    v3 = s.commit(CommitRequest(None, [], [], [append]))[0]
    assert s.get(b"b", v3) == big + b"!"


def test_large_values_replaced_within_a_commit_or_collected_leave_no_rows_behind(
    path: str, opened: list[SqliteStorage]
) -> None:
    """Overwrites in one commit, clears and collection delete the large rows they orphan."""
    clock = FakeClock()
    s = open_storage(opened, path, clock=clock)
    big = b"x" * 2000
    clear_all = Mutation(MutationType.CLEAR_RANGE, b"", b"\xff")
    # set, range clear, set again: the same (key, version) row is replaced twice.
    v = s.commit(CommitRequest(None, [], [], [put(b"k", big), clear_all, put(b"k", big + b"2")]))[0]
    assert s.get(b"k", v) == big + b"2"
    assert _large_rows(s) == (1, 1)
    for i in range(20):
        s.commit(CommitRequest(None, [], [], [put(b"k%d" % (i % 4), big + b"%d" % i)]))
        clock.advance(0.01)
    s.commit(CommitRequest(None, [], [], [clear_all]))
    assert _large_rows(s)[0] == 21
    clock.advance(7.0)
    for _ in range(5):
        s.commit(CommitRequest(None, [], [], [put(b"tick", b"")]))
        clock.advance(0.2)
    assert _large_rows(s) == (0, 0)
    assert s.read_range(b"", b"\xff", s.read_version(), 10, False) == [(b"tick", b"")]


def test_a_format_1_file_is_upgraded_in_place_and_keeps_its_inline_values(
    path: str, opened: list[SqliteStorage]
) -> None:
    """Files written before ``large`` existed open, read as before, and store new large values
    out of line."""
    s = SqliteStorage(path)
    s.close()
    big = b"y" * 5000
    raw = sqlite3.connect(path)
    raw.execute("DROP TRIGGER large_follows_kv")
    raw.execute("DROP TABLE large")
    raw.execute("UPDATE meta SET value = 1 WHERE name = 'format'")
    raw.execute("INSERT INTO kv VALUES (?, 1, ?)", (b"old", big))  # as format 1 stored it
    raw.commit()
    raw.close()
    s = open_storage(opened, path)
    assert s._conn.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()[0] == 2
    v = s.commit(CommitRequest(None, [], [], [put(b"new", big)]))[0]
    assert s.read_range(b"", b"\xff", v, 10, False) == [(b"new", big), (b"old", big)]
    assert _large_rows(s) == (1, 1)
    # A second opener finds the file upgraded already.
    other = open_storage(opened, path)
    assert other.get(b"old", v) == big


def test_a_large_value_written_by_another_connection_reads_as_its_bytes(
    path: str, opened: list[SqliteStorage]
) -> None:
    """A reader whose snapshot began while the file held no large value sees the next one
    as bytes, never as the id its row holds (reads skip the join while none exists)."""
    reader = open_storage(opened, path)
    writer = open_storage(opened, path)
    v = writer.commit(CommitRequest(None, [], [], [put(b"small", b"s")]))[0]
    assert reader.get(b"small", reader.read_version()) == b"s"
    big = b"z" * 3000
    v = writer.commit(CommitRequest(None, [], [], [put(b"big", big)]))[0]
    latest = reader.read_version()
    assert latest >= v
    assert reader.get(b"big", latest) == big
    assert reader.read_range(b"", b"\xff", latest, 10, False) == [(b"big", big), (b"small", b"s")]
    assert reader.read_range(b"", b"\xff", latest, 10, True) == [(b"small", b"s"), (b"big", big)]
