"""Key selectors and range reads (K-01..K-10).

A real database may hold keys outside the test's prefix, so selector results are clamped to the
prefix as the bindingtester does (K-04): below the prefix becomes the prefix, at or above
``next_prefix(prefix)`` becomes ``next_prefix(prefix)``.
"""

from __future__ import annotations

import pytest

import found


async def put(db: found.Database, items: dict[bytes, bytes]) -> None:
    """Commit every pair of ``items`` in one transaction."""
    tx = db.create_transaction()
    for key, value in items.items():
        found.set(tx, key, value)
    await tx.commit()


def clamp(key: bytes, prefix: bytes) -> bytes:
    """Clamp a resolved key to ``[prefix, next_prefix(prefix)]``."""
    end = found.next_prefix(prefix)
    if key < prefix:
        return prefix
    if key >= end:
        return end
    return key


async def keys(
    tx: found.Transaction,
    begin: bytes | found.KeySelector,
    end: bytes | found.KeySelector,
    **options: int | bool,
) -> list[bytes]:
    """The keys of a range read."""
    return [k async for k, _ in found.query(tx, begin, end, **options)]  # type: ignore[arg-type]


def test_selector_constructors() -> None:
    """K-01: lt/lte/gt/gte are FoundationDB's four selectors; offsets add up."""
    assert found.lt(b"k") == found.KeySelector(b"k", False, 0)
    assert found.lte(b"k") == found.KeySelector(b"k", True, 0)
    assert found.gt(b"k") == found.KeySelector(b"k", True, 1)
    assert found.gte(b"k") == found.KeySelector(b"k", False, 1)
    assert found.gte(b"k", 2) == found.KeySelector(b"k", False, 3)
    assert found.lt(b"k", -1) == found.KeySelector(b"k", False, -1)
    assert found.gt(b"k") + 2 == found.KeySelector(b"k", True, 3)
    assert found.lte(b"k") - 3 == found.KeySelector(b"k", True, -3)


K03 = [
    (found.gte, b"b", 0, b"b"),
    (found.gt, b"b", 0, b"c"),
    (found.lt, b"b", 0, b"a"),
    (found.lte, b"b", 0, b"b"),
    (found.gte, b"bb", 0, b"c"),
    (found.lte, b"bb", 0, b"b"),
    (found.lt, b"a", 0, None),  # b'' clamped to the prefix
    (found.gt, b"c", 0, b"END"),  # b'\xff' clamped to next_prefix(prefix)
    (found.gte, b"a", 1, b"b"),
    (found.gte, b"a", 5, b"END"),
    (found.lt, b"c", -5, None),
    (found.gte, b"", 0, b"a"),
    (found.lte, b"\xff", 0, b"c"),
    (found.lte, b"b", 2, b"END"),
]


@pytest.mark.parametrize(
    ("make", "suffix", "offset", "expected"),
    K03,
    ids=[f"{m.__name__}({s!r})+{o}" for m, s, o, _ in K03],
)
async def test_get_key_known_answers(
    found_db: found.Database,
    found_prefix: bytes,
    make: object,
    suffix: bytes,
    offset: int,
    expected: bytes | None,
) -> None:
    """K-02/K-03: known answers over a database holding exactly {a, b, c}."""
    p = found_prefix
    await put(found_db, {p + b"a": b"", p + b"b": b"", p + b"c": b""})
    assert callable(make)
    selector = make(p + suffix) + offset
    tx = found_db.create_transaction()
    result = clamp(await found.get_key(tx, selector), p)
    if expected is None:
        assert result == p
    elif expected == b"END":
        assert result == found.next_prefix(p)
    else:
        assert result == p + expected


