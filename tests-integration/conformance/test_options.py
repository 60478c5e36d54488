"""Transaction and database options: every option of the 7.3 bindings, and the ones that change
what a client sees (T-20, T-21, T-11, L-12, E-05).

Every test runs on each engine selected with ``--found-engines``; tests that inject faults are
skipped on FoundationDB.
"""

from __future__ import annotations

import asyncio
import struct
from typing import Any

import pytest

import found
import found.testing

# A span context as FoundationDB 7.3 serialises it: protocol version (little-endian), trace id
# (16 bytes), span id (8), flags (1).
SPAN_CONTEXT = struct.pack("<Q", 0x0FDB00B073000000) + bytes(range(16)) + bytes(8) + b"\x01"
# A value for each option that takes one (any other option takes none).
VALUES: dict[str, Any] = {
    "timeout": 60_000,
    "retry_limit": 5,
    "max_retry_delay": 100,
    "size_limit": 1_000_000,
    "transaction_logging_max_field_length": 100,
    "debug_transaction_identifier": "found-test",
    "transaction_logging_enable": "found-test",
    "debug_retry_logging": "found-test",
    "tag": "found-test",
    "auto_throttle_tag": "found-test",
    "span_parent": SPAN_CONTEXT,
    "authorization_token": "found-test",
}
# What committing one write fails with after the option, when it does.
COMMIT_FAILS: dict[str, type[Exception]] = {
    "use_grv_cache": found.InvalidOption,  # needs the disable_client_bypass network option
    "read_lock_aware": found.TransactionReadOnly,
    "log_transaction": found.ClientInvalidOperation,  # no debug identifier was set
}
# Left to their own tests: they change the database, not one transaction.
SEPARATE = {"initialize_new_database"}


def binding_options(kind: str) -> list[str]:
    """The option names of FoundationDB's Python binding (``TransactionOption`` or
    ``DatabaseOption``), or a visible skip without the binding."""
    options = pytest.importorskip("fdb.fdboptions", reason="needs the foundationdb bindings")
    return sorted(getattr(options, kind))


def transaction_option_names() -> list[str]:
    try:
        import fdb.fdboptions as options
    except ImportError:  # pragma: no cover -- the test skips visibly then
        return ["timeout"]
    return sorted(set(options.TransactionOption) - SEPARATE)


async def put(db: found.Database, key: bytes, value: bytes) -> None:
    tx = db.create_transaction()
    found.set(tx, key, value)
    await tx.commit()


async def read(db: found.Database, key: bytes) -> bytes | None:
    return await found.transactional(db, found.get, key)


def set_option(tx: Any, name: str) -> None:
    value = VALUES.get(name)
    if value is None:
        getattr(tx.options, f"set_{name}")()
    else:
        getattr(tx.options, f"set_{name}")(value)


# -- every option of the bindings ------------------------------------------------------------------


@pytest.mark.parametrize("name", transaction_option_names())
async def test_every_transaction_option_of_the_bindings_is_accepted(
    found_db: found.Database, found_prefix: bytes, name: str
) -> None:
    """Each 7.3 transaction option can be set, and a write commits after it unless the option
    forbids it (then with FoundationDB's error)."""
    binding_options("TransactionOption")
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    set_option(tx, name)
    found.set(tx, key, b"v")
    failure = COMMIT_FAILS.get(name)
    if failure is None:
        await tx.commit()
        assert await read(found_db, key) == b"v"
    else:
        with pytest.raises(failure):
            await tx.commit()
        assert await read(found_db, key) is None


def test_the_embedded_engines_know_every_option_of_the_bindings() -> None:
    """No 7.3 option is missing from the embedded engines' option objects."""
    from found._engines._options import DatabaseOptions, TransactionOptions

    kinds = (("TransactionOption", TransactionOptions), ("DatabaseOption", DatabaseOptions))
    for kind, cls in kinds:
        missing = [name for name in binding_options(kind) if not hasattr(cls, f"set_{name}")]
        assert missing == [], f"{kind}: {missing}"


