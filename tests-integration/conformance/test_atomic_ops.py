"""Atomic operations and clears, through transactions (A-01..A-07).

The known answers of A-04 are checked three ways, which exercise different code: applied at
commit against a committed value; stacked in the transaction on its own ``set`` (computed
locally); and read back in the transaction on top of the committed value.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

import found

AtomicOp = Callable[[found.Transaction, bytes, bytes], None]

OPS: dict[str, AtomicOp] = {
    "ADD": found.add,
    "BIT_AND": found.bit_and,
    "BIT_OR": found.bit_or,
    "BIT_XOR": found.bit_xor,
    "MAX": found.max,
    "MIN": found.min,
    "BYTE_MAX": found.byte_max,
    "BYTE_MIN": found.byte_min,
    "APPEND_IF_FITS": found.append_if_fits,
    "COMPARE_AND_CLEAR": found.compare_and_clear,
}

ABSENT = None
BIG = b"a" * 99_999

# (op, existing value or ABSENT, param, result or ABSENT): the table of A-04.
A04: list[tuple[str, bytes | None, bytes, bytes | None]] = [
    ("ADD", ABSENT, bytes.fromhex("01"), bytes.fromhex("01")),
    ("ADD", b"", bytes.fromhex("05"), bytes.fromhex("05")),
    ("ADD", bytes.fromhex("ff"), bytes.fromhex("01"), bytes.fromhex("00")),
    ("ADD", bytes.fromhex("ff00"), bytes.fromhex("01"), bytes.fromhex("00")),
    ("ADD", bytes.fromhex("010203"), bytes.fromhex("01"), bytes.fromhex("02")),
    ("ADD", bytes.fromhex("01"), bytes.fromhex("01000000"), bytes.fromhex("02000000")),
    ("ADD", bytes.fromhex("ffffffff"), bytes.fromhex("01000000"), bytes.fromhex("00000000")),
    ("ADD", bytes.fromhex("05"), b"", b""),
    ("ADD", bytes.fromhex("0a000000"), bytes.fromhex("fdffffff"), bytes.fromhex("07000000")),
    ("BIT_AND", ABSENT, bytes.fromhex("0f"), bytes.fromhex("0f")),
    ("BIT_AND", b"", bytes.fromhex("0f"), bytes.fromhex("00")),
    ("BIT_AND", bytes.fromhex("ffff"), bytes.fromhex("0f"), bytes.fromhex("0f")),
    ("BIT_AND", bytes.fromhex("ff"), bytes.fromhex("0f0f"), bytes.fromhex("0f00")),
    ("BIT_OR", ABSENT, bytes.fromhex("0f"), bytes.fromhex("0f")),
    ("BIT_OR", bytes.fromhex("f0"), bytes.fromhex("0f01"), bytes.fromhex("ff01")),
    ("BIT_OR", bytes.fromhex("f0f0"), bytes.fromhex("0f"), bytes.fromhex("ff")),
    ("BIT_XOR", bytes.fromhex("ff"), bytes.fromhex("0f01"), bytes.fromhex("f001")),
    ("BIT_XOR", bytes.fromhex("ffff"), bytes.fromhex("0f"), bytes.fromhex("f0")),
    ("MAX", bytes.fromhex("02"), bytes.fromhex("01"), bytes.fromhex("02")),
    ("MAX", bytes.fromhex("0101"), bytes.fromhex("02"), bytes.fromhex("02")),
    ("MAX", bytes.fromhex("0001"), bytes.fromhex("ff00"), bytes.fromhex("0001")),
    ("MAX", bytes.fromhex("05"), bytes.fromhex("0300"), bytes.fromhex("0500")),
    ("MIN", ABSENT, bytes.fromhex("07"), bytes.fromhex("07")),
    ("MIN", b"", bytes.fromhex("07"), bytes.fromhex("00")),
    ("MIN", bytes.fromhex("0101"), bytes.fromhex("02"), bytes.fromhex("01")),
    ("MIN", bytes.fromhex("05"), bytes.fromhex("0300"), bytes.fromhex("0300")),
    ("MIN", bytes.fromhex("050001"), bytes.fromhex("09"), bytes.fromhex("05")),
    ("BYTE_MAX", b"b", b"a", b"b"),
    ("BYTE_MAX", b"a", b"ab", b"ab"),
    ("BYTE_MIN", b"a", b"ab", b"a"),
    ("BYTE_MIN", b"", b"a", b""),
    ("APPEND_IF_FITS", b"ab", b"cd", b"abcd"),
    ("APPEND_IF_FITS", BIG, b"bc", BIG),
    ("COMPARE_AND_CLEAR", b"x", b"x", ABSENT),
    ("COMPARE_AND_CLEAR", b"y", b"x", b"y"),
    ("COMPARE_AND_CLEAR", ABSENT, b"x", ABSENT),
]
A04_IDS = [f"{op}-{'absent' if e is None else e.hex()[:8]}-{p.hex()}" for op, e, p, _ in A04]


async def read(db: found.Database, key: bytes) -> bytes | None:
    """Read ``key`` in a fresh transaction."""
    return await found.transactional(db, found.get, key)


async def prepare(db: found.Database, key: bytes, existing: bytes | None) -> None:
    """Commit ``key = existing`` (or leave it absent)."""
    tx = db.create_transaction()
    if existing is None:
        found.clear(tx, key)
    else:
        found.set(tx, key, existing)
    await tx.commit()


def test_mutation_type_codes() -> None:
    """A-01: FoundationDB's mutation type codes."""
    codes = {
        "ADD": 2,
        "BIT_AND": 6,
        "BIT_OR": 7,
        "BIT_XOR": 8,
        "APPEND_IF_FITS": 9,
        "MAX": 12,
        "MIN": 13,
        "SET_VERSIONSTAMPED_KEY": 14,
        "SET_VERSIONSTAMPED_VALUE": 15,
        "BYTE_MIN": 16,
        "BYTE_MAX": 17,
        "COMPARE_AND_CLEAR": 20,
    }
    for name, code in codes.items():
        assert found.MutationType[name] == code


