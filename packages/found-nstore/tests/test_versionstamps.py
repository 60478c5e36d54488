"""Incomplete versionstamps: stamped keys in every index, one commit, complete when read."""

from __future__ import annotations

from typing import Any

import pytest

import found
import found_nstore as nstore


async def _stamped_add(db: Any, store: nstore.NStore, *items: Any) -> bytes:
    """Add ``items`` in one transaction; the commit's versionstamp."""
    tx = db.create_transaction()
    nstore.add(tx, store, *items, value=b"v")
    stamp = found.get_versionstamp(tx)
    await tx.commit()
    return await stamp


@pytest.mark.parametrize("n", [1, 3, 4])
async def test_an_incomplete_stamp_is_filled_in_every_index(
    n: int, found_db: Any, prefix: tuple[Any, ...]
) -> None:
    """Each of the C(n, n//2) keys holds the commit's stamp, at the item's place in its order."""
    store = nstore.make("log", (*prefix, "log", n), n)
    items = [*["event", "kind", "x", "y"][: n - 1], found.Versionstamp.incomplete(7)]
    stamp = await _stamped_add(found_db, store, *items)
    complete = found.Versionstamp(stamp, 7)
    want = [*items[:-1], complete]
    r = found.tuple_range(store.prefix)
    pairs = await found.transactional(found_db, found.all, r.start, r.stop)
    assert len(pairs) == len(store.orders)
    for key, _ in pairs:
        k, *permuted = found.unpack(key)[len(store.prefix) :]
        assert permuted == [want[p] for p in store.orders[k]]


async def test_a_stamped_tuple_reads_back_complete(found_db: Any, prefix: tuple[Any, ...]) -> None:
    """Queries return the completed stamp, and the stamp finds the tuple through any index."""
    store = nstore.make("events", (*prefix, "events"), 3)
    stamp = await _stamped_add(found_db, store, "login", "by", found.Versionstamp.incomplete())
    complete = found.Versionstamp(stamp, 0)
    x, y = nstore.var("x"), nstore.var("y")

    async def read(tx: found.Transaction) -> Any:
        return (
            [b async for b in nstore.query(tx, store, ("login", "by", x))],
            [b async for b in nstore.query(tx, store, (x, y, complete))],
            await nstore.get(tx, store, "login", "by", complete),
        )

    by_event, by_stamp, value = await found.transactional(found_db, read)
    assert by_event == [{"x": complete}]
    assert by_event[0]["x"].is_complete()
    assert by_stamp == [{"x": "login", "y": "by"}]
    assert value == b"v"


async def test_two_incomplete_stamps_in_one_tuple_are_refused(
    found_db: Any, prefix: tuple[Any, ...]
) -> None:
    """FoundationDB stamps one place per key, so a second incomplete stamp is misuse."""
    store = nstore.make("two", (*prefix, "two"), 3)
    tx = found_db.create_transaction()
    stamp = found.Versionstamp.incomplete
    with pytest.raises(nstore.NStoreException, match=r"items \[0, 2\].*only one"):
        nstore.add(tx, store, stamp(1), "p", stamp(2))


async def test_an_incomplete_stamp_cannot_be_read_or_removed(
    found_db: Any, prefix: tuple[Any, ...]
) -> None:
    """get, remove and query patterns refuse an incomplete stamp, naming its position."""
    store = nstore.make("nostamp", (*prefix, "nostamp"), 2)
    tx = found_db.create_transaction()
    stamp = found.Versionstamp.incomplete()
    with pytest.raises(nstore.NStoreException, match=r"item 1 .*incomplete Versionstamp"):
        await nstore.get(tx, store, "a", stamp)
    with pytest.raises(nstore.NStoreException, match=r"item 0 .*incomplete Versionstamp"):
        nstore.remove(tx, store, stamp, "a")
    with pytest.raises(nstore.NStoreException, match="item 1 of the pattern"):
        [b async for b in nstore.query(tx, store, (nstore.var("x"), stamp))]


async def test_the_writing_transaction_cannot_read_its_stamped_keys(
    found_db: Any, prefix: tuple[Any, ...]
) -> None:
    """As in FoundationDB, reading a range with a pending stamped key fails with 1036."""
    store = nstore.make("unreadable", (*prefix, "unreadable"), 2)
    tx = found_db.create_transaction()
    nstore.add(tx, store, "a", found.Versionstamp.incomplete())
    with pytest.raises(found.AccessedUnreadable):
        [b async for b in nstore.query(tx, store, ("a", nstore.var("x")))]