async def test_unknown_option_names_fail_at_once_with_2007(found_db: found.Database) -> None:
    """An option that does not exist raises 2007 at the call, for transactions and databases."""
    tx = found_db.create_transaction()
    with pytest.raises(found.InvalidOption):
        found.set_option(tx, "no_such_option")
    with pytest.raises(found.InvalidOption):
        found_db.options.set("no_such_option")


async def test_database_options_can_be_set_by_name(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """``db.options.set(name, value)`` sets a database option as ``set_<name>`` does."""
    found_db.options.set("transaction_retry_limit", 7)
    found_db.options.set("location_cache_size", 100_000)
    found_db.options.set("transaction_causal_read_risky")
    with pytest.raises(found.InvalidOptionValue):
        found_db.options.set("test_causal_read_risky", 101)
    found_db.options.set("transaction_retry_limit", -1)
    await put(found_db, found_prefix + b"k", b"v")
    assert await read(found_db, found_prefix + b"k") == b"v"


# -- tags (L-12) -----------------------------------------------------------------------------------


async def test_five_tags_at_most_counting_both_kinds(found_db: found.Database) -> None:
    """Five distinct tags (``tag`` and ``auto_throttle_tag`` together) are fine; a sixth fails
    the next read with 2109, even when it repeats one already set."""
    tx = found_db.create_transaction()
    for tag in ("a", "b", "a", "c"):
        tx.options.set_tag(tag)
    tx.options.set_auto_throttle_tag("d")
    tx.options.set_auto_throttle_tag("e")
    await found.read_version(tx)
    tx.options.set_tag("a")
    with pytest.raises(found.TooManyTags):
        await found.read_version(tx)
    tx = found_db.create_transaction()
    for tag in ("a", "b", "c", "d", "e", "f"):
        tx.options.set_auto_throttle_tag(tag)
    with pytest.raises(found.TooManyTags):
        await tx.commit()


async def test_a_tag_longer_than_255_bytes_fails_with_2110(found_db: found.Database) -> None:
    """Tags are measured in UTF-8 bytes: 255 is the most."""
    tx = found_db.create_transaction()
    tx.options.set_tag("t" * 255)
    await found.read_version(tx)
    tx = found_db.create_transaction()
    tx.options.set_tag("é" * 128)  # 128 characters, 256 bytes
    with pytest.raises(found.TagTooLong):
        await found.read_version(tx)


async def test_tags_are_cleared_by_a_retry(found_db: found.Database, found_prefix: bytes) -> None:
    """Tags belong to one attempt: after ``on_error`` five new ones fit again."""
    tx = found_db.create_transaction()
    for tag in "abcde":
        tx.options.set_tag(tag)
    await tx.on_error(1020)
    for tag in "vwxyz":
        tx.options.set_tag(tag)
    found.set(tx, found_prefix + b"k", b"v")
    await tx.commit()


# -- logging options -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("identifiers", "error"),
    [
        (["a" * 100], None),
        ([""], found.InvalidOptionValue),
        (["a" * 101], found.InvalidOptionValue),
        (["same", "same"], None),
        (["one", "other"], found.ClientInvalidOperation),
    ],
    ids=["100-bytes", "empty", "101-bytes", "same-twice", "changed"],
)
async def test_debug_transaction_identifier_rules(
    found_db: found.Database, identifiers: list[str], error: type[Exception] | None
) -> None:
    """1 to 100 bytes (2006 otherwise), and once set it cannot change (2000)."""
    tx = found_db.create_transaction()
    for identifier in identifiers:
        tx.options.set_debug_transaction_identifier(identifier)
    if error is None:
        await found.read_version(tx)
    else:
        with pytest.raises(error):
            await found.read_version(tx)


