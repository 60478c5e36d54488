"""Transaction lifecycle: read versions, commits, reset, cancel, on_error and options.

Items T-01..T-25 of the FoundationDB conformance checklist (``fdb-semantics.md``). Every test
runs on each engine selected with ``--found-engines``; tests that move the clock use
``found_clock`` and are skipped on FoundationDB.
"""

from __future__ import annotations

import asyncio
import time

import pytest

import found
import found.testing


async def put(db: found.Database, key: bytes, value: bytes) -> int:
    """Commit ``key = value`` in a transaction of its own; return its commit version."""
    tx = db.create_transaction()
    found.set(tx, key, value)
    await tx.commit()
    return found.get_committed_version(tx)


async def read(db: found.Database, key: bytes) -> bytes | None:
    """Read ``key`` in a fresh transaction."""
    return await found.transactional(db, found.get, key)


# -- read versions (T-01..T-06) -----------------------------------------------------------------


async def test_read_version_is_fetched_lazily_at_the_first_read(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-01: a transaction created before a commit, with only writes so far, sees that commit."""
    key = found_prefix + b"k"
    tr1 = found_db.create_transaction()
    found.set(tr1, found_prefix + b"other", b"x")  # a mutation does not fetch a read version
    await put(found_db, key, b"v")
    assert await found.get(tr1, key) == b"v"


async def test_all_reads_of_an_attempt_see_one_snapshot(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-02: commits made after the read version are invisible to the transaction."""
    a, b = found_prefix + b"a", found_prefix + b"b"
    await put(found_db, a, b"1")
    await put(found_db, b, b"1")
    tx = found_db.create_transaction()
    assert await found.get(tx, a) == b"1"
    await put(found_db, a, b"2")
    await put(found_db, b, b"2")
    await put(found_db, found_prefix + b"c", b"2")
    assert await found.get(tx, a) == b"1"
    assert await found.get(tx, b) == b"1"
    assert await found.all(tx, found_prefix, found.next_prefix(found_prefix)) == [
        (a, b"1"),
        (b, b"1"),
    ]


async def test_a_later_transaction_sees_a_completed_commit(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-03: causality: B's read version is at least A's commit version, and B sees A."""
    key = found_prefix + b"k"
    version = await put(found_db, key, b"v")
    tx = found_db.create_transaction()
    assert await found.read_version(tx) >= version
    assert await found.get(tx, key) == b"v"


async def test_read_version_is_stable_and_survives_commit(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-04: positive, the same within an attempt and after commit; on_error/reset move it on."""
    tx = found_db.create_transaction()
    first = await found.read_version(tx)
    assert isinstance(first, int)
    assert 0 < first < 2**63
    await found.get(tx, found_prefix + b"k")
    assert await found.read_version(tx) == first
    found.set(tx, found_prefix + b"k", b"v")
    await tx.commit()
    assert await found.read_version(tx) == first
    await tx.on_error(found.error_for(1020))
    second = await found.read_version(tx)
    assert second >= first
    found.reset(tx)
    assert await found.read_version(tx) >= second


async def test_read_version_after_failed_commit_is_the_original(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-04: after a commit that failed with 1020, get_read_version still gives the old one."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    await found.get(tx, key)
    version = await found.read_version(tx)
    await put(found_db, key, b"x")
    found.set(tx, key, b"y")
    with pytest.raises(found.NotCommitted):
        await tx.commit()
    assert await found.read_version(tx) == version


async def test_set_read_version_reads_the_past(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-05: set_read_version(v) is returned by get_read_version, and reads see version v."""
    key = found_prefix + b"k"
    await put(found_db, key, b"old")
    tx = found_db.create_transaction()
    old = await found.read_version(tx)
    await put(found_db, key, b"new")
    past = found_db.create_transaction()
    found.set_read_version(past, old)
    assert await found.read_version(past) == old
    assert await found.get(past, key) == b"old"


async def test_set_read_version_golden_case(found_db: found.Database, found_prefix: bytes) -> None:
    """T-05 scripted case: a key written after V1 is absent at V1, and writing then gives 1020."""
    key = found_prefix + b"k"
    probe = found_db.create_transaction()
    v1 = await found.read_version(probe)
    await put(found_db, key, b"v")
    tx = found_db.create_transaction()
    found.set_read_version(tx, v1)
    assert await found.get(tx, key) is None
    found.set(tx, found_prefix + b"other", b"x")
    with pytest.raises(found.NotCommitted):
        await tx.commit()


async def test_set_read_version_twice_is_deferred_2010(found_db: found.Database) -> None:
    """T-05: setting the read version once it is known fails the next read with 2010."""
    tx = found_db.create_transaction()
    version = await found.read_version(tx)
    found.set_read_version(tx, version)  # does not raise by itself
    with pytest.raises(found.ReadVersionAlreadySet):
        await found.get(tx, b"k")
    tx = found_db.create_transaction()
    found.set_read_version(tx, version)
    found.set_read_version(tx, version)  # already set, though never used
    with pytest.raises(found.ReadVersionAlreadySet):
        await found.get(tx, b"k")


@pytest.mark.parametrize("version", [0, -5])
async def test_set_read_version_not_positive_is_deferred_2011(
    found_db: found.Database, version: int
) -> None:
    """T-05: a read version <= 0 fails the next read with 2011."""
    tx = found_db.create_transaction()
    found.set_read_version(tx, version)
    with pytest.raises(found.VersionInvalid):
        await found.get(tx, b"k")


async def test_read_version_older_than_five_seconds_is_too_old(
    found_db: found.Database, found_prefix: bytes, found_clock: found.testing.SteppingClock
) -> None:
    """T-05: a read version outside the MVCC window makes reads fail with 1007."""
    tx = found_db.create_transaction()
    old = await found.read_version(tx)
    found_clock.advance(6)
    past = found_db.create_transaction()
    found.set_read_version(past, old)
    with pytest.raises(found.TransactionTooOld):
        await found.get(past, found_prefix + b"k")


async def test_read_version_in_the_future_fails_1009(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-05: a read version newer than the database's fails reads with 1009 future_version."""
    tx = found_db.create_transaction()
    found.set_read_version(tx, 0x7FFFFFFFFFFFFFF0)
    with pytest.raises(found.FutureVersion):
        await found.get(tx, found_prefix + b"k")


async def test_commit_versions_grow_and_exceed_read_versions(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-06: successive commits get strictly larger versions, each above its read version."""
    versions = []
    for i in range(5):
        tx = found_db.create_transaction()
        found.set(tx, found_prefix + b"k", bytes([i]))
        await tx.commit()
        committed = found.get_committed_version(tx)
        assert committed > await found.read_version(tx)
        versions.append(committed)
    assert versions == sorted(set(versions))


async def test_versions_advance_about_a_million_per_second(
    found_db: found.Database, found_clock: found.testing.SteppingClock
) -> None:
    """T-06: versions follow the clock at about 1,000,000 per second."""
    first = await found.read_version(found_db.create_transaction())
    found_clock.advance(3)
    second = await found.read_version(found_db.create_transaction())
    assert 2_500_000 <= second - first <= 3_500_000


# -- commit and committed version (T-07..T-12) ---------------------------------------------------


async def test_committed_version_after_a_read_write_commit(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-07: get_committed_version gives the commit version, newer than any read before."""
    before = await found.read_version(found_db.create_transaction())
    version = await put(found_db, found_prefix + b"k", b"v")
    assert version > before
    after = await found.read_version(found_db.create_transaction())
    assert after >= version


async def test_read_only_commit_has_no_version(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-08: a read-only commit succeeds, its committed version is -1, its versionstamp 2021."""
    tx = found_db.create_transaction()
    await found.get(tx, found_prefix + b"k")
    stamp = found.get_versionstamp(tx)
    await tx.commit()
    assert found.get_committed_version(tx) == -1
    with pytest.raises(found.NoCommitVersion):
        await stamp


async def test_write_conflict_range_alone_is_not_read_only(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-08: a transaction whose only action is a write conflict range gets a commit version."""
    tx = found_db.create_transaction()
    found.add_write_conflict_key(tx, found_prefix + b"k")
    await tx.commit()
    assert found.get_committed_version(tx) > 0


async def test_clearing_a_missing_key_is_not_read_only(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-08: a transaction that only clears an absent key still commits a version."""
    tx = found_db.create_transaction()
    found.clear(tx, found_prefix + b"missing")
    await tx.commit()
    assert found.get_committed_version(tx) > 0


async def test_committed_version_is_minus_one_before_and_after_failure(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-09: -1 before commit, and -1 after a commit that failed."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    assert found.get_committed_version(tx) == -1
    await found.get(tx, key)
    found.set(tx, key, b"mine")
    await put(found_db, key, b"theirs")
    with pytest.raises(found.NotCommitted):
        await tx.commit()
    assert found.get_committed_version(tx) == -1


@pytest.mark.parametrize("failed", [False, True], ids=["after-success", "after-failure"])
async def test_operations_after_commit_fail_2017(
    found_db: found.Database, found_prefix: bytes, failed: bool
) -> None:
    """T-11/T-12: after commit(), reads, watch, versionstamp and commit fail with 2017."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    await found.get(tx, key)
    found.set(tx, key, b"v")
    if failed:
        await put(found_db, key, b"other")
        with pytest.raises(found.NotCommitted):
            await tx.commit()
    else:
        await tx.commit()
    with pytest.raises(found.UsedDuringCommit):
        await found.get(tx, key)
    with pytest.raises(found.UsedDuringCommit):
        await found.get_key(tx, found.gte(key))
    with pytest.raises(found.UsedDuringCommit):
        await found.all(tx, found_prefix, found.next_prefix(found_prefix))
    with pytest.raises(found.UsedDuringCommit):
        await found.watch(tx, key)
    with pytest.raises(found.UsedDuringCommit):
        await found.get_versionstamp(tx)
    with pytest.raises(found.UsedDuringCommit):
        await tx.commit()
    found.set(tx, key, b"later")  # a mutation does not raise by itself (deferred)
    with pytest.raises(found.UsedDuringCommit):
        await found.get(tx, key)
    # The exceptions of T-11 keep working.
    assert isinstance(await found.read_version(tx), int)
    assert isinstance(await found.get_approximate_size(tx), int)
    found.get_committed_version(tx)
    found.set_option(tx, "timeout", 10_000)
    found.reset(tx)
    assert await found.get(tx, key) == (b"other" if failed else b"v")


async def test_operation_during_an_in_flight_commit_fails_the_commit(
    found_db: found.Database, found_prefix: bytes, found_faults: found.testing.Testing
) -> None:
    """T-11: a read during an in-flight commit fails with 2017, and so does that commit."""
    found_faults.commit_latency = 0.05
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    found.set(tx, key, b"v")
    committing = asyncio.ensure_future(tx.commit())
    await asyncio.sleep(0.01)
    with pytest.raises(found.UsedDuringCommit):
        await found.get(tx, key)
    with pytest.raises(found.UsedDuringCommit):
        await committing
    found_faults.commit_latency = 0.0
    assert await read(found_db, key) is None


@pytest.mark.parametrize("how", ["cancel", "reset", "timeout"])
async def test_pending_reads_fail_when_the_attempt_ends(
    found_db: found.Database,
    found_prefix: bytes,
    found_faults: found.testing.Testing,
    how: str,
) -> None:
    """T-15/T-16/T-21: a pending read fails with 1025 on cancel or reset, 1031 on timeout."""
    key = found_prefix + b"k"
    await put(found_db, key, b"v")
    tx = found_db.create_transaction()
    if how == "timeout":
        found.set_option(tx, "timeout", 50)
    await found.read_version(tx)
    found_faults.read_latency = 0.1
    pending = asyncio.ensure_future(found.get(tx, key))
    await asyncio.sleep(0.02)
    if how == "cancel":
        found.cancel(tx)
    elif how == "reset":
        found.reset(tx)
    expected = found.TransactionTimedOut if how == "timeout" else found.TransactionCancelled
    with pytest.raises(expected):
        await pending


# -- versionstamp and approximate size (T-13, T-14) ----------------------------------------------


async def test_versionstamp_is_the_commit_version_and_batch_index(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-13: ten bytes, the first eight the big-endian commit version."""
    tx = found_db.create_transaction()
    found.set(tx, found_prefix + b"k", b"v")
    stamp = found.get_versionstamp(tx)
    await tx.commit()
    value = await stamp
    assert isinstance(value, bytes)
    assert len(value) == 10
    assert int.from_bytes(value[:8], "big") == found.get_committed_version(tx)


async def test_versionstamp_of_a_failed_commit_fails_2020(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-13: the versionstamp future of a commit that failed fails with 2020."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    await found.get(tx, key)
    found.set(tx, key, b"mine")
    stamp = found.get_versionstamp(tx)
    await put(found_db, key, b"theirs")
    with pytest.raises(found.NotCommitted):
        await tx.commit()
    with pytest.raises(found.TransactionInvalidVersion):
        await stamp


async def test_versionstamp_of_a_reset_transaction_fails_1025(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-13: resetting before the commit fails the versionstamp future with 1025."""
    tx = found_db.create_transaction()
    found.set(tx, found_prefix + b"k", b"v")
    stamp = found.get_versionstamp(tx)
    found.reset(tx)
    with pytest.raises(found.TransactionCancelled):
        await stamp


async def test_approximate_size_grows_with_every_write_and_conflict(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-14: starts at 0, strictly increases with each write, read and conflict range."""
    p = found_prefix
    tx = found_db.create_transaction()
    sizes = [await found.get_approximate_size(tx)]
    assert sizes[0] == 0

    async def step() -> None:
        sizes.append(await found.get_approximate_size(tx))
        assert sizes[-1] > sizes[-2]

    found.set(tx, p + b"a", b"1")
    await step()
    found.set(tx, p + b"a", b"1")  # writing the same key again counts again
    await step()
    found.clear(tx, p + b"b")
    await step()
    found.clear(tx, p + b"c", p + b"d")
    await step()
    found.add(tx, p + b"e", b"\x01")
    await step()
    await found.get(tx, p + b"f")
    await step()
    await found.all(tx, p + b"g", p + b"h")
    await step()
    found.add_read_conflict_range(tx, p + b"i", p + b"j")
    await step()
    found.add_write_conflict_key(tx, p + b"k")
    await step()
    before = await found.get_approximate_size(tx)
    await found.get(tx.snapshot, p + b"z")
    assert await found.get_approximate_size(tx) == before


async def test_approximate_size_counts_key_and_value_bytes(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-14: a set adds about len(key) + len(value) plus a small fixed overhead."""
    tx = found_db.create_transaction()
    key = found_prefix + b"k"
    found.set(tx, key, b"x" * 1000)
    size = await found.get_approximate_size(tx)
    # The mutation plus its write conflict range [key, key + b'\x00').
    assert len(key) + 1000 <= size <= 3 * len(key) + 1000 + 200


async def test_approximate_size_returns_to_zero_after_reset_and_on_error(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-14: reset() and on_error() drop the size back to 0."""
    tx = found_db.create_transaction()
    found.set(tx, found_prefix + b"k", b"v")
    found.reset(tx)
    assert await found.get_approximate_size(tx) == 0
    found.set(tx, found_prefix + b"k", b"v")
    await tx.on_error(found.error_for(1020))
    assert await found.get_approximate_size(tx) == 0


# -- reset, cancel, on_error (T-15..T-20) --------------------------------------------------------


async def test_reset_drops_writes_conflicts_and_errors(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-15: after reset the transaction behaves like a new one."""
    key = found_prefix + b"k"
    await put(found_db, key, b"0")
    tx = found_db.create_transaction()
    assert await found.get(tx, key) == b"0"  # a read conflict on key, and a read version
    found.set(tx, found_prefix + b"dropped", b"x")
    found.set_read_version(tx, 1)  # deferred 2010
    found.reset(tx)
    await put(found_db, key, b"1")
    assert await found.get(tx, key) == b"1"  # a new read version, no deferred error
    found.set(tx, found_prefix + b"kept", b"y")
    await tx.commit()  # the old read conflict on key is gone
    assert await read(found_db, found_prefix + b"dropped") is None
    assert await read(found_db, found_prefix + b"kept") == b"y"


async def test_reset_restores_database_default_options(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-15: reset clears per-transaction options (here a tiny size_limit and RYW disable)."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    found.set_option(tx, "size_limit", 100)
    found.set_option(tx, "read_your_writes_disable")
    found.reset(tx)
    found.set(tx, key, b"v" * 1000)
    assert await found.get(tx, key) == b"v" * 1000  # read-your-writes is back
    await tx.commit()  # no 2101 with the default size limit


async def test_cancel_fails_everything_until_reset(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-16: after cancel, reads, read version, commit and on_error fail with 1025."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    found.set(tx, key, b"before")
    found.cancel(tx)
    found.set(tx, key, b"after")  # mutations do not raise; they are discarded
    found.clear(tx, key)
    with pytest.raises(found.TransactionCancelled):
        await found.get(tx, key)
    with pytest.raises(found.TransactionCancelled):
        await found.read_version(tx)
    with pytest.raises(found.TransactionCancelled):
        await tx.commit()
    with pytest.raises(found.TransactionCancelled):
        await tx.on_error(found.error_for(1007))
    found.reset(tx)
    assert await found.get(tx, key) is None
    found.set(tx, found_prefix + b"other", b"x")
    await tx.commit()
    assert await read(found_db, key) is None
    assert await read(found_db, found_prefix + b"other") == b"x"


async def test_on_error_retryable_resets_the_attempt(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-17: on_error(1020) drops writes and non-persistent options, keeps the retry limit."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    found.set_option(tx, "retry_limit", 1)
    found.set_option(tx, "size_limit", 100)
    found.set_option(tx, "read_your_writes_disable")
    found.set(tx, key, b"dropped")
    await tx.on_error(found.error_for(1020))
    assert await found.get(tx, key) is None
    found.set(tx, key, b"v" * 1000)
    assert await found.get(tx, key) == b"v" * 1000  # RYW enabled again
    await tx.commit()  # size_limit went back to the default
    # retry_limit persisted: one retry was used, so the next on_error gives up.
    tx2 = found_db.create_transaction()
    found.set_option(tx2, "retry_limit", 1)
    await tx2.on_error(found.error_for(1020))
    with pytest.raises(found.NotCommitted):
        await tx2.on_error(found.error_for(1020))


async def test_on_error_keeps_the_timeout_clock_running(found_db: found.Database) -> None:
    """T-17/T-21: the timeout persists across on_error and counts from creation."""
    tx = found_db.create_transaction()
    found.set_option(tx, "timeout", 300)
    await tx.on_error(found.error_for(1020))
    await asyncio.sleep(0.35)
    with pytest.raises(found.TransactionTimedOut):
        await found.get(tx, b"k")


async def test_on_error_backoff_respects_max_retry_delay(found_db: found.Database) -> None:
    """T-18/T-22: each on_error delay is at most about max_retry_delay."""
    tx = found_db.create_transaction()
    found.set_option(tx, "max_retry_delay", 5)
    start = time.monotonic()
    for _ in range(10):
        await tx.on_error(found.error_for(1020))
    assert time.monotonic() - start < 10 * 0.005 + 0.5
    tx = found_db.create_transaction()
    start = time.monotonic()
    await tx.on_error(found.error_for(1020))  # the first backoff is below 10 ms
    assert time.monotonic() - start < 0.25


async def test_on_error_non_retryable_reraises_and_cancels(found_db: found.Database) -> None:
    """T-19: a non-retryable code is raised again and the transaction behaves as cancelled."""
    tx = found_db.create_transaction()
    with pytest.raises(found.KeyOutsideLegalRange):
        await tx.on_error(found.error_for(2004))
    with pytest.raises(found.TransactionCancelled):
        await found.get(tx, b"k")
    with pytest.raises(found.TransactionCancelled):
        await tx.on_error(found.error_for(1020))
    found.reset(tx)
    assert await found.get(tx, b"\x00found-conformance-absent") is None


@pytest.mark.parametrize(
    ("given", "raised"),
    [(0, 2000), (2000, 2000), (1031, 1031), (1025, 1025), (-1, 4000), (30001, 4000)],
)
async def test_on_error_golden_codes(found_db: found.Database, given: int, raised: int) -> None:
    """T-19: on_error(0) and on_error(2000) raise 2000; out-of-range codes become 4000."""
    tx = found_db.create_transaction()
    with pytest.raises(found.FoundException) as info:
        await tx.on_error(given)
    assert info.value.code == raised


async def test_on_error_unknown_code_is_reraised_unchanged(found_db: found.Database) -> None:
    """T-19: an unknown code in range is raised again as it is, with UNKNOWN_ERROR."""
    tx = found_db.create_transaction()
    with pytest.raises(found.FoundException) as info:
        await tx.on_error(found.error_for(29999))
    assert info.value.code == 29999
    assert info.value.description == "UNKNOWN_ERROR"


async def test_on_error_of_a_fresh_conflict_succeeds(found_db: found.Database) -> None:
    """T-19: on_error(1020) on a fresh transaction returns after the backoff."""
    tx = found_db.create_transaction()
    await tx.on_error(found.error_for(1020))
    await tx.on_error(1020)


async def test_on_error_reraises_other_exceptions_as_they_are(found_db: found.Database) -> None:
    """T-19 [py]: on_error given a non-FoundationDB exception raises that exception."""
    tx = found_db.create_transaction()
    error = KeyError("mine")
    with pytest.raises(KeyError) as info:
        await tx.on_error(error)
    assert info.value is error


@pytest.mark.parametrize("limit", [0, 1, 3])
async def test_retry_limit_counts_on_error_calls(found_db: found.Database, limit: int) -> None:
    """T-20: with retry_limit N the first N on_error calls retry, the next re-raises."""
    tx = found_db.create_transaction()
    found.set_option(tx, "retry_limit", limit)
    for _ in range(limit):
        await tx.on_error(found.error_for(1020))
    with pytest.raises(found.NotCommitted):
        await tx.on_error(found.error_for(1020))
    with pytest.raises(found.TransactionCancelled):
        await tx.on_error(found.error_for(1020))


async def test_retry_limit_is_checked_retroactively_and_reset_zeroes_it(
    found_db: found.Database,
) -> None:
    """T-20: setting the limit below the retries done fails the next on_error; reset zeroes."""
    tx = found_db.create_transaction()
    await tx.on_error(found.error_for(1020))
    await tx.on_error(found.error_for(1020))
    found.set_option(tx, "retry_limit", 1)
    with pytest.raises(found.NotCommitted):
        await tx.on_error(found.error_for(1020))
    found.reset(tx)
    found.set_option(tx, "retry_limit", 1)
    await tx.on_error(found.error_for(1020))


@pytest.mark.usefixtures("found_default_options")
async def test_database_retry_limit_is_the_default(found_db: found.Database) -> None:
    """T-20: db transaction_retry_limit is the default; a tx option overrides; reset restores."""
    found_db.options.set_transaction_retry_limit(0)
    tx = found_db.create_transaction()
    with pytest.raises(found.NotCommitted):
        await tx.on_error(found.error_for(1020))
    found.reset(tx)
    found.set_option(tx, "retry_limit", 2)
    await tx.on_error(found.error_for(1020))
    await tx.on_error(found.error_for(1020))
    found.reset(tx)  # back to the database default of 0
    with pytest.raises(found.NotCommitted):
        await tx.on_error(found.error_for(1020))


async def test_timeout_fires_and_fails_everything(found_db: found.Database) -> None:
    """T-21: once the timeout fired, reads, commit and on_error raise 1031; reset clears it."""
    tx = found_db.create_transaction()
    found.set_option(tx, "timeout", 20)
    await asyncio.sleep(0.05)
    with pytest.raises(found.TransactionTimedOut):
        await found.get(tx, b"k")
    with pytest.raises(found.TransactionTimedOut):
        await tx.commit()
    with pytest.raises(found.TransactionTimedOut):
        await tx.on_error(found.error_for(1020))
    found.set_option(tx, "timeout", 0)  # too late: it already fired
    with pytest.raises(found.TransactionTimedOut):
        await found.read_version(tx)
    found.reset(tx)
    assert isinstance(await found.read_version(tx), int)


async def test_timeout_counts_from_creation_not_from_the_option(
    found_db: found.Database,
) -> None:
    """T-21: a timeout set after it has already elapsed fires at once."""
    tx = found_db.create_transaction()
    await asyncio.sleep(0.05)
    found.set_option(tx, "timeout", 20)
    with pytest.raises(found.TransactionTimedOut):
        await found.read_version(tx)


async def test_timeout_zero_before_firing_disables_it(found_db: found.Database) -> None:
    """T-21: setting the timeout to 0 before it fires disables it."""
    tx = found_db.create_transaction()
    found.set_option(tx, "timeout", 30)
    found.set_option(tx, "timeout", 0)
    await asyncio.sleep(0.05)
    assert isinstance(await found.read_version(tx), int)


@pytest.mark.usefixtures("found_default_options")
async def test_database_timeout_is_the_default(found_db: found.Database) -> None:
    """T-21: db transaction_timeout is the default; a longer tx timeout wins; reset restores."""
    found_db.options.set_transaction_timeout(20)
    tx = found_db.create_transaction()
    found.set_option(tx, "timeout", 60_000)
    await asyncio.sleep(0.05)
    assert isinstance(await found.read_version(tx), int)
    found.reset(tx)
    await asyncio.sleep(0.05)
    with pytest.raises(found.TransactionTimedOut):
        await found.read_version(tx)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("timeout", -1),
        ("retry_limit", -2),
        ("max_retry_delay", -1),
        ("size_limit", 31),
        ("size_limit", 10_000_001),
    ],
)
async def test_option_out_of_range_is_deferred_2006(
    found_db: found.Database, name: str, value: int
) -> None:
    """T-22/T-23/L-05: an option value out of range fails the next read with 2006."""
    tx = found_db.create_transaction()
    found.set_option(tx, name, value)  # does not raise by itself
    with pytest.raises(found.InvalidOptionValue):
        await found.get(tx, b"k")


async def test_unknown_option_raises_2007_at_once(found_db: found.Database) -> None:
    """T-23: an unknown option fails immediately with 2007."""
    tx = found_db.create_transaction()
    with pytest.raises(found.InvalidOption):
        found.set_option(tx, "no_such_option_anywhere")


@pytest.mark.parametrize("first", ["read", "write"])
async def test_read_your_writes_disable_after_use_is_deferred_2000(
    found_db: found.Database, found_prefix: bytes, first: str
) -> None:
    """T-23: read_your_writes_disable set after a read or a write fails later with 2000."""
    tx = found_db.create_transaction()
    if first == "read":
        await found.get(tx, found_prefix + b"k")
    else:
        found.set(tx, found_prefix + b"k", b"v")
    found.set_option(tx, "read_your_writes_disable")
    with pytest.raises(found.ClientInvalidOperation):
        await found.get(tx, found_prefix + b"k")


# -- the five-second rule (T-24, T-25) -----------------------------------------------------------


async def test_reads_older_than_five_seconds_fail_1007(
    found_db: found.Database, found_prefix: bytes, found_clock: found.testing.SteppingClock
) -> None:
    """T-24: a read that needs the database fails with 1007 once the read version is 5 s old."""
    p = found_prefix
    await put(found_db, p + b"read", b"r")
    tx = found_db.create_transaction()
    assert await found.get(tx, p + b"read") == b"r"
    found.set(tx, p + b"written", b"w")
    found_clock.advance(6)
    with pytest.raises(found.TransactionTooOld):
        await found.get(tx, p + b"other")
    with pytest.raises(found.TransactionTooOld):
        await found.all(tx, p + b"x", p + b"y")
    # Keys the transaction wrote are answered locally.
    assert await found.get(tx, p + b"written") == b"w"


async def test_reads_of_already_read_keys_survive_five_seconds(
    found_db: found.Database, found_prefix: bytes, found_clock: found.testing.SteppingClock
) -> None:
    """T-24: a key the transaction already read is answered from its cache after 5 s."""
    key = found_prefix + b"k"
    await put(found_db, key, b"v")
    tx = found_db.create_transaction()
    assert await found.get(tx, key) == b"v"
    found_clock.advance(6)
    assert await found.get(tx, key) == b"v"


async def test_commit_with_reads_older_than_five_seconds_fails_1007(
    found_db: found.Database, found_prefix: bytes, found_clock: found.testing.SteppingClock
) -> None:
    """T-25: a commit with read conflicts and a 5-second-old read version fails with 1007."""
    tx = found_db.create_transaction()
    await found.get(tx, found_prefix + b"k")
    found.set(tx, found_prefix + b"k", b"v")
    found_clock.advance(6)
    with pytest.raises(found.TransactionTooOld):
        await tx.commit()


async def test_on_error_1007_retries_with_a_fresh_read_version(
    found_db: found.Database, found_prefix: bytes, found_clock: found.testing.SteppingClock
) -> None:
    """T-25: on_error(1007) gives a new read version, and the retry commits."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    await found.get(tx, key)
    old = await found.read_version(tx)
    found.set(tx, key, b"v")
    found_clock.advance(6)
    try:
        await tx.commit()
    except found.TransactionTooOld as error:
        await tx.on_error(error)
    else:
        pytest.fail("the commit should have been too old")
    assert await found.read_version(tx) > old + 5_000_000
    await found.get(tx, key)
    found.set(tx, key, b"v")
    await tx.commit()
    assert await read(found_db, key) == b"v"


@pytest.mark.parametrize("kind", ["blind", "snapshot"])
async def test_commit_without_read_conflicts_is_never_too_old(
    found_db: found.Database,
    found_prefix: bytes,
    found_clock: found.testing.SteppingClock,
    kind: str,
) -> None:
    """T-25: blind writes and snapshot reads are not rejected for their age."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    if kind == "snapshot":
        await found.get(tx.snapshot, key)
    else:
        await found.read_version(tx)
    found.set(tx, key, b"v")
    found_clock.advance(6)
    await tx.commit()
    assert await read(found_db, key) == b"v"
