"""Watches: when they fire, fail, and count against the limit (W-01..W-07, W-09)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

import pytest

import found
import found.testing

FIRE_WITHIN = 5.0  # seconds a firing may take (FoundationDB's own test waits this long)
QUIET_FOR = 0.3  # seconds a watch is observed to check that it does not fire


async def _wait(watch: Awaitable[None]) -> None:
    await watch


async def fires(watch: Awaitable[None], within: float = FIRE_WITHIN) -> bool:
    """Whether ``watch`` fires within ``within`` seconds (its errors are raised)."""
    waiter = asyncio.ensure_future(_wait(watch))
    done, _ = await asyncio.wait({waiter}, timeout=within)
    if done:
        waiter.result()
        return True
    cancel: Any = watch
    cancel.cancel()
    with pytest.raises(found.OperationCancelled):
        await waiter
    return False


async def watch_committed(db: found.Database, key: bytes) -> Awaitable[None]:
    """A watch on ``key`` from a transaction that commits (read-only) at once."""
    tx = db.create_transaction()
    watch = await found.watch(tx, key)
    await tx.commit()
    return watch


async def commit_set(db: found.Database, key: bytes, value: bytes) -> None:
    """Commit ``key = value`` in a transaction of its own."""
    await found.transactional(db, found.set, key, value)


async def test_watch_fires_when_another_commit_changes_the_key(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """W-01/W-09: a committed change to a different value fires the watch."""
    key = found_prefix + b"k"
    await commit_set(found_db, key, b"1")
    watch = await watch_committed(found_db, key)
    await commit_set(found_db, key, b"2")
    assert await fires(watch)


async def test_watch_does_not_fire_on_the_same_value(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """W-09: committing the value the watch saw, or clearing a missing key, does not fire it."""
    p = found_prefix
    await commit_set(found_db, p + b"k", b"1")
    watch = await watch_committed(found_db, p + b"k")
    missing = await watch_committed(found_db, p + b"missing")
    await commit_set(found_db, p + b"k", b"1")
    await found.transactional(found_db, found.clear, p + b"missing")
    assert not await fires(watch, QUIET_FOR)
    assert not await fires(missing, QUIET_FOR)


@pytest.mark.parametrize("change", ["clear", "add"])
async def test_watch_fires_on_clear_and_atomic_change(
    found_db: found.Database, found_prefix: bytes, change: str
) -> None:
    """W-09: clearing an existing key, or an atomic op changing its bytes, fires the watch."""
    key = found_prefix + b"k"
    await commit_set(found_db, key, b"\x01")
    watch = await watch_committed(found_db, key)
    if change == "clear":
        await found.transactional(found_db, found.clear, key)
    else:
        await found.transactional(found_db, found.add, key, b"\x01")
    assert await fires(watch)


async def test_watch_compares_with_the_value_the_transaction_saw(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """W-01: the watch compares with the database value overlaid with earlier own writes."""
    key = found_prefix + b"k"
    await commit_set(found_db, key, b"old")
    tx = found_db.create_transaction()
    found.set(tx, key, b"mine")
    watch = await found.watch(tx, key)
    await tx.commit()  # the database now holds b"mine", the value the watch saw
    assert not await fires(watch, QUIET_FOR)
    tx = found_db.create_transaction()
    found.set(tx, key, b"mine")
    second = await found.watch(tx, key)
    await tx.commit()
    await commit_set(found_db, key, b"other")
    assert await fires(second)


async def test_watch_is_inactive_until_its_transaction_commits(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """W-02: changes by others do not fire it before the commit; it fires once activated."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    watch = await found.watch(tx, key)
    await commit_set(found_db, key, b"changed")
    waiter = asyncio.ensure_future(_wait(watch))
    await asyncio.sleep(QUIET_FOR)
    assert not waiter.done()
    await tx.commit()  # read-only: activates the watch, which sees the key already differs
    await asyncio.wait_for(waiter, FIRE_WITHIN)


@pytest.mark.parametrize(
    ("change", "fired"), [("set-other", True), ("set-same", False), ("clear", True), ("add", True)]
)
async def test_own_changes_after_the_watch_fire_it_at_once(
    found_db: found.Database, found_prefix: bytes, change: str, fired: bool
) -> None:
    """W-03: own sets to a different value, clears and atomic ops fire it before commit."""
    key = found_prefix + b"k"
    await commit_set(found_db, key, b"\x01")
    tx = found_db.create_transaction()
    watch = await found.watch(tx, key)
    if change == "set-other":
        found.set(tx, key, b"\x02")
    elif change == "set-same":
        found.set(tx, key, b"\x01")
    elif change == "clear":
        found.clear(tx, key)
    else:
        found.add(tx, key, b"\x00")
    assert await fires(watch, 1.0 if fired else QUIET_FOR) is fired
    found.cancel(tx)