async def test_log_transaction_needs_an_identifier(found_db: found.Database) -> None:
    """``log_transaction`` fails with 2000 without a debug identifier, and works after one;
    ``transaction_logging_enable`` sets both."""
    tx = found_db.create_transaction()
    tx.options.set_log_transaction()
    with pytest.raises(found.ClientInvalidOperation):
        await found.read_version(tx)
    tx = found_db.create_transaction()
    tx.options.set_debug_transaction_identifier("found-test")
    tx.options.set_log_transaction()
    await found.read_version(tx)
    tx = found_db.create_transaction()
    tx.options.set_transaction_logging_enable("found-test")
    tx.options.set_log_transaction()
    await found.read_version(tx)


@pytest.mark.parametrize(("length", "valid"), [(-1, True), (1, True), (0, False), (-2, False)])
async def test_logging_field_length_is_minus_one_or_positive(
    found_db: found.Database, length: int, valid: bool
) -> None:
    """``transaction_logging_max_field_length`` takes -1 (no truncation) or 1 and up."""
    tx = found_db.create_transaction()
    tx.options.set_transaction_logging_max_field_length(length)
    if valid:
        await found.read_version(tx)
    else:
        with pytest.raises(found.InvalidOptionValue):
            await found.read_version(tx)


async def test_span_parent_must_be_a_33_byte_span_context(found_db: found.Database) -> None:
    """A span context of another length fails the next read with 2006."""
    tx = found_db.create_transaction()
    tx.options.set_span_parent(SPAN_CONTEXT[:32])
    with pytest.raises(found.InvalidOptionValue):
        await found.read_version(tx)


# -- lock awareness --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "writes_commit"),
    [
        (["read_lock_aware"], False),
        (["lock_aware", "read_lock_aware"], True),
        (["read_lock_aware", "lock_aware"], True),
    ],
    ids=["read-lock-aware", "lock-aware-first", "lock-aware-after"],
)
async def test_read_lock_aware_makes_the_transaction_read_only(
    found_db: found.Database, found_prefix: bytes, options: list[str], writes_commit: bool
) -> None:
    """``read_lock_aware`` alone makes a commit with writes fail with 2023; ``lock_aware``,
    before or after it, lifts that. A read-only commit always succeeds."""
    key = found_prefix + b"k"
    reader = found_db.create_transaction()
    reader.options.set_read_lock_aware()
    assert await found.get(reader, key) is None
    await reader.commit()
    tx = found_db.create_transaction()
    for name in options:
        getattr(tx.options, f"set_{name}")()
    found.set(tx, key, b"v")
    if writes_commit:
        await tx.commit()
        assert await read(found_db, key) == b"v"
    else:
        with pytest.raises(found.TransactionReadOnly):
            await tx.commit()
        assert await read(found_db, key) is None


# -- commits under faults (embedded engines) -------------------------------------------------------


@pytest.mark.parametrize("scope", ["transaction", "database"])
async def test_used_during_commit_protection_disable_spares_the_commit(
    found_db: found.Database,
    found_prefix: bytes,
    found_faults: found.testing.Testing,
    scope: str,
) -> None:
    """T-11: with the option (or its database default), a read during an in-flight commit
    still fails with 2017, but the commit itself succeeds."""
    if scope == "database":
        found_db.options.set_transaction_used_during_commit_protection_disable()
    found_faults.commit_latency = 0.05
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    if scope == "transaction":
        tx.options.set_used_during_commit_protection_disable()
    found.set(tx, key, b"v")
    committing = asyncio.ensure_future(tx.commit())
    await asyncio.sleep(0.01)
    with pytest.raises(found.UsedDuringCommit):
        await found.get(tx, key)
    await committing
    found_faults.commit_latency = 0.0
    assert await read(found_db, key) == b"v"