async def test_invalid_mutation_type_is_2018(found_db: found.Database, found_prefix: bytes) -> None:
    """A-01: an atomic op with a code that is not an atomic operation gives 2018."""
    tx = found_db.create_transaction()
    try:
        tx.atomic(found.MutationType.SET_VALUE, found_prefix + b"k", b"v")
    except found.InvalidMutationType:
        return
    with pytest.raises(found.InvalidMutationType):
        await tx.commit()


@pytest.mark.parametrize(("op", "existing", "param", "result"), A04, ids=A04_IDS)
async def test_atomic_known_answers_at_commit(
    found_db: found.Database,
    found_prefix: bytes,
    op: str,
    existing: bytes | None,
    param: bytes,
    result: bytes | None,
) -> None:
    """A-03/A-04: the op applied at commit to the committed value."""
    key = found_prefix + b"k"
    await prepare(found_db, key, existing)
    tx = found_db.create_transaction()
    OPS[op](tx, key, param)
    await tx.commit()
    assert await read(found_db, key) == result


@pytest.mark.parametrize(("op", "existing", "param", "result"), A04, ids=A04_IDS)
async def test_atomic_known_answers_on_own_set(
    found_db: found.Database,
    found_prefix: bytes,
    op: str,
    existing: bytes | None,
    param: bytes,
    result: bytes | None,
) -> None:
    """A-04/A-05/R-06: the op stacked on the transaction's own set or clear, read locally."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    if existing is None:
        found.clear(tx, key)
    else:
        found.set(tx, key, existing)
    OPS[op](tx, key, param)
    assert await found.get(tx, key) == result
    await tx.commit()
    assert await read(found_db, key) == result


@pytest.mark.parametrize(("op", "existing", "param", "result"), A04, ids=A04_IDS)
async def test_atomic_known_answers_read_in_the_transaction(
    found_db: found.Database,
    found_prefix: bytes,
    op: str,
    existing: bytes | None,
    param: bytes,
    result: bytes | None,
) -> None:
    """A-05/R-06: reading the key after the op gives the op applied to the database value."""
    key = found_prefix + b"k"
    await prepare(found_db, key, existing)
    tx = found_db.create_transaction()
    OPS[op](tx, key, param)
    assert await found.get(tx, key) == result
    rows = await found.all(tx, key, key + b"\x00")
    assert rows == ([] if result is None else [(key, result)])


async def test_concurrent_adds_both_apply(found_db: found.Database, found_prefix: bytes) -> None:
    """A-02: two transactions that each add 1 both commit, and the counter grows by 2."""
    key = found_prefix + b"counter"
    one = (1).to_bytes(8, "little")
    t1, t2 = found_db.create_transaction(), found_db.create_transaction()
    await found.read_version(t1)
    await found.read_version(t2)
    found.add(t1, key, one)
    found.add(t2, key, one)
    await t1.commit()
    await t2.commit()
    assert await read(found_db, key) == (2).to_bytes(8, "little")


async def test_many_concurrent_atomic_ops_never_conflict(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """A-02: atomic ops are applied against the latest value at commit, in commit order."""
    p = found_prefix
    txs = [found_db.create_transaction() for _ in range(10)]
    for i, tx in enumerate(txs):
        await found.read_version(tx)
        found.add(tx, p + b"sum", i.to_bytes(2, "little"))
        found.max(tx, p + b"max", i.to_bytes(2, "little"))
        found.min(tx, p + b"min", (100 - i).to_bytes(2, "little"))
        found.byte_max(tx, p + b"bmax", b"%d" % i)
        found.append_if_fits(tx, p + b"log", b"%d" % i)
    for tx in reversed(txs):
        await tx.commit()
    assert await read(found_db, p + b"sum") == (45).to_bytes(2, "little")
    assert await read(found_db, p + b"max") == (9).to_bytes(2, "little")
    assert await read(found_db, p + b"min") == (91).to_bytes(2, "little")
    assert await read(found_db, p + b"bmax") == b"9"
    assert await read(found_db, p + b"log") == b"9876543210"


async def test_set_replaces_the_stack_of_atomic_ops(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """A-05: a set after atomic ops replaces them all, also at commit."""
    key = found_prefix + b"k"
    await prepare(found_db, key, b"\x05")
    tx = found_db.create_transaction()
    found.add(tx, key, b"\x01")
    found.set(tx, key, b"\x10")
    found.add(tx, key, b"\x01")
    await tx.commit()
    assert await read(found_db, key) == b"\x11"


@pytest.mark.parametrize("offset", [None, 1, 2**32 - 1], ids=["short", "overrun", "negative"])
async def test_versionstamp_op_with_a_bad_offset_is_deferred_2000(
    found_db: found.Database, found_prefix: bytes, offset: int | None
) -> None:
    """A-06: a versionstamp offset outside the key or value fails later with 2000."""
    if offset is None:
        value, key = b"short", found_prefix + b"s"
    else:
        value = b"\x00" * 10 + offset.to_bytes(4, "little")
        shifted = offset if offset > 1 else len(found_prefix) + offset
        key = found_prefix + b"\x00" * 10 + shifted.to_bytes(4, "little")
    tx = found_db.create_transaction()
    found.set_versionstamped_value(tx, found_prefix + b"k", value)
    with pytest.raises(found.ClientInvalidOperation):
        await tx.commit()
    tx = found_db.create_transaction()
    found.set_versionstamped_key(tx, key, b"v")
    with pytest.raises(found.ClientInvalidOperation):
        await found.get(tx, found_prefix + b"k")


async def test_clear_range_removes_the_half_open_range(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """A-07: clear_range(b, e) removes [b, e); b == e removes nothing."""
    p = found_prefix
    tx = found_db.create_transaction()
    for k in (b"a", b"b", b"c", b"d"):
        found.set(tx, p + k, k)
    await tx.commit()
    tx = found_db.create_transaction()
    found.clear(tx, p + b"b", p + b"d")
    found.clear(tx, p + b"a", p + b"a")
    await tx.commit()
    rows = await found.transactional(found_db, found.all, p, found.next_prefix(p))
    assert rows == [(p + b"a", b"a"), (p + b"d", b"d")]


async def test_inverted_clear_range_is_deferred_2005(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """A-07: clear_range(b, e) with b > e raises nothing at once and 2005 later."""
    tx = found_db.create_transaction()
    found.clear(tx, found_prefix + b"b", found_prefix + b"a")
    with pytest.raises(found.InvertedRange):
        await tx.commit()
