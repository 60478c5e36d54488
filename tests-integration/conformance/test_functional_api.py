"""found's functional API as the seed README documents it: transactional, transaction,
query, all, next_prefix, the selector helpers, and typed errors for misuse."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

import found
import found.testing


async def put(db: found.Database, items: dict[bytes, bytes]) -> None:
    """Commit every pair of ``items`` in one transaction."""
    tx = db.create_transaction()
    for key, value in items.items():
        found.set(tx, key, value)
    await tx.commit()


async def read(db: found.Database, key: bytes) -> bytes | None:
    """Read ``key`` in a fresh transaction."""
    return await found.transactional(db, found.get, key)


# -- transactional and transaction -------------------------------------------------------------


async def test_readme_getting_started(found_db: found.Database, found_prefix: bytes) -> None:
    """The README example: get, set, get through transactional."""
    key = found_prefix + b"hello"

    async def get(tx: found.Transaction, key: bytes) -> bytes | None:
        return await found.get(tx, key)

    async def set_(tx: found.Transaction, key: bytes, value: bytes) -> None:
        return found.set(tx, key, value)

    assert await found.transactional(found_db, get, key) is None
    await found.transactional(found_db, set_, key, b"world")
    assert await found.transactional(found_db, get, key) == b"world"


async def test_transactional_passes_args_and_kwargs(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """transactional calls func(tx, *args, **kwargs) and returns its result."""

    async def store(tx: found.Transaction, key: bytes, *, value: bytes, also: bytes) -> str:
        found.set(tx, key, value)
        found.set(tx, key + b"2", also)
        return "stored"

    result = await found.transactional(found_db, store, found_prefix + b"k", value=b"v", also=b"w")
    assert result == "stored"
    assert await read(found_db, found_prefix + b"k") == b"v"
    assert await read(found_db, found_prefix + b"k2") == b"w"


async def test_transactional_accepts_plain_functions(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """transactional also runs a plain function such as found.set."""
    await found.transactional(found_db, found.set, found_prefix + b"k", b"v")
    assert await read(found_db, found_prefix + b"k") == b"v"


async def test_transactional_snapshot_is_read_only(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """snapshot=True hands func the snapshot view: it reads, and writes are refused."""
    await put(found_db, {found_prefix + b"k": b"v"})
    seen: list[bool] = []

    async def look(tx: found.Transaction) -> bytes | None:
        seen.append(tx.is_snapshot)
        return await found.get(tx, found_prefix + b"k")

    assert await found.transactional(found_db, look, snapshot=True) == b"v"
    assert seen == [True]

    async def write(tx: found.Transaction) -> None:
        found.set(tx, found_prefix + b"k", b"changed")

    with pytest.raises(found.UsageError):
        await found.transactional(found_db, write, snapshot=True)
    assert await read(found_db, found_prefix + b"k") == b"v"


async def test_transactional_inside_a_transaction_neither_commits_nor_retries(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-26: given a transaction, transactional only calls func in it."""
    tx = found_db.create_transaction()
    await found.transactional(tx, found.set, found_prefix + b"k", b"v")
    assert await read(found_db, found_prefix + b"k") is None
    assert await found.get(tx, found_prefix + b"k") == b"v"
    await tx.commit()
    assert await read(found_db, found_prefix + b"k") == b"v"


async def test_transactional_refuses_async_generators(found_db: found.Database) -> None:
    """T-26: an async generator cannot be a transaction body (it would never commit)."""

    async def rows(tx: found.Transaction) -> AsyncIterator[bytes]:
        yield b"row"

    with pytest.raises(found.FoundTypeError):
        await found.transactional(found_db, rows)