async def test_automatic_idempotency_never_reports_an_unknown_result(
    found_db: found.Database, found_prefix: bytes, found_faults: found.testing.Testing
) -> None:
    """E-05: a commit applied but reported 1021 returns normally with the option, so an atomic
    add in a retry loop is applied exactly once; without it, the loop applies it twice."""
    counter = found_prefix + b"n"

    async def add_one(tx: Any, idempotent: bool) -> None:
        tx.options.set_retry_limit(3)  # fail rather than loop if 1021 keeps coming
        if idempotent:
            tx.options.set_automatic_idempotency()
        found.add(tx, counter, b"\x01")

    found_faults.unknown_result_rate = 1.0
    await found.transactional(found_db, add_one, True)
    found_faults.unknown_result_rate = 0.0
    assert await read(found_db, counter) == b"\x01"
    draws = iter([True, False])
    found_faults.chance = lambda rate: rate > 0 and next(draws)  # type: ignore[method-assign]
    found_faults.unknown_result_rate = 1.0
    await found.transactional(found_db, add_one, False)
    found_faults.unknown_result_rate = 0.0
    assert await read(found_db, counter) == b"\x03"


async def test_the_database_default_makes_every_transaction_idempotent(
    found_db: found.Database, found_prefix: bytes, found_faults: found.testing.Testing
) -> None:
    """``transaction_automatic_idempotency`` applies to each transaction and each retry."""
    found_db.options.set_transaction_automatic_idempotency()
    found_faults.unknown_result_rate = 1.0
    tx = found_db.create_transaction()
    found.add(tx, found_prefix + b"n", b"\x01")
    await tx.on_error(1020)  # a retry keeps the default
    found.add(tx, found_prefix + b"n", b"\x01")
    await tx.commit()
    found_faults.unknown_result_rate = 0.0
    assert await read(found_db, found_prefix + b"n") == b"\x01"


async def test_the_database_default_bypasses_unreadable_versionstamps(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """R-08, ``transaction_bypass_unreadable``: a versionstamped value written in the
    transaction reads back as the bytes given, unstamped, instead of failing with 1036."""
    param = b"\x00" * 10 + b"\x00\x00\x00\x00"
    tx = found_db.create_transaction()
    found.set_versionstamped_value(tx, found_prefix + b"k", param)
    with pytest.raises(found.AccessedUnreadable):
        await found.get(tx, found_prefix + b"k")
    found_db.options.set_transaction_bypass_unreadable()
    tx = found_db.create_transaction()
    found.set_versionstamped_value(tx, found_prefix + b"k", param)
    assert await found.get(tx, found_prefix + b"k") == param
    assert await found.all(tx, found_prefix, found.next_prefix(found_prefix)) == [
        (found_prefix + b"k", param)
    ]


# -- options only the embedded engines treat this way ----------------------------------------------


async def test_initialize_new_database_is_write_only_at_version_0(
    found_db: found.Database, found_prefix: bytes, found_engine: str
) -> None:
    """The transaction reads at version 0: reads fail with 2000, writes commit; set after the
    read version is known, the option fails with 2010."""
    if found_engine == "fdb":
        pytest.skip("initialize_new_database would reconfigure a real cluster")
    tx = found_db.create_transaction()
    tx.options.set_initialize_new_database()
    assert await found.read_version(tx) == 0
    with pytest.raises(found.ClientInvalidOperation):
        await found.get(tx, found_prefix + b"k")
    tx = found_db.create_transaction()
    tx.options.set_initialize_new_database()
    found.set(tx, found_prefix + b"k", b"v")
    await tx.commit()
    assert await read(found_db, found_prefix + b"k") == b"v"
    tx = found_db.create_transaction()
    await found.read_version(tx)
    tx.options.set_initialize_new_database()
    with pytest.raises(found.ReadVersionAlreadySet):
        await found.get(tx, found_prefix + b"k")


async def test_use_config_database_is_refused_by_name(
    found_db: found.Database, found_engine: str
) -> None:
    """An embedded database has no configuration database: the option raises UsageError."""
    if found_engine == "fdb":
        pytest.skip("on a cluster the option switches this database to the configuration one")
    with pytest.raises(found.UsageError, match="use_config_database"):
        found_db.options.set_use_config_database()
