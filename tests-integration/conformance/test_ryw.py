"""Read-your-writes: what a transaction reads after its own writes (R-01..R-11)."""

from __future__ import annotations

import pytest

import found


async def put(db: found.Database, items: dict[bytes, bytes]) -> None:
    """Commit every pair of ``items`` in one transaction."""
    tx = db.create_transaction()
    for key, value in items.items():
        found.set(tx, key, value)
    await tx.commit()


async def everything(tx: found.Transaction, prefix: bytes) -> list[tuple[bytes, bytes]]:
    """Every pair below ``prefix``, with the prefix stripped from the keys."""
    rows = await found.all(tx, prefix, found.next_prefix(prefix))
    return [(k[len(prefix) :], v) for k, v in rows]


def stamped_key(prefix: bytes, body: bytes = b"s") -> bytes:
    """A versionstamped key ``prefix + body + <stamp>`` with its offset suffix."""
    start = len(prefix) + len(body)
    return prefix + body + b"\x00" * 10 + start.to_bytes(4, "little")


STAMPED_VALUE = b"\x00" * 10 + (0).to_bytes(4, "little")


async def test_get_after_set(found_db: found.Database, found_prefix: bytes) -> None:
    """R-01: get(k) after set(k, v) returns v, for keys present or absent in the database."""
    p = found_prefix
    await put(found_db, {p + b"a": b"old"})
    tx = found_db.create_transaction()
    found.set(tx, p + b"a", b"new")
    found.set(tx, p + b"b", b"fresh")
    assert await found.get(tx, p + b"a") == b"new"
    assert await found.get(tx, p + b"b") == b"fresh"


