"""Retrying: found.transactional under injected faults and under real contention (E-07, T-26).

Fault injection (``found.testing.faults(db)``) exists only on the embedded engines; those tests
use the ``found_faults`` fixture and are skipped on FoundationDB.
"""

from __future__ import annotations

import asyncio

import pytest

import found
import found.testing


async def read(db: found.Database, key: bytes) -> bytes | None:
    """Read ``key`` in a fresh transaction."""
    return await found.transactional(db, found.get, key)


def as_int(value: bytes | None) -> int:
    """A counter's value (absent is 0)."""
    return 0 if value is None else int(value)


@pytest.mark.parametrize("retry_limit", [0, 1, 4])
async def test_conflicts_exhaust_retry_limit(
    found_db: found.Database,
    found_prefix: bytes,
    found_faults: found.testing.Testing,
    retry_limit: int,
) -> None:
    """T-20/T-26: with every commit conflicting, transactional runs retry_limit + 1 times."""
    found_faults.conflict_rate = 1.0
    attempts = 0

    async def body(tx: found.Transaction) -> None:
        nonlocal attempts
        attempts += 1
        found.set(tx, found_prefix + b"k", b"v")

    with pytest.raises(found.NotCommitted):
        await found.transactional(found_db, body, retry_limit=retry_limit)
    assert attempts == retry_limit + 1
    found_faults.conflict_rate = 0.0
    assert await read(found_db, found_prefix + b"k") is None


async def test_injected_conflicts_are_retried_until_success(
    found_db: found.Database, found_prefix: bytes, found_faults: found.testing.Testing
) -> None:
    """T-26: transactional retries 1020 and the write is applied exactly once."""
    attempts = 0

    async def body(tx: found.Transaction) -> None:
        nonlocal attempts
        attempts += 1
        found_faults.conflict_rate = 1.0 if attempts < 3 else 0.0
        found.add(tx, found_prefix + b"n", b"\x01")

    await found.transactional(found_db, body)
    assert attempts == 3
    assert await read(found_db, found_prefix + b"n") == b"\x01"


async def test_unknown_result_commit_is_applied_but_reports_1021(
    found_db: found.Database, found_prefix: bytes, found_faults: found.testing.Testing
) -> None:
    """E-05: with unknown_result_rate the commit is applied, then 1021 is raised."""
    found_faults.unknown_result_rate = 1.0
    tx = found_db.create_transaction()
    found.set(tx, found_prefix + b"k", b"v")
    with pytest.raises(found.CommitUnknownResult) as info:
        await tx.commit()
    assert info.value.maybe_committed
    found_faults.unknown_result_rate = 0.0
    assert await read(found_db, found_prefix + b"k") == b"v"


async def test_unknown_result_makes_a_non_idempotent_body_run_twice(
    found_db: found.Database, found_prefix: bytes, found_faults: found.testing.Testing
) -> None:
    """E-07: transactional retries 1021, so a read-modify-write increment is applied twice.

    The first commit is applied and then reported as ``commit_unknown_result`` (1021), which is
    retryable: transactional runs the body again, on the database where the first increment is
    already visible, and commits a second increment. One call, two increments. This is why
    transactional's functions must be idempotent (the seed README says so); the second test
    below shows the usual fix, a marker key written in the same transaction.
    """
    key = found_prefix + b"counter"
    attempts = 0

    async def increment(tx: found.Transaction) -> None:
        nonlocal attempts
        attempts += 1
        found_faults.unknown_result_rate = 1.0 if attempts == 1 else 0.0
        found.set(tx, key, b"%d" % (as_int(await found.get(tx, key)) + 1))

    await found.transactional(found_db, increment)
    assert attempts == 2
    assert as_int(await read(found_db, key)) == 2  # one call, applied twice


