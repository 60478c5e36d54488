"""Isolation and conflict ranges: which concurrent commits make a transaction fail with 1020.

Items I-01..I-22 of the conformance checklist. The pattern of most tests: transaction ``tx``
reads something, another transaction commits a write, then ``tx`` writes a marker key and
commits; the test checks whether that commit fails with ``found.NotCommitted`` (1020).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import found

Write = Callable[[found.Transaction], None]


async def put(db: found.Database, items: dict[bytes, bytes]) -> None:
    """Commit every pair of ``items`` in one transaction."""
    tx = db.create_transaction()
    for key, value in items.items():
        found.set(tx, key, value)
    await tx.commit()


async def other_commits(db: found.Database, write: Write) -> None:
    """Run ``write`` in another transaction and commit it."""
    tx = db.create_transaction()
    write(tx)
    await tx.commit()


async def commits(tx: found.Transaction, marker: bytes) -> bool:
    """Write ``marker`` in ``tx`` and commit: True if it committed, False on 1020."""
    found.set(tx, marker, b"marker")
    try:
        await tx.commit()
    except found.NotCommitted:
        return False
    return True


def setter(key: bytes, value: bytes = b"theirs") -> Write:
    """A write that sets ``key``."""

    def write(tx: found.Transaction) -> None:
        found.set(tx, key, value)

    return write


# -- the conflict model (I-01..I-08) -------------------------------------------------------------


async def test_conflict_needs_a_write_after_the_read_version(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-01/I-04: a write committed before the read version never conflicts."""
    key = found_prefix + b"k"
    await other_commits(found_db, setter(key))
    tx = found_db.create_transaction()
    assert await found.get(tx, key) == b"theirs"
    assert await commits(tx, found_prefix + b"m")