async def test_transaction_block_commits_on_clean_exit(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """found.transaction commits when the block ends normally."""
    async with found.transaction(found_db) as tx:
        found.set(tx, found_prefix + b"k", b"v")
    assert await read(found_db, found_prefix + b"k") == b"v"
    async with found.transaction(found_db, snapshot=True) as snap:
        assert await found.get(snap, found_prefix + b"k") == b"v"


async def test_transaction_block_never_commits_on_exception(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """found.transaction does not commit when the block raises, and re-raises."""

    async def block() -> None:
        async with found.transaction(found_db) as tx:
            found.set(tx, found_prefix + b"k", b"v")
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        await block()
    assert await read(found_db, found_prefix + b"k") is None


async def test_transaction_block_does_not_retry_conflicts(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """found.transaction is one attempt: a conflict surfaces as NotCommitted."""
    key = found_prefix + b"k"

    async def block() -> None:
        async with found.transaction(found_db) as tx:
            await found.get(tx, key)
            await put(found_db, {key: b"theirs"})
            found.set(tx, key, b"mine")

    with pytest.raises(found.NotCommitted):
        await block()
    assert await read(found_db, key) == b"theirs"


# -- query, all, clear ---------------------------------------------------------------------------


ROWS = {b"a": b"1", b"b": b"2", b"c": b"3", b"d": b"4"}


async def keys_of(aiter: AsyncIterator[tuple[bytes, bytes]], prefix: bytes) -> list[bytes]:
    """The keys an iterator yields, without the prefix."""
    return [k[len(prefix) :] async for k, _ in aiter]


async def test_query_forward_and_reverse_by_key_order(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """query(key, other) walks [key, other) forward, or [other, key) backwards if key > other."""
    p = found_prefix
    await put(found_db, {p + k: v for k, v in ROWS.items()})
    tx = found_db.create_transaction()
    assert await keys_of(found.query(tx, p + b"a", p + b"d"), p) == [b"a", b"b", b"c"]
    assert await keys_of(found.query(tx, p + b"d", p + b"a"), p) == [b"c", b"b", b"a"]
    assert await keys_of(found.query(tx, p + b"d", p + b"a", limit=2), p) == [b"c", b"b"]
    assert await keys_of(found.query(tx, p + b"a", p + b"d", limit=2), p) == [b"a", b"b"]


async def test_query_accepts_selectors(found_db: found.Database, found_prefix: bytes) -> None:
    """query bounds may be key selectors."""
    p = found_prefix
    await put(found_db, {p + k: v for k, v in ROWS.items()})
    tx = found_db.create_transaction()
    got = await keys_of(found.query(tx, found.gt(p + b"a"), found.gte(p + b"d")), p)
    assert got == [b"b", b"c"]
    got = await keys_of(found.query(tx, found.gte(p + b"a", 1), found.gte(p + b"a", 3)), p)
    assert got == [b"b", b"c"]


@pytest.mark.parametrize(
    "mode",
    [
        found.STREAMING_MODE_WANT_ALL,
        found.STREAMING_MODE_ITERATOR,
        found.STREAMING_MODE_SMALL,
        found.STREAMING_MODE_MEDIUM,
        found.STREAMING_MODE_LARGE,
        found.STREAMING_MODE_SERIAL,
    ],
)
async def test_query_modes_and_all_agree(
    found_db: found.Database, found_prefix: bytes, mode: int
) -> None:
    """Every streaming mode, and found.all, give the same rows (K-09)."""
    p = found_prefix
    rows = {p + b"%04d" % i: b"%d" % i for i in range(300)}
    await put(found_db, rows)
    tx = found_db.create_transaction()
    end = found.next_prefix(p)
    got = [pair async for pair in found.query(tx, p, end, mode=mode)]
    assert got == sorted(rows.items())
    assert await found.all(tx, p, end) == got
    assert await found.all(tx, end, p) == got[::-1]
    assert await found.all(tx, p, end, limit=10, reverse=True) == got[::-1][:10]
    exact = [
        pair async for pair in found.query(tx, p, end, limit=7, mode=found.STREAMING_MODE_EXACT)
    ]
    assert exact == got[:7]


async def test_clear_one_key_or_a_range_excluding_other(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """found.clear(tx, key) clears one key; clear(tx, key, other) clears [key, other)."""
    p = found_prefix
    await put(found_db, {p + k: v for k, v in ROWS.items()})

    async def clear(tx: found.Transaction) -> None:
        found.clear(tx, p + b"a")
        found.clear(tx, p + b"b", p + b"d")

    await found.transactional(found_db, clear)
    assert await found.transactional(found_db, found.all, p, found.next_prefix(p)) == [
        (p + b"d", b"4")
    ]


async def test_read_version_helpers(found_db: found.Database, found_prefix: bytes) -> None:
    """read_version and set_read_version read the database in the past."""
    key = found_prefix + b"k"
    await put(found_db, {key: b"old"})
    version = await found.transactional(found_db, found.read_version)
    await put(found_db, {key: b"new"})

    async def at(tx: found.Transaction, version: int) -> bytes | None:
        found.set_read_version(tx, version)
        return await found.get(tx, key)

    assert await found.transactional(found_db, at, version) == b"old"


def test_selector_helpers_add_offsets() -> None:
    """lt/lte/gt/gte take an offset that is added to the selector's own."""
    assert found.gte(b"k", 1) == found.gte(b"k") + 1
    assert found.gt(b"k", 2) == found.KeySelector(b"k", True, 3)
    assert found.lt(b"k", -2) == found.KeySelector(b"k", False, -2)
    assert found.lte(b"k", 1) == found.KeySelector(b"k", True, 1)


async def test_selector_offsets_walk_keys(found_db: found.Database, found_prefix: bytes) -> None:
    """gte(k, n) is the n-th key after the first key >= k; lte(k, -n) walks backwards."""
    p = found_prefix
    await put(found_db, {p + k: v for k, v in ROWS.items()})
    tx = found_db.create_transaction()
    assert await found.get_key(tx, found.gte(p + b"a", 2)) == p + b"c"
    assert await found.get_key(tx, found.gt(p + b"a", 1)) == p + b"c"
    assert await found.get_key(tx, found.lte(p + b"d", -2)) == p + b"b"
    assert await found.get_key(tx, found.lt(p + b"d", -1)) == p + b"b"


def test_next_prefix_examples() -> None:
    """next_prefix is the first key after every key starting with its argument."""
    assert found.next_prefix(b"ab") == b"ac"
    assert found.next_prefix(b"a\xff") == b"b"
    with pytest.raises(found.UsageError):
        found.next_prefix(b"\xff")


def test_tuple_helpers_round_trip() -> None:
    """pack, unpack and pack_with_versionstamp are exported as in the README."""
    assert found.unpack(found.pack(("a", 1, b"b", None))) == ("a", 1, b"b", None)
    packed = found.pack_with_versionstamp(("x", found.Versionstamp()))
    assert packed.endswith((len(packed) - 4 - 12).to_bytes(4, "little"))


# -- misuse raises typed errors ------------------------------------------------------------------

Call = Callable[[found.Transaction, found.Database, bytes], Any]

TYPE_MISUSE: dict[str, Call] = {
    "get str key": lambda tx, db, p: found.get(tx, "k"),  # type: ignore[arg-type]
    "get_key plain key": lambda tx, db, p: found.get_key(tx, p),  # type: ignore[arg-type]
    "set str key": lambda tx, db, p: found.set(tx, "k", b"v"),  # type: ignore[arg-type]
    "set str value": lambda tx, db, p: found.set(tx, p, "v"),  # type: ignore[arg-type]
    "set int value": lambda tx, db, p: found.set(tx, p, 1),  # type: ignore[arg-type]
    "set bytearray": lambda tx, db, p: found.set(tx, bytearray(p), b"v"),  # type: ignore[arg-type]
    "clear int key": lambda tx, db, p: found.clear(tx, 1),  # type: ignore[arg-type]
    "clear str end": lambda tx, db, p: found.clear(tx, p, "z"),  # type: ignore[arg-type]
    "add int param": lambda tx, db, p: found.add(tx, p, 1),  # type: ignore[arg-type]
    "query str begin": lambda tx, db, p: found.query(tx, "a", p),  # type: ignore[arg-type]
    "query str limit": lambda tx, db, p: found.query(tx, p, p + b"z", limit="1"),  # type: ignore[arg-type]
    "query str reverse": lambda tx, db, p: found.query(tx, p, p + b"z", reverse="y"),  # type: ignore[arg-type]
    "all None bound": lambda tx, db, p: found.all(tx, None, p),  # type: ignore[arg-type]
    "set_read_version str": lambda tx, db, p: found.set_read_version(tx, "1"),  # type: ignore[arg-type]
    "watch int key": lambda tx, db, p: found.watch(tx, 1),  # type: ignore[arg-type]
    "conflict range str": lambda tx, db, p: found.add_read_conflict_range(tx, "a", p),  # type: ignore[arg-type]
    "stamped key str": lambda tx, db, p: found.set_versionstamped_key(tx, "k", b"v"),  # type: ignore[arg-type]
    "option value str": lambda tx, db, p: found.set_option(tx, "timeout", "10"),
    "option value missing": lambda tx, db, p: found.set_option(tx, "timeout"),
    "option value unwanted": lambda tx, db, p: found.set_option(tx, "read_your_writes_disable", 1),
    "next_prefix str": lambda tx, db, p: found.next_prefix("a"),  # type: ignore[arg-type]
    "gte str key": lambda tx, db, p: found.gte("a"),  # type: ignore[arg-type]
    "gte str offset": lambda tx, db, p: found.gte(p, "1"),  # type: ignore[arg-type]
    "selector float offset": lambda tx, db, p: found.KeySelector(p, False, 1.5),  # type: ignore[arg-type]
    "transactional int func": lambda tx, db, p: found.transactional(db, 42),  # type: ignore[call-overload]
    "transactional str db": lambda tx, db, p: found.transactional("db", found.get, p),  # type: ignore[call-overload]
    "open int target": lambda tx, db, p: found.open(42),  # type: ignore[arg-type]
}

VALUE_MISUSE: dict[str, Call] = {
    "next_prefix empty": lambda tx, db, p: found.next_prefix(b""),
    "query unknown mode": lambda tx, db, p: found.query(tx, p, p + b"z", mode=99),
    "transactional negative timeout": lambda tx, db, p: found.transactional(
        db, found.get, p, timeout=-1
    ),
    "open unknown scheme": lambda tx, db, p: found.open("bogus://x"),
    "write through snapshot": lambda tx, db, p: found.set(tx.snapshot, p, b"v"),
    "clock backwards": lambda tx, db, p: found.testing.SteppingClock().advance(-1),
}


async def outcome(call: Call, tx: found.Transaction, db: found.Database, prefix: bytes) -> None:
    """Run ``call`` to the end: await it, or iterate it, as its result requires."""
    result = call(tx, db, prefix)
    if inspect.isawaitable(result):
        result = await result
    if hasattr(result, "__aiter__"):
        async for _ in result:
            pass
    if hasattr(result, "__aenter__"):
        async with result:
            pass


@pytest.mark.parametrize("name", list(TYPE_MISUSE))
async def test_wrong_types_raise_found_type_error(
    found_db: found.Database, found_prefix: bytes, name: str
) -> None:
    """A wrong argument type raises FoundTypeError (also a TypeError), never anything else."""
    tx = found_db.create_transaction()
    with pytest.raises(found.FoundTypeError) as info:
        await outcome(TYPE_MISUSE[name], tx, found_db, found_prefix)
    assert isinstance(info.value, TypeError)
    assert str(info.value)


@pytest.mark.parametrize("name", list(VALUE_MISUSE))
async def test_wrong_values_raise_usage_error(
    found_db: found.Database, found_prefix: bytes, name: str
) -> None:
    """A bad value or a forbidden call raises UsageError (also a ValueError)."""
    tx = found_db.create_transaction()
    with pytest.raises(found.UsageError) as info:
        await outcome(VALUE_MISUSE[name], tx, found_db, found_prefix)
    assert isinstance(info.value, ValueError)
    assert isinstance(info.value, found.BaseFoundException)


async def test_transaction_block_needs_a_database(found_db: found.Database) -> None:
    """found.transaction given something else than a database raises FoundTypeError."""
    with pytest.raises(found.FoundTypeError):
        async with found.transaction("db"):  # type: ignore[arg-type]
            pass


async def test_unknown_option_is_a_found_exception(found_db: found.Database) -> None:
    """An unknown option name raises InvalidOption (2007), a FoundException."""
    tx = found_db.create_transaction()
    with pytest.raises(found.InvalidOption):
        found.set_option(tx, "no_such_option")
    with pytest.raises(found.InvalidOption):
        found.set_option(tx, "")
