"""Versionstamps: stamped keys and values, and the transaction's versionstamp (V-01..V-05)."""

from __future__ import annotations

import pytest

import found


def offset(position: int) -> bytes:
    """The 4-byte little-endian offset suffix of a versionstamped key or value."""
    return position.to_bytes(4, "little")


async def stamped_commit(db: found.Database, prefix: bytes, user: int = 0) -> tuple[bytes, int]:
    """Commit one versionstamped key under ``prefix``; return (versionstamp, commit version)."""
    tx = db.create_transaction()
    key = found.pack_with_versionstamp(("log", found.Versionstamp.incomplete(user)), prefix)
    found.set_versionstamped_key(tx, key, b"entry")
    stamp = found.get_versionstamp(tx)
    await tx.commit()
    return await stamp, found.get_committed_version(tx)


async def test_versionstamps_strictly_increase_across_commits(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """V-01: each committed transaction gets a larger, unique versionstamp."""
    stamps = [(await stamped_commit(found_db, found_prefix, i))[0] for i in range(10)]
    assert all(len(s) == 10 for s in stamps)
    assert stamps == sorted(set(stamps))


async def test_versionstamp_is_the_committed_version(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """V-01/T-13: the first eight bytes are the big-endian commit version."""
    stamp, version = await stamped_commit(found_db, found_prefix)
    assert int.from_bytes(stamp[:8], "big") == version


async def test_stamped_keys_list_in_commit_order(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """V-01: stamped keys of successive commits sort in commit order and unpack to stamps."""
    stamps = [(await stamped_commit(found_db, found_prefix, i))[0] for i in range(5)]
    rows = await found.transactional(
        found_db, found.all, found_prefix, found.next_prefix(found_prefix)
    )
    unpacked = [found.unpack(key[len(found_prefix) :]) for key, _ in rows]
    assert [u[1].tr_version for u in unpacked] == stamps
    assert [u[1].user_version for u in unpacked] == list(range(5))
    assert [u[0] for u in unpacked] == ["log"] * 5


async def test_all_stamps_of_a_transaction_are_equal(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """V-01: every versionstamp op of one transaction uses its get_versionstamp value."""
    p = found_prefix
    tx = found_db.create_transaction()
    for user in range(3):
        key = found.pack_with_versionstamp(("k", found.Versionstamp.incomplete(user)), p)
        found.set_versionstamped_key(tx, key, b"")
    for name in (b"v1", b"v2"):
        found.set_versionstamped_value(tx, p + name, b"\x00" * 10 + offset(0))
    stamp = found.get_versionstamp(tx)
    await tx.commit()
    vs = await stamp
    rows = await found.transactional(found_db, found.all, p, found.next_prefix(p))
    stamped_keys = [found.unpack(k[len(p) :])[1] for k, _ in rows if k.startswith(p + b"\x02k")]
    assert [s.tr_version for s in stamped_keys] == [vs, vs, vs]
    assert dict(rows)[p + b"v1"] == vs
    assert dict(rows)[p + b"v2"] == vs


async def test_versionstamped_key_example(found_db: found.Database, found_prefix: bytes) -> None:
    """V-02: the suffix is removed and ten bytes at the offset are replaced by the stamp."""
    p = found_prefix
    tx = found_db.create_transaction()
    found.set_versionstamped_key(tx, p + b"pre" + b"\x00" * 10 + b"suf" + offset(len(p) + 3), b"v")
    stamp = found.get_versionstamp(tx)
    await tx.commit()
    vs = await stamp
    rows = await found.transactional(found_db, found.all, p, found.next_prefix(p))
    assert rows == [(p + b"pre" + vs + b"suf", b"v")]


async def test_versionstamped_value_example(found_db: found.Database, found_prefix: bytes) -> None:
    """V-03: the value's suffix is removed and the stamp written at its offset."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    found.set_versionstamped_value(tx, key, b"x" + b"\x00" * 10 + offset(1))
    stamp = found.get_versionstamp(tx)
    await tx.commit()
    assert await found.transactional(found_db, found.get, key) == b"x" + await stamp


async def test_scripted_versionstamp_golden_case(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """V-04: the scripted bindingtester case, then 2021 for a commit without writes."""
    p = found_prefix
    x10 = b"X" * 10
    tx = found_db.create_transaction()
    found.set_versionstamped_key(
        tx, p + b"stamped" + x10 + b"suffix" + offset(len(p) + 7), b"stampedBar"
    )
    found.set_versionstamped_value(tx, p + b"stampedValue", x10 + offset(0))
    found.set_versionstamped_value(
        tx, p + b"stampedValue2", b"stamped" + x10 + b"suffix" + offset(7)
    )
    stamp = found.get_versionstamp(tx)
    await tx.commit()
    vs = await stamp

    async def check(reader: found.Transaction) -> None:
        assert await found.get(reader, p + b"stamped" + vs + b"suffix") == b"stampedBar"
        assert await found.get(reader, p + b"stampedValue") == vs
        assert await found.get(reader, p + b"stampedValue2") == b"stamped" + vs + b"suffix"

    await found.transactional(found_db, check)
    later = found_db.create_transaction()
    await found.get(later, p + b"stampedValue")
    empty = found.get_versionstamp(later)
    await later.commit()
    with pytest.raises(found.NoCommitVersion):
        await empty


async def test_reading_back_stamped_writes_is_1036(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """V-05/R-08: in the writing transaction, stamped keys and values read as 1036."""
    p = found_prefix
    tx = found_db.create_transaction()
    key = found.pack_with_versionstamp(("log", found.Versionstamp()), p)
    found.set_versionstamped_key(tx, key, b"entry")
    found.set_versionstamped_value(tx, p + b"value", b"\x00" * 10 + offset(0))
    with pytest.raises(found.AccessedUnreadable):
        await found.get(tx, p + b"value")
    with pytest.raises(found.AccessedUnreadable):
        await found.all(tx, p + found.pack(("log",)), p + found.pack(("log\x00",)))