async def test_idempotent_body_survives_unknown_result(
    found_db: found.Database, found_prefix: bytes, found_faults: found.testing.Testing
) -> None:
    """E-07: a body that records a unique marker in the same transaction applies once."""
    key, marker = found_prefix + b"counter", found_prefix + b"done/op-1"
    attempts = 0

    async def increment_once(tx: found.Transaction) -> None:
        nonlocal attempts
        attempts += 1
        found_faults.unknown_result_rate = 1.0 if attempts == 1 else 0.0
        if await found.get(tx, marker) is not None:
            return  # the earlier attempt was committed after all
        found.set(tx, marker, b"")
        found.set(tx, key, b"%d" % (as_int(await found.get(tx, key)) + 1))

    await found.transactional(found_db, increment_once)
    assert attempts == 2
    assert as_int(await read(found_db, key)) == 1


async def test_unknown_result_exhausts_retry_limit(
    found_db: found.Database, found_prefix: bytes, found_faults: found.testing.Testing
) -> None:
    """E-05/T-20: 1021 at every commit: transactional gives up with 1021 after the limit."""
    found_faults.unknown_result_rate = 1.0
    key = found_prefix + b"n"
    with pytest.raises(found.CommitUnknownResult):
        await found.transactional(found_db, found.add, key, b"\x01", retry_limit=2)
    found_faults.unknown_result_rate = 0.0
    assert await read(found_db, key) == b"\x03"  # every attempt was applied


async def test_injected_too_old_reads_are_retried(
    found_db: found.Database, found_prefix: bytes, found_faults: found.testing.Testing
) -> None:
    """T-25/T-26: a read failing with 1007 makes transactional start a fresh attempt."""
    attempts = 0

    async def body(tx: found.Transaction) -> bytes | None:
        nonlocal attempts
        attempts += 1
        found_faults.too_old_rate = 1.0 if attempts == 1 else 0.0
        return await found.get(tx, found_prefix + b"k")

    assert await found.transactional(found_db, body) is None
    assert attempts == 2


async def test_timeout_ends_transactional_with_1031(
    found_db: found.Database, found_prefix: bytes, found_faults: found.testing.Testing
) -> None:
    """T-21/T-26: transactional(timeout=...) gives up with 1031 while conflicts repeat."""
    found_faults.conflict_rate = 1.0

    async def body(tx: found.Transaction) -> None:
        found.set(tx, found_prefix + b"k", b"v")

    with pytest.raises(found.TransactionTimedOut):  # retry_limit: fail rather than hang
        await found.transactional(found_db, body, timeout=0.2, retry_limit=100)


async def test_non_retryable_errors_are_not_retried(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-19/T-26: a non-retryable error ends transactional at once."""
    attempts = 0

    async def body(tx: found.Transaction) -> None:
        nonlocal attempts
        attempts += 1
        found.set(tx, found_prefix + b"k" * 10_001, b"v")

    with pytest.raises(found.KeyTooLarge):
        await found.transactional(found_db, body)
    assert attempts == 1


async def test_other_exceptions_propagate_without_commit(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """T-26: an exception that is not a FoundationDB error is raised, nothing is committed."""

    async def body(tx: found.Transaction) -> None:
        found.set(tx, found_prefix + b"k", b"v")
        raise KeyError("boom")

    with pytest.raises(KeyError):
        await found.transactional(found_db, body)
    assert await read(found_db, found_prefix + b"k") is None


async def test_contended_counter_loses_no_update(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """I-05/T-26: 50 tasks x 20 read-modify-write increments through transactional give 1000.

    Each increment yields to the event loop between its read and its write, so the tasks'
    transactions really interleave and conflict; every conflict is retried.
    """
    key = found_prefix + b"counter"
    attempts = 0

    async def increment(tx: found.Transaction) -> None:
        nonlocal attempts
        attempts += 1
        value = as_int(await found.get(tx, key))
        await asyncio.sleep(0)
        found.set(tx, key, b"%d" % (value + 1))

    async def worker() -> None:
        for _ in range(20):
            await found.transactional(found_db, increment)

    await asyncio.gather(*(worker() for _ in range(50)))
    assert as_int(await read(found_db, key)) == 1000
    assert attempts > 1000  # the tasks did conflict, and were retried