async def test_blind_writers_of_one_key_both_commit_and_the_later_wins(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-02: overlapping writes alone never conflict; the later commit's value stays."""
    key = found_prefix + b"k"
    first, second = found_db.create_transaction(), found_db.create_transaction()
    await found.read_version(first)
    await found.read_version(second)
    found.set(first, key, b"first")
    found.set(second, key, b"second")
    await first.commit()
    await second.commit()
    assert await found.transactional(found_db, found.get, key) == b"second"


async def test_read_only_transactions_never_conflict(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-03: a transaction that only read commits although what it read changed."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    await found.get(tx, key)
    await other_commits(found_db, setter(key))
    await tx.commit()
    assert found.get_committed_version(tx) == -1


async def test_write_only_transactions_never_conflict(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-03: a transaction that only wrote commits whatever happened meanwhile."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    await found.read_version(tx)
    found.set(tx, key, b"mine")
    await other_commits(found_db, setter(key))
    await tx.commit()
    assert await found.transactional(found_db, found.get, key) == b"mine"


async def test_own_writes_never_conflict(found_db: found.Database, found_prefix: bytes) -> None:
    """I-04: reading and writing the same key in one transaction commits."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    await found.get(tx, key)
    found.set(tx, key, b"v")
    assert await found.get(tx, key) == b"v"
    await tx.commit()


async def test_lost_update_is_prevented(found_db: found.Database, found_prefix: bytes) -> None:
    """I-05: two read-modify-write transactions on one key: the second to commit gets 1020."""
    key = found_prefix + b"counter"
    await put(found_db, {key: b"0"})
    t1, t2 = found_db.create_transaction(), found_db.create_transaction()
    v1 = await found.get(t1, key)
    v2 = await found.get(t2, key)
    assert v1 == v2 == b"0"
    found.set(t1, key, b"1")
    found.set(t2, key, b"1")
    await t1.commit()
    with pytest.raises(found.NotCommitted):
        await t2.commit()


async def test_write_skew_is_prevented(found_db: found.Database, found_prefix: bytes) -> None:
    """I-06: T1 reads a writes b, T2 reads b writes a: the second to commit gets 1020."""
    a, b = found_prefix + b"a", found_prefix + b"b"
    t1, t2 = found_db.create_transaction(), found_db.create_transaction()
    await found.get(t1, a)
    await found.get(t2, b)
    found.set(t1, b, b"1")
    found.set(t2, a, b"2")
    await t1.commit()
    with pytest.raises(found.NotCommitted):
        await t2.commit()


async def test_phantom_insert_conflicts_with_a_range_read(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-07: an insert into a range read as empty makes the reader fail with 1020."""
    p = found_prefix
    tx = found_db.create_transaction()
    assert await found.all(tx, p + b"a", p + b"c") == []
    await other_commits(found_db, setter(p + b"b"))
    assert not await commits(tx, p + b"m")


async def test_reading_a_missing_key_conflicts_with_its_insert(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-08: reading an absent key still adds a conflict range."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    assert await found.get(tx, key) is None
    await other_commits(found_db, setter(key))
    assert not await commits(tx, found_prefix + b"m")


# -- read conflict ranges (I-10..I-19) -----------------------------------------------------------


@pytest.mark.parametrize(("suffix", "conflict"), [(b"k", True), (b"k\x00", False), (b"j", False)])
async def test_get_conflicts_on_exactly_its_key(
    found_db: found.Database, found_prefix: bytes, suffix: bytes, conflict: bool
) -> None:
    """I-10: get(k) adds [k, k + b'\\x00')."""
    tx = found_db.create_transaction()
    await found.get(tx, found_prefix + b"k")
    await other_commits(found_db, setter(found_prefix + suffix))
    assert await commits(tx, found_prefix + b"m") is not conflict


KEYS = {b"k1": b"1", b"k2": b"2", b"k3": b"3", b"k4": b"4"}


@pytest.mark.parametrize(
    ("limit", "suffix", "conflict"),
    [
        (2, b"k3", False),
        (2, b"k2", True),
        (2, b"k0", True),
        (2, b"k2\x00", False),
        (0, b"k3", True),
        (0, b"k9", True),
        (0, b"l", False),
    ],
)
async def test_forward_range_conflict_stops_at_the_limit(
    found_db: found.Database, found_prefix: bytes, limit: int, suffix: bytes, conflict: bool
) -> None:
    """I-11: get_range(k, l, limit=2) adds [k, k2 + b'\\x00'); without a limit [k, l)."""
    p = found_prefix
    await put(found_db, {p + k: v for k, v in KEYS.items()})
    tx = found_db.create_transaction()
    rows = await found.all(tx, p + b"k", p + b"l", limit=limit)
    expected = [p + b"k1", p + b"k2"] if limit else [p + k for k in KEYS]
    assert [k for k, _ in rows] == expected
    await other_commits(found_db, setter(p + suffix))
    assert await commits(tx, p + b"m") is not conflict


@pytest.mark.parametrize(
    ("limit", "suffix", "conflict"),
    [(2, b"k2", False), (2, b"k3", True), (2, b"k5", True), (0, b"k2", True), (0, b"l", False)],
)
async def test_reverse_range_conflict_stops_at_the_limit(
    found_db: found.Database, found_prefix: bytes, limit: int, suffix: bytes, conflict: bool
) -> None:
    """I-12: reverse with limit=2 returns k4, k3 and adds [k3, l)."""
    p = found_prefix
    await put(found_db, {p + k: v for k, v in KEYS.items()})
    tx = found_db.create_transaction()
    rows = await found.all(tx, p + b"k", p + b"l", limit=limit, reverse=True)
    if limit:
        assert [k for k, _ in rows] == [p + b"k4", p + b"k3"]
    await other_commits(found_db, setter(p + suffix))
    assert await commits(tx, p + b"m") is not conflict


@pytest.mark.parametrize(
    ("selector", "expected", "suffix", "conflict"),
    [
        ("gt", b"b", b"ab", True),  # [a\x00, b\x00)
        ("gt", b"b", b"b", True),
        ("gt", b"b", b"c", False),
        ("gt", b"b", b"a", False),
        ("lt", b"b", b"bb", True),  # [b, c)
        ("lt", b"b", b"b", True),
        ("lt", b"b", b"a", False),
        ("lt", b"b", b"c", False),
    ],
)
async def test_get_key_conflict_covers_what_could_change_the_answer(
    found_db: found.Database,
    found_prefix: bytes,
    selector: str,
    expected: bytes,
    suffix: bytes,
    conflict: bool,
) -> None:
    """I-13: get_key(gt(a)) adds [a\\x00, b\\x00); get_key(lt(c)) adds [b, c)."""
    p = found_prefix
    await put(found_db, {p + b"a": b"", p + b"b": b"", p + b"c": b""})
    tx = found_db.create_transaction()
    sel = found.gt(p + b"a") if selector == "gt" else found.lt(p + b"c")
    assert await found.get_key(tx, sel) == p + expected
    await other_commits(found_db, setter(p + suffix))
    assert await commits(tx, p + b"m") is not conflict


async def test_watch_adds_a_read_conflict(found_db: found.Database, found_prefix: bytes) -> None:
    """I-14: creating a watch reads the key without snapshot."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    watch: Any = await found.watch(tx, key)
    await other_commits(found_db, setter(key))
    assert not await commits(tx, found_prefix + b"m")
    watch.cancel()


async def test_snapshot_reads_add_no_conflicts(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-15: snapshot get, get_key and range reads do not make the commit fail."""
    p = found_prefix
    await put(found_db, {p + b"a": b"1", p + b"c": b"3"})
    tx = found_db.create_transaction()
    snap = tx.snapshot
    await found.get(snap, p + b"a")
    await found.get(snap, p + b"missing")
    await found.get_key(snap, found.gte(p + b"b"))
    await found.all(snap, p + b"a", p + b"z")
    await found.all(snap, p + b"a", p + b"z", limit=1, reverse=True)

    def write(other: found.Transaction) -> None:
        for suffix in (b"a", b"b", b"c", b"missing", b"y"):
            found.set(other, p + suffix, b"x")

    await other_commits(found_db, write)
    assert await commits(tx, p + b"m")


async def test_transactional_snapshot_reads_add_no_conflicts(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-15: transactional(snapshot=True) reads through the snapshot view."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()

    async def read(view: found.Transaction) -> bytes | None:
        return await found.get(view, key)

    await found.transactional(tx, read, snapshot=True)
    await other_commits(found_db, setter(key))
    assert await commits(tx, found_prefix + b"m")


async def test_reading_own_set_key_in_a_range_adds_no_conflict(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-16: set(k), then a range read over k; a concurrent write of k does not conflict."""
    p = found_prefix
    tx = found_db.create_transaction()
    found.set(tx, p + b"k", b"mine")
    assert await found.all(tx, p + b"k", p + b"k\x00") == [(p + b"k", b"mine")]
    assert await found.get(tx, p + b"k") == b"mine"
    await other_commits(found_db, setter(p + b"k"))
    assert await commits(tx, p + b"m")


async def test_range_read_conflicts_outside_own_writes(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-16: the range read still conflicts on the parts the transaction did not decide."""
    p = found_prefix
    tx = found_db.create_transaction()
    found.set(tx, p + b"k", b"mine")
    await found.all(tx, p + b"a", p + b"z")
    await other_commits(found_db, setter(p + b"q"))
    assert not await commits(tx, p + b"m")


async def test_reading_inside_own_clear_range_adds_no_conflict(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-16: keys inside a range the transaction cleared are decided locally."""
    p = found_prefix
    await put(found_db, {p + b"b": b"old"})
    tx = found_db.create_transaction()
    found.clear(tx, p + b"a", p + b"c")
    assert await found.get(tx, p + b"b") is None
    assert await found.all(tx, p + b"a", p + b"c") == []
    await other_commits(found_db, setter(p + b"b"))
    await other_commits(found_db, setter(p + b"bb"))
    assert await commits(tx, p + b"m")
    assert await found.transactional(found_db, found.all, p + b"a", p + b"c") == []


async def test_atomic_op_on_own_set_adds_no_conflict(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-16: an atomic op stacked on the transaction's own set is decided locally."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    found.set(tx, key, b"\x01")
    found.add(tx, key, b"\x01")
    assert await found.get(tx, key) == b"\x02"
    await other_commits(found_db, setter(key))
    assert await commits(tx, found_prefix + b"m")


async def test_reading_a_key_with_only_an_atomic_op_conflicts(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-17: a read of a key changed only by an atomic op depends on the database value."""
    key = found_prefix + b"k"
    await put(found_db, {key: b"\x05"})
    tx = found_db.create_transaction()
    found.add(tx, key, b"\x01")
    assert await found.get(tx, key) == b"\x06"
    await other_commits(found_db, setter(key, b"\x09"))
    assert not await commits(tx, found_prefix + b"m")


async def test_atomic_op_without_read_adds_no_read_conflict(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """A-01/I-17: an atomic op alone never conflicts; its result uses the latest value."""
    key = found_prefix + b"k"
    await put(found_db, {key: b"\x05"})
    tx = found_db.create_transaction()
    await found.read_version(tx)
    found.add(tx, key, b"\x01")
    await other_commits(found_db, setter(key, b"\x09"))
    await tx.commit()
    assert await found.transactional(found_db, found.get, key) == b"\x0a"


@pytest.mark.parametrize("how", ["range", "key"])
async def test_explicit_read_conflict_acts_like_a_read(
    found_db: found.Database, found_prefix: bytes, how: str
) -> None:
    """I-18: add_read_conflict_range/key make a later concurrent write conflict."""
    p = found_prefix
    tx = found_db.create_transaction()
    if how == "range":
        found.add_read_conflict_range(tx, p + b"a", p + b"c")
    else:
        found.add_read_conflict_key(tx, p + b"b")
    await found.read_version(tx)
    await other_commits(found_db, setter(p + b"b"))
    assert not await commits(tx, p + b"m")


async def test_explicit_read_conflict_key_is_exactly_one_key(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-18: add_read_conflict_key(k) is [k, k + b'\\x00')."""
    p = found_prefix
    tx = found_db.create_transaction()
    found.add_read_conflict_key(tx, p + b"b")
    await found.read_version(tx)
    await other_commits(found_db, setter(p + b"b\x00"))
    assert await commits(tx, p + b"m")


async def test_explicit_read_conflict_skips_own_writes(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-18: sub-ranges the transaction already wrote are left out of the read conflict."""
    p = found_prefix
    tx = found_db.create_transaction()
    await found.read_version(tx)
    found.set(tx, p + b"b", b"mine")
    found.add_read_conflict_range(tx, p + b"a", p + b"c")
    await other_commits(found_db, setter(p + b"b"))
    assert await commits(tx, p + b"m")
    tx = found_db.create_transaction()
    await found.read_version(tx)
    found.set(tx, p + b"b", b"mine")
    found.add_read_conflict_range(tx, p + b"a", p + b"c")
    await other_commits(found_db, setter(p + b"bb"))
    assert not await commits(tx, p + b"m")


async def test_read_your_writes_disabled_reads_always_conflict(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-19: with read_your_writes_disable a read of a written key adds its conflict."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    found.set_option(tx, "read_your_writes_disable")
    found.set(tx, key, b"mine")
    assert await found.get(tx, key) is None
    await other_commits(found_db, setter(key))
    assert not await commits(tx, found_prefix + b"m")


# -- write conflict ranges (I-20..I-22) ----------------------------------------------------------


def _writes(p: bytes) -> dict[str, Write]:
    def clear(tx: found.Transaction) -> None:
        found.clear(tx, p + b"k")

    def clear_range(tx: found.Transaction) -> None:
        found.clear(tx, p + b"j", p + b"l")

    def add(tx: found.Transaction) -> None:
        found.add(tx, p + b"k", b"\x01")

    def byte_max(tx: found.Transaction) -> None:
        found.byte_max(tx, p + b"k", b"\x01")

    def write_conflict_range(tx: found.Transaction) -> None:
        found.add_write_conflict_range(tx, p + b"j", p + b"l")

    def write_conflict_key(tx: found.Transaction) -> None:
        found.add_write_conflict_key(tx, p + b"k")

    def stamped_value(tx: found.Transaction) -> None:
        found.set_versionstamped_value(tx, p + b"k", b"\x00" * 10 + b"\x00\x00\x00\x00")

    def stamped_key(tx: found.Transaction) -> None:
        found.set_versionstamped_key(
            tx, p + b"k" + b"\x00" * 10 + (len(p) + 1).to_bytes(4, "little"), b"v"
        )

    return {
        "set": setter(p + b"k"),
        "clear": clear,
        "clear_range": clear_range,
        "add": add,
        "byte_max": byte_max,
        "add_write_conflict_range": write_conflict_range,
        "add_write_conflict_key": write_conflict_key,
        "set_versionstamped_value": stamped_value,
        "set_versionstamped_key": stamped_key,
    }


@pytest.mark.parametrize("kind", list(_writes(b"")))
async def test_every_write_adds_a_write_conflict(
    found_db: found.Database, found_prefix: bytes, kind: str
) -> None:
    """I-20: each kind of write makes a concurrent reader of the written keys fail."""
    p = found_prefix
    await put(found_db, {p + b"k": b"old"})
    tx = found_db.create_transaction()
    await found.all(tx, p + b"k", p + b"l")
    await other_commits(found_db, _writes(p)[kind])
    assert not await commits(tx, p + b"m")


@pytest.mark.parametrize("kind", ["set", "clear", "add", "set_versionstamped_value"])
async def test_point_writes_conflict_on_their_key_only(
    found_db: found.Database, found_prefix: bytes, kind: str
) -> None:
    """I-20: point writes add [k, k + b'\\x00') and nothing around it."""
    p = found_prefix
    tx = found_db.create_transaction()
    await found.get(tx, p + b"j")
    await found.get(tx, p + b"k\x00")
    await other_commits(found_db, _writes(p)[kind])
    assert await commits(tx, p + b"m")


async def test_next_write_no_write_conflict_range_skips_one_write(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-21: the option drops the write conflict of exactly the next write."""
    p = found_prefix
    reader1, reader2 = found_db.create_transaction(), found_db.create_transaction()
    await found.get(reader1, p + b"a")
    await found.get(reader2, p + b"b")

    def write(tx: found.Transaction) -> None:
        found.set_option(tx, "next_write_no_write_conflict_range")
        found.set(tx, p + b"a", b"1")
        found.set(tx, p + b"b", b"2")

    await other_commits(found_db, write)
    assert await commits(reader1, p + b"m1")
    assert not await commits(reader2, p + b"m2")


async def test_conflict_range_beyond_system_keys_is_deferred_2004(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-22: a conflict range ending above b'\\xff' fails the next read with 2004."""
    tx = found_db.create_transaction()
    found.add_read_conflict_range(tx, found_prefix, b"\xff\x01")
    with pytest.raises(found.KeyOutsideLegalRange):
        await found.get(tx, found_prefix + b"k")
    tx = found_db.create_transaction()
    found.add_write_conflict_range(tx, found_prefix, b"\xff\x01")
    with pytest.raises(found.KeyOutsideLegalRange):
        await tx.commit()


@pytest.mark.parametrize("kind", ["read", "write"])
async def test_inverted_conflict_range_raises_2005_at_once(
    found_db: found.Database, found_prefix: bytes, kind: str
) -> None:
    """I-22/L-06: add_*_conflict_range(b, e) with b > e raises 2005 immediately."""
    tx = found_db.create_transaction()
    add = found.add_read_conflict_range if kind == "read" else found.add_write_conflict_range
    with pytest.raises(found.InvertedRange):
        add(tx, found_prefix + b"b", found_prefix + b"a")


async def test_conflict_ranges_longer_than_the_key_limit_are_accepted(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-22/L-03: conflict range boundaries may be longer than 10,000 bytes."""
    p = found_prefix
    tx = found_db.create_transaction()
    found.add_read_conflict_range(tx, p + b"a" * 20_000, p + b"b" * 20_000)
    found.add_write_conflict_range(tx, p + b"a" * 20_000, p + b"b" * 20_000)
    await tx.commit()
    # The long range still works as a conflict range.
    reader = found_db.create_transaction()
    found.add_read_conflict_range(reader, p + b"a" * 20_000, p + b"b" * 20_000)
    await found.read_version(reader)
    await other_commits(found_db, setter(p + b"ab"))
    assert not await commits(reader, p + b"m")