async def test_get_after_clear_and_clear_range(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-02: cleared keys read as absent and disappear from range reads."""
    p = found_prefix
    await put(found_db, {p + b"a": b"1", p + b"b": b"2", p + b"c": b"3", p + b"d": b"4"})
    tx = found_db.create_transaction()
    found.clear(tx, p + b"a")
    found.clear(tx, p + b"b", p + b"d")
    assert await found.get(tx, p + b"a") is None
    assert await found.get(tx, p + b"c") is None
    assert await everything(tx, p) == [(b"d", b"4")]


async def test_set_after_clear_range_is_visible(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-03: a set after a clear_range over the key makes it visible again."""
    p = found_prefix
    await put(found_db, {p + b"a": b"1", p + b"b": b"2", p + b"c": b"3"})
    tx = found_db.create_transaction()
    found.clear(tx, p, found.next_prefix(p))
    found.set(tx, p + b"b", b"again")
    assert await found.get(tx, p + b"b") == b"again"
    assert await everything(tx, p) == [(b"b", b"again")]
    await tx.commit()
    assert await found.transactional(found_db, everything, p) == [(b"b", b"again")]


async def test_range_read_merges_database_and_own_writes(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-04: database {a:1, c:3}; set b, clear c: the range shows a and b."""
    p = found_prefix
    await put(found_db, {p + b"a": b"1", p + b"c": b"3"})
    tx = found_db.create_transaction()
    found.set(tx, p + b"b", b"2")
    found.clear(tx, p + b"c")
    assert await everything(tx, p) == [(b"a", b"1"), (b"b", b"2")]


async def test_range_read_applies_limit_and_reverse_to_the_merged_view(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-04: atomic ops apply to database values; limit and reverse see the merged view."""
    p = found_prefix
    await put(found_db, {p + b"a": b"\x01", p + b"c": b"3", p + b"e": b"5"})
    tx = found_db.create_transaction()
    found.add(tx, p + b"a", b"\x01")
    found.set(tx, p + b"b", b"2")
    found.set(tx, p + b"d", b"4")
    found.clear(tx, p + b"e")
    end = found.next_prefix(p)
    assert await found.all(tx, p, end) == [
        (p + b"a", b"\x02"),
        (p + b"b", b"2"),
        (p + b"c", b"3"),
        (p + b"d", b"4"),
    ]
    assert await found.all(tx, p, end, limit=2) == [(p + b"a", b"\x02"), (p + b"b", b"2")]
    assert await found.all(tx, p, end, limit=3, reverse=True) == [
        (p + b"d", b"4"),
        (p + b"c", b"3"),
        (p + b"b", b"2"),
    ]


async def test_get_key_resolves_against_the_merged_view(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-05: selectors see the transaction's own sets and clears."""
    p = found_prefix
    await put(found_db, {p + b"a": b"", p + b"c": b"", p + b"e": b""})
    tx = found_db.create_transaction()
    found.set(tx, p + b"b", b"")
    found.clear(tx, p + b"c")
    assert await found.get_key(tx, found.gt(p + b"a")) == p + b"b"
    assert await found.get_key(tx, found.gte(p + b"c")) == p + b"e"
    assert await found.get_key(tx, found.lt(p + b"e")) == p + b"b"
    assert await found.get_key(tx, found.gte(p + b"a", 2)) == p + b"e"


async def test_atomic_ops_stack_on_the_database_value(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-06: all of the transaction's ops on a key apply, in order, to the database value."""
    p = found_prefix
    await put(found_db, {p + b"n": b"\x05"})
    tx = found_db.create_transaction()
    found.add(tx, p + b"n", b"\x01")
    found.add(tx, p + b"n", b"\x01")
    assert await found.get(tx, p + b"n") == b"\x07"
    found.byte_max(tx, p + b"n", b"\x03")
    found.append_if_fits(tx, p + b"n", b"!")
    assert await found.get(tx, p + b"n") == b"\x07!"
    found.add(tx, p + b"absent", b"\x02")
    assert await found.get(tx, p + b"absent") == b"\x02"


async def test_atomic_ops_after_set_or_clear_are_computed_locally(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-06: after set(k, x) the op applies to x; after clear(k), add(k, p) gives p."""
    p = found_prefix
    await put(found_db, {p + b"s": b"\x10", p + b"c": b"\x10"})
    tx = found_db.create_transaction()
    found.set(tx, p + b"s", b"\x01")
    found.add(tx, p + b"s", b"\x01")
    found.clear(tx, p + b"c")
    found.add(tx, p + b"c", b"\x03\x00")
    assert await found.get(tx, p + b"s") == b"\x02"
    assert await found.get(tx, p + b"c") == b"\x03\x00"
    found.set(tx, p + b"s", b"reset")  # a set replaces the whole stack
    assert await found.get(tx, p + b"s") == b"reset"


async def test_compare_and_clear_reads_as_cleared(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-07: compare_and_clear with the current value makes the key read as absent."""
    p = found_prefix
    await put(found_db, {p + b"a": b"x", p + b"b": b"y"})
    tx = found_db.create_transaction()
    found.compare_and_clear(tx, p + b"a", b"x")
    found.compare_and_clear(tx, p + b"b", b"x")
    assert await found.get(tx, p + b"a") is None
    assert await found.get(tx, p + b"b") == b"y"
    assert await everything(tx, p) == [(b"b", b"y")]


async def test_versionstamped_value_cannot_be_read_back(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-08/V-05: reading a key written by set_versionstamped_value raises 1036."""
    p = found_prefix
    tx = found_db.create_transaction()
    found.set_versionstamped_value(tx, p + b"k", STAMPED_VALUE)
    with pytest.raises(found.AccessedUnreadable):
        await found.get(tx, p + b"k")
    with pytest.raises(found.AccessedUnreadable):
        await everything(tx, p)
    assert await found.get(tx, p + b"other") is None


async def test_versionstamped_key_range_cannot_be_read_back(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-08/V-05: any read touching the range a stamped key may land in raises 1036."""
    p = found_prefix
    tx = found_db.create_transaction()
    found.set_versionstamped_key(tx, stamped_key(p), b"v")
    with pytest.raises(found.AccessedUnreadable):
        await everything(tx, p)
    with pytest.raises(found.AccessedUnreadable):
        await found.get(tx, p + b"s" + b"\x00" * 8 + b"\x00\x01")
    with pytest.raises(found.AccessedUnreadable):
        await found.get_key(tx, found.gte(p + b"s"))
    # Keys outside the stamp's range stay readable.
    assert await found.get(tx, p + b"r") is None
    assert await found.all(tx, p + b"t", p + b"u") == []


async def test_clear_makes_a_versionstamped_write_readable(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-08: a later clear or clear_range over the stamped write makes it readable again."""
    p = found_prefix
    tx = found_db.create_transaction()
    found.set_versionstamped_value(tx, p + b"k", STAMPED_VALUE)
    found.clear(tx, p + b"k")
    assert await found.get(tx, p + b"k") is None
    found.set_versionstamped_key(tx, stamped_key(p), b"v")
    found.clear(tx, p + b"s", p + b"t")
    assert await found.all(tx, p + b"s", p + b"t") == []


async def test_plain_set_keeps_a_versionstamped_value_unreadable(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-08 [src]: a plain set after set_versionstamped_value does not make the key readable."""
    p = found_prefix
    tx = found_db.create_transaction()
    found.set_versionstamped_value(tx, p + b"k", STAMPED_VALUE)
    found.set(tx, p + b"k", b"plain")
    with pytest.raises(found.AccessedUnreadable):
        await found.get(tx, p + b"k")
    await tx.commit()
    assert await found.transactional(found_db, found.get, p + b"k") == b"plain"


async def test_bypass_unreadable_lets_reads_through(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-08: with bypass_unreadable, a versionstamped write reads as a plain set of the bytes
    given (unstamped)."""
    p = found_prefix
    tx = found_db.create_transaction()
    found.set_option(tx, "bypass_unreadable")
    found.set_versionstamped_value(tx, p + b"k", STAMPED_VALUE)
    assert await found.get(tx, p + b"k") == STAMPED_VALUE


async def test_snapshot_reads_see_own_writes_by_default(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-09 golden case: clear(k) then snapshot get(k) is None; another transaction sees k."""
    key = found_prefix + b"k"
    await put(found_db, {key: b"v"})
    tx = found_db.create_transaction()
    found.clear(tx, key)
    assert await found.get(tx.snapshot, key) is None
    assert await found.transactional(found_db, found.get, key) == b"v"


async def test_snapshot_ryw_disable_is_counted(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-09: snapshot reads ignore own writes while disables outnumber enables."""
    key = found_prefix + b"k"
    await put(found_db, {key: b"db"})
    tx = found_db.create_transaction()
    found.set(tx, key, b"mine")
    found.set_option(tx, "snapshot_ryw_disable")
    found.set_option(tx, "snapshot_ryw_disable")
    assert await found.get(tx.snapshot, key) == b"db"
    assert await found.get(tx, key) == b"mine"
    found.set_option(tx, "snapshot_ryw_enable")
    assert await found.get(tx.snapshot, key) == b"db"
    found.set_option(tx, "snapshot_ryw_enable")
    assert await found.get(tx.snapshot, key) == b"mine"


async def test_snapshot_ryw_disable_leaves_other_reads_alone(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-09: snapshot_ryw_disable hides own writes from snapshot reads only (get_key, ranges)."""
    p = found_prefix
    await put(found_db, {p + b"b": b"db"})
    tx = found_db.create_transaction()
    found.set(tx, p + b"a", b"mine")
    found.set_option(tx, "snapshot_ryw_disable")
    assert await found.get_key(tx, found.gte(p)) == p + b"a"
    assert await found.get_key(tx.snapshot, found.gte(p)) == p + b"b"
    assert await everything(tx, p) == [(b"a", b"mine"), (b"b", b"db")]
    assert await everything(tx.snapshot, p) == [(b"b", b"db")]


async def test_snapshot_ryw_database_default(found_db: found.Database, found_prefix: bytes) -> None:
    """R-09: the database option snapshot_ryw_disable sets the default of new transactions."""
    key = found_prefix + b"k"
    await put(found_db, {key: b"db"})
    found_db.options.set_snapshot_ryw_disable()
    try:
        tx = found_db.create_transaction()
    finally:
        found_db.options.set_snapshot_ryw_enable()  # the database handle may be shared
    found.set(tx, key, b"mine")
    assert await found.get(tx.snapshot, key) == b"db"
    assert await found.get(tx, key) == b"mine"


async def test_read_your_writes_disable_reads_the_database(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-10: with RYW disabled, reads ignore own writes, which still commit; watch gives 1034."""
    p = found_prefix
    await put(found_db, {p + b"a": b"db"})
    tx = found_db.create_transaction()
    found.set_option(tx, "read_your_writes_disable")
    found.set(tx, p + b"a", b"mine")
    found.set(tx, p + b"b", b"new")
    assert await found.get(tx, p + b"a") == b"db"
    assert await found.get(tx, p + b"b") is None
    assert await everything(tx, p) == [(b"a", b"db")]
    with pytest.raises(found.WatchesDisabled):
        await found.watch(tx, p + b"a")
    await tx.commit()
    assert await found.transactional(found_db, everything, p) == [(b"a", b"mine"), (b"b", b"new")]


async def test_repeated_reads_return_the_same_value(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-11: reading a key twice gives the same value although another commit changed it."""
    key = found_prefix + b"k"
    await put(found_db, {key: b"1"})
    tx = found_db.create_transaction()
    assert await found.get(tx, key) == b"1"
    assert await found.get(tx.snapshot, key) == b"1"
    await put(found_db, {key: b"2"})
    assert await found.get(tx, key) == b"1"
    assert await found.get(tx.snapshot, key) == b"1"
    assert await found.all(tx, key, key + b"\x00") == [(key, b"1")]