async def test_watch_of_a_failed_commit_fails_with_its_error(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """W-04: when the commit fails with 1020, the watch fails with 1020."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    watch = await found.watch(tx, key)
    found.set(tx, found_prefix + b"other", b"x")
    await commit_set(found_db, key, b"conflict")
    with pytest.raises(found.NotCommitted):
        await tx.commit()
    with pytest.raises(found.NotCommitted):
        await asyncio.wait_for(_wait(watch), FIRE_WITHIN)


async def test_watch_of_an_unknown_result_commit_fails_1021(
    found_db: found.Database, found_prefix: bytes, found_faults: found.testing.Testing
) -> None:
    """W-04: when the commit ends with commit_unknown_result, the watch fails with 1021."""
    tx = found_db.create_transaction()
    watch = await found.watch(tx, found_prefix + b"k")
    found.set(tx, found_prefix + b"other", b"x")
    found_faults.unknown_result_rate = 1.0
    with pytest.raises(found.CommitUnknownResult):
        await tx.commit()
    found_faults.unknown_result_rate = 0.0
    with pytest.raises(found.CommitUnknownResult):
        await asyncio.wait_for(_wait(watch), FIRE_WITHIN)


@pytest.mark.parametrize("how", ["reset", "on_error", "cancel"])
async def test_watch_of_a_reset_transaction_fails_1025(
    found_db: found.Database, found_prefix: bytes, how: str
) -> None:
    """W-04/T-15: reset, on_error or cancel before the commit fail the watch with 1025."""
    tx = found_db.create_transaction()
    watch = await found.watch(tx, found_prefix + b"k")
    if how == "reset":
        found.reset(tx)
    elif how == "cancel":
        found.cancel(tx)
    else:
        await tx.on_error(found.error_for(1020))
    with pytest.raises(found.TransactionCancelled):
        await asyncio.wait_for(_wait(watch), FIRE_WITHIN)


@pytest.mark.usefixtures("found_default_options")
async def test_cancelled_watch_gives_1101_and_frees_its_slot(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """W-05/W-06: cancel() fails waiters with 1101 and frees the slot for another watch."""
    found_db.options.set_max_watches(1)
    key = found_prefix + b"k"
    first = await watch_committed(found_db, key)
    waiter = asyncio.ensure_future(_wait(first))
    await asyncio.sleep(0)
    cancel: Any = first
    cancel.cancel()
    with pytest.raises(found.OperationCancelled):
        await asyncio.wait_for(waiter, FIRE_WITHIN)
    second = await watch_committed(found_db, key)
    await commit_set(found_db, key, b"v")
    assert await fires(second)


@pytest.mark.usefixtures("found_default_options")
async def test_watches_past_max_watches_fail_1032(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """W-06/L-10: over max_watches the watch fails with 1032; uncommitted watches count."""
    found_db.options.set_max_watches(2)
    p = found_prefix
    first = await watch_committed(found_db, p + b"a")
    pending = found_db.create_transaction()
    second = await found.watch(pending, p + b"b")  # not committed yet, still counted
    third_tx = found_db.create_transaction()
    with pytest.raises(found.TooManyWatches):
        await asyncio.wait_for(_wait(await found.watch(third_tx, p + b"c")), FIRE_WITHIN)
    # A watch that fires frees its slot.
    await commit_set(found_db, p + b"a", b"changed")
    assert await fires(first)
    fourth = await watch_committed(found_db, p + b"d")
    cancel: Any = second
    cancel.cancel()
    cancel = fourth
    cancel.cancel()


@pytest.mark.usefixtures("found_default_options")
async def test_lowering_max_watches_keeps_existing_watches(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """W-06: lowering max_watches does not cancel outstanding watches."""
    key = found_prefix + b"k"
    watch = await watch_committed(found_db, key)
    found_db.options.set_max_watches(0)
    found_db.create_transaction()
    await commit_set(found_db, key, b"v")
    assert await fires(watch)


async def test_watch_error_cases(found_db: found.Database, found_prefix: bytes) -> None:
    """W-07: RYW disabled gives 1034, an overlong key 2102, a watch after commit 2017."""
    tx = found_db.create_transaction()
    found.set_option(tx, "read_your_writes_disable")
    with pytest.raises(found.WatchesDisabled):
        await found.watch(tx, found_prefix + b"k")
    tx = found_db.create_transaction()
    with pytest.raises(found.KeyTooLarge):
        await found.watch(tx, found_prefix + b"k" * 10_001)
    tx = found_db.create_transaction()
    await tx.commit()
    with pytest.raises(found.UsedDuringCommit):
        await found.watch(tx, found_prefix + b"k")


async def test_watch_reads_its_key_with_a_conflict(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """W-10: creating a watch adds a read conflict range, so the approximate size grows."""
    tx = found_db.create_transaction()
    before = await found.get_approximate_size(tx)
    watch: Any = await found.watch(tx, found_prefix + b"k")
    assert await found.get_approximate_size(tx) > before
    watch.cancel()


async def test_watch_outlives_its_transaction(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """W-05: after the commit, the transaction can be reset and the watch still fires."""
    key = found_prefix + b"k"
    tx = found_db.create_transaction()
    watch = await found.watch(tx, key)
    await tx.commit()
    found.reset(tx)
    del tx
    await commit_set(found_db, key, b"v")
    assert await fires(watch)
