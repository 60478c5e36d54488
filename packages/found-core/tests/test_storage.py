"""Conformance of the embedded storages (``memory://`` and ``sqlite://``) to the Storage contract.

Every test runs against both :class:`MemoryStorage` and :class:`SqliteStorage`: versions, MVCC
reads, range reads in batches, clears, atomic and versionstamped mutations, conflicts (1020) and
age (1007). The property tests replay random commits against a dict model at every version.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from found._atomic import MutationType, apply_atomic
from found._engines._memory import MemoryStorage, stamp_value
from found._engines._sqlite import SqliteStorage
from found._engines._storage import MVCC_WINDOW, CommitRequest, Mutation, Storage
from found._errors import FoundException

M = MutationType
START = 1_000_000.0  # seconds on the fake clock; exactly representable, like every step used


class FakeClock:
    """A clock for tests: stands still until advanced."""

    def __init__(self, now: float = START) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


Factory = Callable[..., Storage]


def _open_storage(kind: str, directory: Path, counter: Iterator[int], clock: FakeClock) -> Storage:
    if kind == "memory":
        return MemoryStorage(clock)
    return SqliteStorage(str(directory / f"db{next(counter)}.found"), clock)


@pytest.fixture(params=["memory", "sqlite"])
def make_storage(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Factory]:
    """A factory of fresh storages of one kind; all are closed at teardown."""
    kind: str = request.param
    directory = tmp_path_factory.mktemp(kind)
    counter = itertools.count()
    opened: list[Storage] = []

    def make(clock: FakeClock | None = None) -> Storage:
        storage = _open_storage(kind, directory, counter, clock or FakeClock())
        opened.append(storage)
        return storage

    yield make
    for storage in opened:
        storage.close()


@pytest.fixture
def kind(make_storage: Factory) -> str:
    """ "memory" or "sqlite", the kind ``make_storage`` builds."""
    probe = make_storage()
    return "memory" if isinstance(probe, MemoryStorage) else "sqlite"


def point(key: bytes) -> tuple[bytes, bytes]:
    """The conflict range of one key."""
    return (key, key + b"\x00")


def commit(
    storage: Storage,
    *mutations: Mutation,
    read_version: int | None = None,
    reads: Sequence[tuple[bytes, bytes]] = (),
    writes: Sequence[tuple[bytes, bytes]] | None = None,
) -> int:
    """Commit ``mutations``; write conflicts default to what the mutations touch."""
    if writes is None:
        writes = [
            (m.key, m.param) if m.op == M.CLEAR_RANGE else point(m.key)
            for m in mutations
            if m.op != M.SET_VERSIONSTAMPED_KEY
        ]
    version, batch = storage.commit(CommitRequest(read_version, reads, writes, mutations))
    assert batch == 0
    return version


def put(key: bytes, value: bytes) -> Mutation:
    """A set mutation."""
    return Mutation(M.SET_VALUE, key, value)


def clear(begin: bytes, end: bytes | None = None) -> Mutation:
    """A clear of one key, or of ``[begin, end)``."""
    return Mutation(M.CLEAR_RANGE, begin, begin + b"\x00" if end is None else end)


def scan(
    storage: Storage, begin: bytes, end: bytes, version: int, batch: int, reverse: bool
) -> list[tuple[bytes, bytes]]:
    """Read a whole range in batches of ``batch`` rows, resuming as the transaction layer does."""
    out: list[tuple[bytes, bytes]] = []
    while True:
        rows = storage.read_range(begin, end, version, batch, reverse)
        assert len(rows) <= batch
        out.extend(rows)
        if len(rows) < batch:
            return out
        if reverse:
            end = rows[-1][0]
        else:
            begin = rows[-1][0] + b"\x00"


def error_code(call: Callable[[], object]) -> int:
    """The FoundationDB error code ``call`` raises."""
    with pytest.raises(FoundException) as info:
        call()
    return info.value.code


# -- versions -------------------------------------------------------------------------------------
def test_commit_versions_strictly_increase_even_when_the_clock_stands_still(
    make_storage: Factory,
) -> None:
    """Successive commits get strictly increasing versions with a frozen clock."""
    s = make_storage()
    versions = [commit(s, put(b"k", b"%d" % i)) for i in range(20)]
    assert versions == sorted(set(versions))
    assert len(versions) == 20


def test_commit_versions_increase_when_the_clock_goes_backwards(make_storage: Factory) -> None:
    """A clock that jumps back never makes a commit version go back."""
    clock = FakeClock()
    s = make_storage(clock)
    first = commit(s, put(b"k", b"1"))
    clock.advance(-10.0)
    second = commit(s, put(b"k", b"2"))
    assert second > first


def test_read_version_never_goes_backwards(make_storage: Factory) -> None:
    """read_version is monotonic through commits, idle time and a clock that goes back."""
    clock = FakeClock()
    s = make_storage(clock)
    seen = [s.read_version()]
    for step in (0.0, 0.25, 3.0, -2.0, 0.0, 10.0, -20.0):
        clock.advance(step)
        seen.append(s.read_version())
        seen.append(commit(s, put(b"k", b"v")))
        seen.append(s.read_version())
    assert seen == sorted(seen)


def test_read_version_sees_every_acknowledged_commit(make_storage: Factory) -> None:
    """A read version taken after a commit is at least its version (causality)."""
    s = make_storage()
    for i in range(5):
        version = commit(s, put(b"k", b"%d" % i))
        assert s.read_version() >= version
        assert s.latest_version() >= version


def test_commit_version_exceeds_every_read_version_handed_out(make_storage: Factory) -> None:
    """A commit after a read version was handed out commits above it."""
    clock = FakeClock()
    s = make_storage(clock)
    for step in (0.0, 1.0, 0.125, 7.0):
        clock.advance(step)
        rv = s.read_version()
        assert commit(s, put(b"k", b"v")) > rv


def test_idle_time_advances_the_read_version(make_storage: Factory) -> None:
    """After ten idle seconds the read version has moved with the clock."""
    clock = FakeClock()
    s = make_storage(clock)
    before = s.read_version()
    clock.advance(10.0)
    after = s.read_version()
    assert after >= s.now_version() - MVCC_WINDOW // 10
    assert after - before >= 9_000_000
    # ... so a transaction started now is young, not 1007.
    commit(s, put(b"k", b"v"), read_version=after, reads=[point(b"k")])


def test_now_version_follows_the_clock(make_storage: Factory) -> None:
    """now_version is the clock in microseconds."""
    clock = FakeClock()
    s = make_storage(clock)
    assert s.now_version() == int(START * 1_000_000)
    clock.advance(2.5)
    assert s.now_version() == int((START + 2.5) * 1_000_000)


# -- MVCC reads -----------------------------------------------------------------------------------
def test_get_returns_the_value_at_each_version(make_storage: Factory) -> None:
    """Reads at older versions see older values, the clear included."""
    s = make_storage()
    before = s.read_version()
    v1 = commit(s, put(b"k", b"one"))
    v2 = commit(s, put(b"k", b"two"))
    v3 = commit(s, clear(b"k"))
    v4 = commit(s, put(b"k", b"four"))
    assert s.get(b"k", before) is None
    assert [s.get(b"k", v) for v in (v1, v2, v3, v4)] == [b"one", b"two", None, b"four"]
    assert s.get(b"k", v2 - 1) == b"one"
    assert s.get(b"k", v4 + 1000) == b"four"


def test_read_range_at_old_versions_sees_old_snapshots(make_storage: Factory) -> None:
    """A range read at an older version returns exactly that snapshot."""
    s = make_storage()
    v1 = commit(s, put(b"a", b"1"), put(b"b", b"1"), put(b"c", b"1"))
    v2 = commit(s, put(b"b", b"2"), clear(b"c"), put(b"d", b"2"))
    v3 = commit(s, clear(b"a", b"z"))
    assert s.read_range(b"", b"\xff", v1, 10, False) == [(b"a", b"1"), (b"b", b"1"), (b"c", b"1")]
    assert s.read_range(b"", b"\xff", v2, 10, False) == [(b"a", b"1"), (b"b", b"2"), (b"d", b"2")]
    assert s.read_range(b"", b"\xff", v3, 10, False) == []
    assert s.read_range(b"", b"\xff", v2, 10, True) == [(b"d", b"2"), (b"b", b"2"), (b"a", b"1")]


def test_empty_value_is_present_not_cleared(make_storage: Factory) -> None:
    """b'' is a value: get returns it and range reads list it."""
    s = make_storage()
    v = commit(s, put(b"e", b""))
    assert s.get(b"e", v) == b""
    assert s.read_range(b"", b"\xff", v, 5, False) == [(b"e", b"")]


def test_keys_sort_as_bytes(make_storage: Factory) -> None:
    """Keys come back in unsigned byte order, shorter prefixes first."""
    s = make_storage()
    keys = [
        b"",
        b"\x00",
        b"\x00\x00",
        b"\x01",
        b"a",
        b"a\x00",
        b"a\xff",
        b"b",
        b"\xff",
        b"\xff\x00",
    ]
    v = commit(s, *[put(k, k) for k in reversed(keys)])
    assert [k for k, _ in s.read_range(b"", b"\xff\xff", v, 100, False)] == keys
    assert [k for k, _ in s.read_range(b"", b"\xff\xff", v, 100, True)] == keys[::-1]


def test_read_range_forward_reverse_and_limit(make_storage: Factory) -> None:
    """Forward and reverse reads honour [begin, end) and stop at limit."""
    s = make_storage()
    v = commit(s, *[put(b"k%02d" % i, b"%d" % i) for i in range(20)])
    rows = s.read_range(b"k05", b"k15", v, 100, False)
    assert [k for k, _ in rows] == [b"k%02d" % i for i in range(5, 15)]
    assert s.read_range(b"k05", b"k15", v, 3, False) == rows[:3]
    assert s.read_range(b"k05", b"k15", v, 3, True) == rows[::-1][:3]
    assert s.read_range(b"k05", b"k15", v, 10, True) == rows[::-1]
    assert s.read_range(b"k15", b"k05", v, 10, False) == []
    assert s.read_range(b"k05", b"k05", v, 10, True) == []
    assert s.read_range(b"k05", b"k05\x00", v, 10, True) == [(b"k05", b"5")]


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("batch", [1, 2, 3, 7, 1000])
def test_batched_scan_resumes_past_history_and_clears(
    make_storage: Factory, batch: int, reverse: bool
) -> None:
    """Reading in batches gives the full snapshot: hot keys, clears and history included."""
    s = make_storage()
    commit(s, *[put(b"k%02d" % i, b"old") for i in range(30)])
    for round_ in range(40):  # k07 and k22 get 40 versions each: more than any small batch
        commit(s, put(b"k07", b"%d" % round_), put(b"k22", b"%d" % round_))
    commit(s, clear(b"k10", b"k20"), clear(b"k03"))
    middle = commit(s, put(b"k15", b"back"), put(b"k30", b"new"))
    commit(s, put(b"k00", b"later"), clear(b"k22"), clear(b"k29"))
    expected = {b"k%02d" % i: b"old" for i in range(30) if not (10 <= i < 20 or i == 3)}
    expected.update({b"k07": b"39", b"k22": b"39", b"k15": b"back", b"k30": b"new"})
    want = sorted(expected.items(), reverse=reverse)
    assert scan(s, b"", b"\xff", middle, batch, reverse) == want
    assert scan(s, b"k07", b"k23", middle, batch, reverse) == [
        kv for kv in want if b"k07" <= kv[0] < b"k23"
    ]


def test_read_range_limit_counts_live_rows_only(make_storage: Factory) -> None:
    """Cleared keys do not use up the limit."""
    s = make_storage()
    commit(s, *[put(b"k%02d" % i, b"v") for i in range(10)])
    v = commit(s, clear(b"k00", b"k08"))
    assert s.read_range(b"", b"\xff", v, 2, False) == [(b"k08", b"v"), (b"k09", b"v")]
    assert s.read_range(b"", b"\xff", v, 1, True) == [(b"k09", b"v")]


# -- clears and writes ----------------------------------------------------------------------------
def test_clear_range_clears_only_inside_the_half_open_range(make_storage: Factory) -> None:
    """clear_range(b, e) removes b <= key < e and nothing else."""
    s = make_storage()
    commit(s, *[put(k, b"v") for k in (b"a", b"b", b"b\x00", b"c", b"c\x00")])
    v = commit(s, clear(b"b", b"c"))
    assert [k for k, _ in s.read_range(b"", b"\xff", v, 10, False)] == [b"a", b"c", b"c\x00"]


def test_clear_of_missing_keys_changes_nothing(make_storage: Factory) -> None:
    """Clearing absent keys or an inverted range leaves the data as it was."""
    s = make_storage()
    commit(s, put(b"a", b"1"))
    v = commit(s, clear(b"zz"), clear(b"q", b"r"), clear(b"z", b"a"))
    assert s.read_range(b"", b"\xff", v, 10, False) == [(b"a", b"1")]


def test_mutations_of_one_commit_apply_in_order(make_storage: Factory) -> None:
    """Within a commit a later set wins, a set after a clear revives, a clear after a set wins."""
    s = make_storage()
    commit(s, put(b"a", b"0"), put(b"b", b"0"))
    v = commit(
        s,
        put(b"a", b"1"),
        put(b"a", b"2"),
        clear(b"a", b"c"),
        put(b"b", b"3"),
        put(b"c", b"4"),
        clear(b"c"),
        put(b"d", b"5"),
        clear(b"d", b"e"),
        put(b"d", b"6"),
    )
    assert s.read_range(b"", b"\xff", v, 10, False) == [(b"b", b"3"), (b"d", b"6")]


# -- atomic and versionstamped mutations ----------------------------------------------------------
def test_atomic_ops_apply_to_the_latest_value_at_commit(make_storage: Factory) -> None:
    """An atomic op combines with the value committed last, not the one at its read version."""
    s = make_storage()
    old = commit(s, put(b"n", (5).to_bytes(8, "little")))
    commit(s, put(b"n", (100).to_bytes(8, "little")))
    v = commit(s, Mutation(M.ADD, b"n", (1).to_bytes(8, "little")), read_version=old)
    assert s.get(b"n", v) == (101).to_bytes(8, "little")


def test_atomic_ops_see_earlier_mutations_of_the_same_commit(make_storage: Factory) -> None:
    """set then add in one commit adds to the set value; add on an absent key takes param."""
    s = make_storage()
    v = commit(
        s,
        put(b"a", b"\x05"),
        Mutation(M.ADD, b"a", b"\x01"),
        Mutation(M.ADD, b"a", b"\x01"),
        Mutation(M.ADD, b"fresh", b"\x07"),
        Mutation(M.BYTE_MAX, b"m", b"abc"),
        Mutation(M.BYTE_MAX, b"m", b"abd"),
        Mutation(M.APPEND_IF_FITS, b"s", b"x"),
        Mutation(M.APPEND_IF_FITS, b"s", b"y"),
    )
    assert s.get(b"a", v) == b"\x07"
    assert s.get(b"fresh", v) == b"\x07"
    assert s.get(b"m", v) == b"abd"
    assert s.get(b"s", v) == b"xy"


def test_many_atomic_ops_around_range_clears_match_the_model(make_storage: Factory) -> None:
    """Hundreds of atomic keys in one commit (sqlite:// reads their stored values in batches),
    some stored large, some cleared earlier, some set or range-cleared within the commit."""
    s = make_storage()
    keys = [b"k%04d" % i for i in range(450)]
    large = b"\x01" * 700
    first: list[Mutation] = []
    for i, key in enumerate(keys):
        if i % 3 == 0:
            first.append(put(key, (i).to_bytes(8, "little")))
        elif i % 3 == 1 and i % 2 == 0:
            first.append(put(key, large))
    model: dict[bytes, bytes] = {}
    v = commit(s, *first)
    model_apply(model, first, v)
    tombstones = [clear(key) for key in keys[::7]]
    v = commit(s, *tombstones)
    model_apply(model, tombstones, v)
    one = (1).to_bytes(8, "little")
    second: list[Mutation] = [put(keys[5], b"\x09" * 8), put(keys[400], b"\x02" * 8)]
    second += [Mutation(M.ADD, key, one) for key in keys]
    second += [Mutation(M.BYTE_MAX, key, b"\x00") for key in keys[1::6]]
    second += [clear(keys[100], keys[200]), put(keys[150], b"\x03" * 8)]
    second += [Mutation(M.ADD, key, one) for key in keys[::5]]
    second += [Mutation(M.COMPARE_AND_CLEAR, key, one) for key in keys[::4]]
    v = commit(s, *second)
    model_apply(model, second, v)
    assert s.read_range(b"", b"\xff", v, 1000, False) == sorted(model.items())


def test_compare_and_clear_clears_only_an_equal_value(make_storage: Factory) -> None:
    """compare_and_clear removes the key when equal and keeps it otherwise."""
    s = make_storage()
    commit(s, put(b"a", b"x"), put(b"b", b"y"))
    v = commit(
        s,
        Mutation(M.COMPARE_AND_CLEAR, b"a", b"x"),
        Mutation(M.COMPARE_AND_CLEAR, b"b", b"x"),
        Mutation(M.COMPARE_AND_CLEAR, b"absent", b"x"),
        put(b"c", b"z"),
        Mutation(M.COMPARE_AND_CLEAR, b"c", b"z"),
    )
    assert s.read_range(b"", b"\xff", v, 10, False) == [(b"b", b"y")]
    assert s.get(b"a", v - 1) == b"x"


def stamped_param(prefix: bytes, suffix: bytes) -> bytes:
    """A key or value with a 10-byte versionstamp placeholder after ``prefix``."""
    return prefix + b"\xee" * 10 + suffix + len(prefix).to_bytes(4, "little")


def test_versionstamped_key_and_value_carry_the_commit_version(make_storage: Factory) -> None:
    """The stamp is the commit version (8 bytes big-endian) then batch 0 (2 bytes)."""
    s = make_storage()
    v = commit(
        s,
        Mutation(M.SET_VERSIONSTAMPED_KEY, stamped_param(b"log/", b"/x"), b"payload"),
        Mutation(M.SET_VERSIONSTAMPED_VALUE, b"last", stamped_param(b"at:", b"!")),
    )
    stamp = v.to_bytes(8, "big") + b"\x00\x00"
    assert s.read_range(b"log/", b"log0", v, 10, False) == [(b"log/" + stamp + b"/x", b"payload")]
    assert s.get(b"last", v) == b"at:" + stamp + b"!"


def test_stamped_key_is_a_write_conflict(make_storage: Factory) -> None:
    """A reader of the range a versionstamped key lands in conflicts with its commit."""
    s = make_storage()
    rv = s.read_version()
    commit(s, Mutation(M.SET_VERSIONSTAMPED_KEY, stamped_param(b"log/", b""), b"p"), writes=[])
    code = error_code(
        lambda: commit(s, put(b"other", b"1"), read_version=rv, reads=[(b"log/", b"log0")])
    )
    assert code == 1020
    commit(s, put(b"other", b"1"), read_version=rv, reads=[(b"log0", b"log1")])


# -- conflicts and age ----------------------------------------------------------------------------
def test_read_overlapped_by_a_later_commit_fails_with_1020_and_writes_nothing(
    make_storage: Factory,
) -> None:
    """Lost update: the second read-modify-write of a key gets 1020 and changes nothing."""
    s = make_storage()
    rv = s.read_version()
    commit(s, put(b"k", b"first"), read_version=rv, reads=[point(b"k")])
    code = error_code(
        lambda: commit(
            s, put(b"k", b"second"), put(b"x", b"x"), read_version=rv, reads=[point(b"k")]
        )
    )
    assert code == 1020
    latest = s.read_version()
    assert s.get(b"k", latest) == b"first"
    assert s.get(b"x", latest) is None


def test_range_conflicts_follow_half_open_boundaries(make_storage: Factory) -> None:
    """A write range touching the read range's end does not conflict; one byte inside does."""
    s = make_storage()
    rv = s.read_version()
    commit(s, writes=[(b"c", b"d")])
    commit(s, writes=[(b"a", b"b")])
    commit(s, put(b"z", b"1"), read_version=rv, reads=[(b"b", b"c")])
    commit(s, writes=[(b"b\xff", b"b\xff\x00")])
    assert error_code(lambda: commit(s, read_version=rv, reads=[(b"b", b"c")])) == 1020


def test_disjoint_reads_and_old_writes_do_not_conflict(make_storage: Factory) -> None:
    """Writes elsewhere, or committed at or before the read version, never conflict."""
    s = make_storage()
    commit(s, put(b"k", b"0"))
    rv = s.read_version()
    commit(s, put(b"other", b"1"))
    commit(s, put(b"k", b"2"), read_version=rv, reads=[point(b"k"), (b"a", b"j")])


def test_write_only_commits_never_conflict(make_storage: Factory) -> None:
    """Blind writes commit even over keys written after their read version."""
    s = make_storage()
    rv = s.read_version()
    commit(s, put(b"k", b"1"))
    v = commit(s, put(b"k", b"2"), read_version=rv)
    assert s.get(b"k", v) == b"2"


def test_failed_commit_does_not_make_others_conflict(make_storage: Factory) -> None:
    """The write ranges of a commit that failed with 1020 are not recorded."""
    s = make_storage()
    rv = s.read_version()
    commit(s, put(b"a", b"1"))
    code = error_code(lambda: commit(s, put(b"b", b"1"), read_version=rv, reads=[point(b"a")]))
    assert code == 1020
    commit(s, put(b"c", b"1"), read_version=rv, reads=[point(b"b")])


def test_commit_older_than_the_window_fails_with_1007(make_storage: Factory) -> None:
    """Read conflicts plus a read version more than five seconds old: 1007; blind: fine."""
    clock = FakeClock()
    s = make_storage(clock)
    rv = s.read_version()
    clock.advance(5.0)
    commit(s, put(b"k", b"1"), read_version=rv, reads=[(b"x", b"y")])
    rv = s.read_version()
    clock.advance(5.25)
    code = error_code(lambda: commit(s, put(b"k", b"2"), read_version=rv, reads=[(b"x", b"y")]))
    assert code == 1007
    v = commit(s, put(b"k", b"3"), read_version=rv)
    assert s.get(b"k", v) == b"3"


def test_old_history_is_dropped_but_latest_values_survive(make_storage: Factory) -> None:
    """Long after many overwrites and clears, the latest snapshot is intact."""
    clock = FakeClock()
    s = make_storage(clock)
    for i in range(30):
        commit(s, put(b"k%d" % (i % 7), b"%d" % i), clear(b"k%d" % (i % 5)))
        clock.advance(0.5)
    expected = s.read_range(b"", b"\xff", s.read_version(), 100, False)
    for _ in range(5):
        clock.advance(3.0)
        commit(s, put(b"tick", b""))
    v = s.read_version()
    assert s.read_range(b"k", b"l", v, 100, False) == expected
    assert [s.get(b"k%d" % i, v) for i in range(7)] == [
        dict(expected).get(b"k%d" % i) for i in range(7)
    ]


def test_memory_drops_a_superseded_version_once_past_the_window() -> None:
    """memory://: a key written twice, then left alone, keeps only its newest version once the
    older one is out of every reader's reach (the next commit prunes it)."""
    clock = FakeClock()
    s = MemoryStorage(clock)
    commit(s, put(b"k", b"x" * 1000))
    v = commit(s, put(b"k", b"new"))
    assert len(s._data[b"k"]) == 2  # a reader at the first version may still come
    clock.advance(6.0)
    commit(s, put(b"other", b""))
    assert s._data[b"k"] == [(v, b"new")]
    assert s.get(b"k", s.read_version()) == b"new"


# -- closing --------------------------------------------------------------------------------------
def test_calls_after_close_raise(make_storage: Factory, kind: str) -> None:
    """A closed storage refuses reads and commits."""
    s = make_storage()
    v = commit(s, put(b"k", b"v"))
    s.close()
    with pytest.raises(Exception) as info:
        s.get(b"k", v)
    assert "closed" in str(info.value)
    with pytest.raises(Exception, match="closed"):
        commit(s, put(b"k", b"w"))
    s.close()  # closing twice is harmless


# -- properties -----------------------------------------------------------------------------------
KEYS = st.lists(st.sampled_from([0, 1, 0x61, 0xFF]), max_size=3).map(bytes)
# Mostly tiny values, some past 512 bytes: sqlite:// stores those out of line (table ``large``).
VALUES = st.one_of(
    st.binary(max_size=4),
    st.builds(lambda head, n: head * n, st.binary(min_size=1, max_size=3), st.integers(171, 400)),
)
ATOMIC_OPS = [
    M.ADD,
    M.BIT_AND,
    M.BIT_OR,
    M.BIT_XOR,
    M.APPEND_IF_FITS,
    M.MAX,
    M.MIN,
    M.BYTE_MIN,
    M.BYTE_MAX,
    M.COMPARE_AND_CLEAR,
]
MUTATIONS = st.one_of(
    st.builds(put, KEYS, VALUES),
    st.builds(clear, KEYS),
    st.builds(clear, KEYS, KEYS),
    st.builds(Mutation, st.sampled_from(ATOMIC_OPS), KEYS, VALUES),
    st.builds(
        lambda k, a, b: Mutation(M.SET_VERSIONSTAMPED_VALUE, k, stamped_param(a, b)),
        KEYS,
        VALUES,
        VALUES,
    ),
)
# Clock steps between commits: standing still, small steps, and jumps past the MVCC window that
# let the storages collect old history.
STEPS = st.sampled_from([0.0, 0.0, 0.125, 0.5, 1.0, 7.0])


def model_apply(model: dict[bytes, bytes], mutations: Sequence[Mutation], version: int) -> None:
    """Apply one commit's mutations to a dict, the reference semantics."""
    stamp = version.to_bytes(8, "big") + b"\x00\x00"
    for m in mutations:
        if m.op == M.SET_VALUE:
            model[m.key] = m.param
        elif m.op == M.CLEAR_RANGE:
            for key in [k for k in model if m.key <= k < m.param]:
                del model[key]
        elif m.op == M.SET_VERSIONSTAMPED_VALUE:
            model[m.key] = stamp_value(m.param, stamp)
        else:
            result = apply_atomic(m.op, model.get(m.key), m.param)
            if result is None:
                model.pop(m.key, None)
            else:
                model[m.key] = result


def expected_range(
    snapshot: dict[bytes, bytes], begin: bytes, end: bytes, limit: int, reverse: bool
) -> list[tuple[bytes, bytes]]:
    """What read_range must return from a dict snapshot."""
    rows = sorted((k, v) for k, v in snapshot.items() if begin <= k < end)
    if reverse:
        rows.reverse()
    return rows[:limit]


@settings(
    max_examples=60,
    deadline=None,
    # make_storage is a factory: every example builds (and closes) its own storage.
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    commits=st.lists(st.tuples(STEPS, st.lists(MUTATIONS, max_size=6)), min_size=1, max_size=10),
    probes=st.lists(
        st.tuples(KEYS, KEYS, st.integers(min_value=1, max_value=4), st.booleans()), max_size=6
    ),
)
def test_random_commits_match_a_dict_model_at_every_version(
    make_storage: Factory,
    commits: list[tuple[float, list[Mutation]]],
    probes: list[tuple[bytes, bytes, int, bool]],
) -> None:
    """Every version still inside the window reads exactly the model's snapshot."""
    clock = FakeClock()
    s = make_storage(clock)
    try:
        model: dict[bytes, bytes] = {}
        history = [(s.read_version(), dict(model))]
        for step, mutations in commits:
            clock.advance(step)
            version = commit(s, *mutations)
            assert version > history[-1][0]
            model_apply(model, mutations, version)
            history.append((version, dict(model)))
        latest = s.read_version()
        keys = {k for _, snap in history for k in snap} | {b"", b"\x00", b"a"}
        for version, snap in history:
            if latest - version >= MVCC_WINDOW and version != history[-1][0]:
                continue  # outside the window: the storage may have dropped it
            for key in keys:
                assert s.get(key, version) == snap.get(key)
            for reverse in (False, True):
                full = expected_range(snap, b"", b"\xff\xff", len(snap) + 1, reverse)
                assert s.read_range(b"", b"\xff\xff", version, len(snap) + 1, reverse) == full
                assert scan(s, b"", b"\xff\xff", version, 2, reverse) == full
            for begin, end, limit, reverse in probes:
                assert s.read_range(begin, end, version, limit, reverse) == expected_range(
                    snap, begin, end, limit, reverse
                )
        if isinstance(s, SqliteStorage):  # every large value belongs to exactly one kv row
            large = s._conn.execute("SELECT id FROM large ORDER BY id").fetchall()
            pointers = s._conn.execute(
                "SELECT value FROM kv WHERE typeof(value) = 'integer' ORDER BY value"
            ).fetchall()
            assert large == pointers
    finally:
        s.close()


RANGES = st.tuples(KEYS, KEYS).map(lambda r: (min(r), max(r) + b"\x00"))


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    plan=st.lists(
        st.tuples(
            st.lists(RANGES, max_size=3),  # read conflict ranges
            st.lists(RANGES, max_size=3),  # write conflict ranges
            st.integers(min_value=0, max_value=4),  # how many commits later it commits
        ),
        min_size=1,
        max_size=12,
    )
)
def test_conflicts_match_the_serializability_model(
    make_storage: Factory,
    plan: list[tuple[list[tuple[bytes, bytes]], list[tuple[bytes, bytes]], int]],
) -> None:
    """A commit fails with 1020 exactly when a newer successful commit wrote into its reads."""
    s = make_storage()
    try:
        committed: list[tuple[int, list[tuple[bytes, bytes]]]] = []
        # Start every transaction in order; commit each one ``delay`` starts after its own.
        started: list[tuple[int, int, list[tuple[bytes, bytes]], list[tuple[bytes, bytes]]]] = []
        due: dict[int, list[int]] = {}
        for i, (reads, writes, delay) in enumerate(plan):
            started.append((i, s.read_version(), reads, writes))
            due.setdefault(i + delay, []).append(i)
            for j in due.pop(i, []):
                _commit_and_check(s, started[j], committed)
        for at in sorted(due):
            for j in due[at]:
                _commit_and_check(s, started[j], committed)
    finally:
        s.close()


def _commit_and_check(
    s: Storage,
    txn: tuple[int, int, list[tuple[bytes, bytes]], list[tuple[bytes, bytes]]],
    committed: list[tuple[int, list[tuple[bytes, bytes]]]],
) -> None:
    _, rv, reads, writes = txn
    expect_conflict = bool(reads) and any(
        version > rv and rb < we and wb < re
        for version, ranges in committed
        for rb, re in reads
        for wb, we in ranges
    )
    request = CommitRequest(rv, reads, writes, [put(b"w", b"")] if writes else [])
    if expect_conflict:
        with pytest.raises(FoundException) as info:
            s.commit(request)
        assert info.value.code == 1020
    else:
        version, _ = s.commit(request)
        committed.append((version, writes))
