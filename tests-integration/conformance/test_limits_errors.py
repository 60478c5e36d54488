"""Size limits, the user keyspace, and error codes (L-01..L-06, L-09, L-10, E-01..E-03)."""

from __future__ import annotations

import pytest

import found

KEY_LIMIT = 10_000
VALUE_LIMIT = 100_000


def long_key(prefix: bytes, size: int) -> bytes:
    """A key under ``prefix`` of exactly ``size`` bytes."""
    return prefix + b"k" * (size - len(prefix))


async def read(db: found.Database, key: bytes) -> bytes | None:
    """Read ``key`` in a fresh transaction."""
    return await found.transactional(db, found.get, key)


# -- keys and values (L-01..L-03) ----------------------------------------------------------------


async def test_key_of_ten_thousand_bytes_is_accepted(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """L-01: keys up to 10,000 bytes can be written and read."""
    key = long_key(found_prefix, KEY_LIMIT)
    tx = found_db.create_transaction()
    found.set(tx, key, b"v")
    found.append_if_fits(tx, key, b"w")  # atomic ops take such keys too
    await tx.commit()
    assert await read(found_db, key) == b"vw"


async def test_key_too_large_is_deferred_to_commit_2102(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """L-01: a 10,001-byte key raises nothing at set() and 2102 at commit."""
    tx = found_db.create_transaction()
    found.set(tx, long_key(found_prefix, KEY_LIMIT + 1), b"v")
    with pytest.raises(found.KeyTooLarge):
        await tx.commit()


@pytest.mark.parametrize("op", ["add", "byte_max", "compare_and_clear"])
async def test_atomic_op_with_a_key_too_large_is_deferred_2102(
    found_db: found.Database, found_prefix: bytes, op: str
) -> None:
    """L-01: atomic ops on a 10,001-byte key fail the next read with 2102."""
    tx = found_db.create_transaction()
    getattr(found, op)(tx, long_key(found_prefix, KEY_LIMIT + 1), b"\x01")
    with pytest.raises(found.KeyTooLarge):
        await found.get(tx, found_prefix + b"other")


async def test_versionstamped_key_length_includes_the_offset(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """L-01: the 4-byte offset suffix counts toward the 10,000-byte key limit."""
    p = found_prefix

    def stamped(size: int) -> bytes:
        body = p + b"\x00" * 10
        return body + b"k" * (size - 4 - len(body)) + len(p).to_bytes(4, "little")

    tx = found_db.create_transaction()
    found.set_versionstamped_key(tx, stamped(KEY_LIMIT), b"v")
    await tx.commit()
    tx = found_db.create_transaction()
    found.set_versionstamped_key(tx, stamped(KEY_LIMIT + 1), b"v")
    with pytest.raises(found.KeyTooLarge):
        await tx.commit()


async def test_value_of_a_hundred_thousand_bytes_is_accepted(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """L-02: values up to 100,000 bytes can be written and read."""
    key = found_prefix + b"k"
    await found.transactional(found_db, found.set, key, b"v" * VALUE_LIMIT)
    assert await read(found_db, key) == b"v" * VALUE_LIMIT


@pytest.mark.parametrize("op", ["set", "add", "append_if_fits", "set_versionstamped_value"])
async def test_value_too_large_is_deferred_2103(
    found_db: found.Database, found_prefix: bytes, op: str
) -> None:
    """L-02: a 100,001-byte value or param raises nothing at once and 2103 at commit."""
    tx = found_db.create_transaction()
    value = b"\x00" * (VALUE_LIMIT - 3) + (0).to_bytes(4, "little")
    getattr(found, op)(tx, found_prefix + b"k", value)
    with pytest.raises(found.ValueTooLarge):
        await tx.commit()


async def test_reads_and_clears_of_overlong_keys_are_harmless(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """L-03: get of a key over the limit is None; clear of it does nothing and raises nothing."""
    key = long_key(found_prefix, KEY_LIMIT + 500)
    tx = found_db.create_transaction()
    assert await found.get(tx, key) is None
    found.clear(tx, key)
    found.set(tx, found_prefix + b"k", b"v")
    await tx.commit()


# -- transaction size (L-04, L-05) ---------------------------------------------------------------


@pytest.mark.parametrize(("count", "fits"), [(95, True), (105, False)])
async def test_transaction_size_limit_margin(
    found_db: found.Database, found_prefix: bytes, count: int, fits: bool
) -> None:
    """L-04: 95 values of 100,000 bytes commit; 105 fail with 2101 at commit only."""
    tx = found_db.create_transaction()
    for i in range(count):
        found.set(tx, found_prefix + b"%03d" % i, b"v" * VALUE_LIMIT)
    assert await found.get(tx, found_prefix + b"000") == b"v" * VALUE_LIMIT
    if fits:
        await tx.commit()
    else:
        with pytest.raises(found.TransactionTooLarge):
            await tx.commit()


async def test_rewrites_of_one_key_count_once_at_commit(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """L-04 [src]: writes to one key are merged before the commit's size is checked."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    for i in range(150):
        found.set(tx, key, bytes([i % 256]) * VALUE_LIMIT)
    assert await found.get_approximate_size(tx) > 10_000_000
    await tx.commit()
    assert await read(found_db, key) == bytes([149]) * VALUE_LIMIT


async def test_clear_range_counts_only_its_boundaries(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """L-04: clearing much data is small; a tiny size_limit still lets it commit."""
    p = found_prefix
    tx = found_db.create_transaction()
    for i in range(30):
        found.set(tx, p + b"%02d" % i, b"v" * 50_000)
    await tx.commit()
    tx = found_db.create_transaction()
    found.set_option(tx, "size_limit", 1000)
    found.clear(tx, p, found.next_prefix(p))
    await tx.commit()
    assert await found.transactional(found_db, found.all, p, found.next_prefix(p)) == []


@pytest.mark.usefixtures("found_default_options")
async def test_size_limit_option_and_database_default(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """L-05: size_limit overrides the database default, which survives on_error."""
    key = found_prefix + b"k"
    found_db.options.set_transaction_size_limit(1000)
    tx = found_db.create_transaction()
    found.set(tx, key, b"v" * 2000)
    with pytest.raises(found.TransactionTooLarge):
        await tx.commit()
    await tx.on_error(found.error_for(1020))
    found.set(tx, key, b"v" * 2000)
    with pytest.raises(found.TransactionTooLarge):
        await tx.commit()  # the database default applies again after on_error
    found.reset(tx)
    found.set_option(tx, "size_limit", 5000)
    found.set(tx, key, b"v" * 2000)
    await tx.commit()


# -- the user keyspace (L-06) --------------------------------------------------------------------


@pytest.mark.parametrize("key", [b"\xff", b"\xff\x00", b"\xff\xff\x01"])
async def test_reading_system_keys_is_2004(found_db: found.Database, key: bytes) -> None:
    """L-06: get(k) for k >= b'\\xff' gives 2004 without options."""
    tx = found_db.create_transaction()
    with pytest.raises(found.KeyOutsideLegalRange):
        await found.get(tx, key)


async def test_metadata_version_key_is_readable(found_db: found.Database) -> None:
    """L-06/L-08: b'\\xff/metadataVersion' is the one readable system key."""
    tx = found_db.create_transaction()
    value = await found.get(tx, b"\xff/metadataVersion")
    assert value is None or len(value) == 10


async def test_range_up_to_xff_is_the_user_keyspace(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """L-06: a range ending at b'\\xff' is allowed; one ending above it gives 2004."""
    tx = found_db.create_transaction()
    assert len(await found.all(tx, found_prefix, b"\xff", limit=1)) <= 1
    with pytest.raises(found.KeyOutsideLegalRange):
        await found.all(tx, found_prefix, b"\xff\x00")


@pytest.mark.parametrize("op", ["set", "clear", "add", "clear_range"])
async def test_writing_system_keys_is_deferred_2004(found_db: found.Database, op: str) -> None:
    """L-06: set, clear, atomic ops and clear_range at or above b'\\xff' fail later with 2004."""
    tx = found_db.create_transaction()
    if op == "set":
        found.set(tx, b"\xff/found-test", b"v")
    elif op == "clear":
        found.clear(tx, b"\xff/found-test")
    elif op == "add":
        found.add(tx, b"\xff/found-test", b"\x01")
    else:
        found.clear(tx, b"\xff\x00", b"\xff\x01")  # never a user key, even if it went through
    with pytest.raises(found.KeyOutsideLegalRange):
        await tx.commit()


async def test_watching_a_system_key_is_2004(found_db: found.Database) -> None:
    """L-06/W-07: watch(k) for k >= b'\\xff' gives 2004."""
    tx = found_db.create_transaction()
    with pytest.raises(found.KeyOutsideLegalRange):
        await found.watch(tx, b"\xff/found-test")


@pytest.mark.usefixtures("found_default_options")
async def test_max_watches_above_a_million_is_2006(found_db: found.Database) -> None:
    """L-10: max_watches accepts [0, 1,000,000]."""
    found_db.options.set_max_watches(1_000_000)
    found_db.options.set_max_watches(0)
    with pytest.raises(found.InvalidOptionValue):
        found_db.options.set_max_watches(1_000_001)
    found_db.options.set_max_watches(10_000)


# -- errors (E-01..E-03) -------------------------------------------------------------------------


def test_error_text_and_names() -> None:
    """E-01: an error is a code with a name and a description; str is 'description (code)'."""
    error = found.error_for(1020)
    assert isinstance(error, found.NotCommitted)
    assert isinstance(error, found.FoundException)
    assert error.code == 1020
    assert error.name == "not_committed"
    assert str(error) == f"{error.description} (1020)"
    assert "1020" in repr(error)
    unknown = found.error_for(29_999)
    assert unknown.description == "UNKNOWN_ERROR"
    assert str(unknown) == "UNKNOWN_ERROR (29999)"


def test_error_predicates_match_foundationdb() -> None:
    """E-02: maybe_committed, retryable_not_committed and retryable are FDB 7.3's sets."""
    codes = range(0, 5000)
    maybe = {c for c in codes if found.error_for(c).maybe_committed}
    not_committed = {c for c in codes if found.error_for(c).retryable_not_committed}
    retryable = {c for c in codes if found.error_for(c).retryable}
    assert maybe == {1021, 1039}
    assert not_committed == {1007, 1009, 1020, 1037, 1038, 1042, 1051, 1078, 1213, 1223}
    assert retryable == maybe | not_committed
    assert not found.error_for(10).retryable


async def test_on_error_retries_exactly_the_retryable_codes(found_db: found.Database) -> None:
    """E-03/T-19: on_error retries the retryable codes and 1079, and re-raises every other."""
    retried = set()
    reraised_as: dict[int, int] = {}
    tx = found_db.create_transaction()
    found.set_option(tx, "max_retry_delay", 1)
    for code in range(1, 5000):
        try:
            await tx.on_error(found.error_for(code))
        except found.FoundException as error:
            reraised_as[code] = error.code
            found.reset(tx)
            found.set_option(tx, "max_retry_delay", 1)
        else:
            retried.add(code)
    assert all(code == raised for code, raised in reraised_as.items())
    assert retried == {1007, 1009, 1020, 1021, 1037, 1038, 1039, 1042, 1051, 1078, 1079, 1213, 1223}