async def test_get_key_raw_selector_with_offset_zero(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """K-03: KeySelector(prefix, False, 0) is the last key before the prefix (clamped)."""
    p = found_prefix
    await put(found_db, {p + b"a": b""})
    tx = found_db.create_transaction()
    assert clamp(await found.get_key(tx, found.KeySelector(p, False, 0)), p) == p


async def test_get_key_off_the_keyspace_returns_its_edges(found_db: found.Database) -> None:
    """K-02: running off the keyspace gives b'' or b'\\xff'."""
    tx = found_db.create_transaction()
    assert await found.get_key(tx, found.lt(b"")) == b""
    assert await found.get_key(tx, found.gte(b"\xff")) == b"\xff"


async def test_scripted_selector_golden_case(found_db: found.Database, found_prefix: bytes) -> None:
    """K-04: foo1..foo5 with [foo3, foo5) cleared in the transaction."""
    p = found_prefix
    await put(found_db, {p + b"foo%d" % i: b"bar" for i in range(1, 6)})
    foo = [p + b"foo%d" % i for i in range(6)]
    tx = found_db.create_transaction()
    found.clear(tx, foo[3], foo[5])
    assert clamp(await found.get_key(tx, found.KeySelector(foo[1], False, 3)), p) == foo[5]
    assert clamp(await found.get_key(tx.snapshot, found.KeySelector(foo[1], True, 2)), p) == foo[5]
    other = found_db.create_transaction()
    assert clamp(await found.get_key(other, found.KeySelector(foo[5], False, -2)), p) == foo[2]
    sel = found.KeySelector
    assert await keys(tx, sel(foo[1], False, 1), sel(foo[1], False, 3)) == [foo[1], foo[2]]
    got = await keys(tx, sel(foo[1], True, 0), sel(foo[1], True, 3))
    assert [k for k in got if k.startswith(p)] == [foo[1], foo[2], foo[5]]
    assert await keys(other, sel(foo[1], False, 1), sel(foo[1], True, 3)) == foo[1:4]


async def test_get_key_beyond_the_user_keyspace_is_2004(found_db: found.Database) -> None:
    """K-05: a selector key above b'\\xff' gives 2004; b'\\xff' itself is allowed."""
    tx = found_db.create_transaction()
    with pytest.raises(found.KeyOutsideLegalRange):
        await found.get_key(tx, found.gte(b"\xff\x00"))
    assert await found.get_key(tx, found.gte(b"\xff")) == b"\xff"


async def test_inverted_range_read_is_empty_without_error(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """K-06: a range whose resolved begin is at or after its end reads nothing."""
    p = found_prefix
    await put(found_db, {p + b"a": b"1", p + b"b": b"2", p + b"c": b"3"})
    tx = found_db.create_transaction()
    assert await keys(tx, p + b"b", p + b"b") == []
    assert await keys(tx, found.gte(p + b"c"), found.gte(p + b"a")) == []
    assert await keys(tx, found.gte(p + b"b"), found.gte(p + b"b")) == []
    assert await keys(tx, p + b"b", p + b"a", reverse=False) == []


async def test_range_with_plain_keys_is_half_open_and_sorted(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """K-06: plain keys mean first_greater_or_equal at both ends: [begin, end)."""
    p = found_prefix
    await put(found_db, {p + k: k for k in (b"c", b"a", b"b", b"d")})
    tx = found_db.create_transaction()
    assert await keys(tx, p + b"a", p + b"c") == [p + b"a", p + b"b"]
    assert await keys(tx, p + b"aa", p + b"d") == [p + b"b", p + b"c"]


@pytest.mark.parametrize(
    ("limit", "reverse", "expected"),
    [(0, True, [b"foo2", b"foo1"]), (1, True, [b"foo2"]), (0, False, [b"foo1", b"foo2"])],
)
async def test_limit_and_reverse_golden_cases(
    found_db: found.Database,
    found_prefix: bytes,
    limit: int,
    reverse: bool,
    expected: list[bytes],
) -> None:
    """K-07: scripted cases over {foo1: bar, foo2: bar2}."""
    p = found_prefix
    await put(found_db, {p + b"foo1": b"bar", p + b"foo2": b"bar2"})
    tx = found_db.create_transaction()
    got = await keys(tx, p + b"foo1", p + b"foo3", limit=limit, reverse=reverse)
    assert got == [p + k for k in expected]


def test_next_prefix_is_strinc() -> None:
    """K-08: next_prefix strips trailing 0xff bytes and increments the last byte."""
    assert found.next_prefix(b"a\xff") == b"b"
    assert found.next_prefix(b"ab") == b"ac"
    assert found.next_prefix(b"\x00\xff\xff") == b"\x01"
    for bad in (b"", b"\xff\xff"):
        with pytest.raises(ValueError):
            found.next_prefix(bad)


async def test_prefix_range_holds_exactly_the_prefixed_keys(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """K-08: [p, next_prefix(p)) is the keys starting with p."""
    p = found_prefix
    inside = [p + b"x", p + b"x\x00", p + b"x\xff\xff"]
    await put(found_db, {k: b"" for k in [*inside, p + b"w", p + b"y"]})
    tx = found_db.create_transaction()
    assert await keys(tx, p + b"x", found.next_prefix(p + b"x")) == inside


MODES = [
    found.STREAMING_MODE_WANT_ALL,
    found.STREAMING_MODE_ITERATOR,
    found.STREAMING_MODE_EXACT,
    found.STREAMING_MODE_SMALL,
    found.STREAMING_MODE_MEDIUM,
    found.STREAMING_MODE_LARGE,
    found.STREAMING_MODE_SERIAL,
]


@pytest.mark.parametrize("limit", [1, 7, 250, 599, 600, 5000])
@pytest.mark.parametrize("reverse", [False, True])
async def test_streaming_modes_return_the_same_rows(
    found_db: found.Database, found_prefix: bytes, limit: int, reverse: bool
) -> None:
    """K-09/K-10: every streaming mode returns the same complete result, over many batches."""
    p = found_prefix
    rows = {p + b"%05d" % i: b"v%d" % i for i in range(600)}
    await put(found_db, rows)
    expected = sorted(rows.items(), reverse=reverse)[:limit]
    tx = found_db.create_transaction()
    for mode in MODES:
        got = [
            pair
            async for pair in found.query(
                tx, p, found.next_prefix(p), limit=limit, reverse=reverse, mode=mode
            )
        ]
        assert got == expected, f"mode {mode}"
        if mode != found.STREAMING_MODE_EXACT:
            unlimited = [
                pair async for pair in found.query(tx, p, found.next_prefix(p), reverse=reverse)
            ]
            assert unlimited == sorted(rows.items(), reverse=reverse)


async def test_exact_mode_without_limit_is_2210(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """K-09/L-09: EXACT streaming mode needs a row limit."""
    tx = found_db.create_transaction()
    with pytest.raises(found.ExactModeWithoutLimits):
        async for _ in found.query(
            tx, found_prefix, found.next_prefix(found_prefix), mode=found.STREAMING_MODE_EXACT
        ):
            pass


async def test_unknown_streaming_mode_is_refused(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """K-09: a mode outside FoundationDB's list is refused."""
    tx = found_db.create_transaction()
    with pytest.raises(found.UsageError):
        found.query(tx, found_prefix, found.next_prefix(found_prefix), mode=17)


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("mode", [found.STREAMING_MODE_SMALL, found.STREAMING_MODE_ITERATOR])
async def test_batched_range_read_keeps_its_snapshot(
    found_db: found.Database, found_prefix: bytes, reverse: bool, mode: int
) -> None:
    """K-10/T-02: commits made while a range is read in batches do not show up in it."""
    p = found_prefix
    rows = {p + b"%05d" % i: b"old" for i in range(0, 3000, 2)}
    await put(found_db, rows)
    tx = found_db.create_transaction()
    seen: list[tuple[bytes, bytes]] = []
    async for pair in found.query(tx, p, found.next_prefix(p), reverse=reverse, mode=mode):
        seen.append(pair)
        if len(seen) == 20:
            writer = found_db.create_transaction()
            found.clear(writer, p, found.next_prefix(p))
            for i in range(1, 3000, 2):
                found.set(writer, p + b"%05d" % i, b"new")
            await writer.commit()
    assert seen == sorted(rows.items(), reverse=reverse)


async def test_range_limit_zero_and_minus_one_mean_unlimited(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """L-09: limit=0 and limit=-1 read everything; other negative limits are refused."""
    p = found_prefix
    await put(found_db, {p + b"a": b"", p + b"b": b""})
    tx = found_db.create_transaction()
    assert await keys(tx, p, found.next_prefix(p), limit=0) == [p + b"a", p + b"b"]
    assert await keys(tx, p, found.next_prefix(p), limit=-1) == [p + b"a", p + b"b"]
    with pytest.raises(found.BaseFoundException):
        await keys(tx, p, found.next_prefix(p), limit=-2)
