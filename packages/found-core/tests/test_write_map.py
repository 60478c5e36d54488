"""The shared empty write map that transactions use until their first write."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

import found
from found._atomic import MutationType
from found._engines._writes import NO_WRITES, WriteMap


@pytest.mark.parametrize(
    "change",
    [
        lambda w: w.set(b"k", b"v"),
        lambda w: w.clear(b"k"),
        lambda w: w.clear_range(b"a", b"b"),
        lambda w: w.atomic(MutationType.ADD, b"k", b"\x01"),
        lambda w: w.set_unreadable(b"k", b"v"),
        lambda w: w.unreadable_ranges.add(b"a", b"b"),
        lambda w: w.cleared.add(b"a", b"b"),
    ],
)
def test_the_shared_empty_write_map_refuses_every_change(
    change: Callable[[WriteMap], None],
) -> None:
    """A write that reached the shared map would leak into every other transaction."""
    with pytest.raises(RuntimeError, match="shared empty write map"):
        change(NO_WRITES)
    assert not NO_WRITES
    assert NO_WRITES.lookup(b"k") is None


def test_writes_of_one_transaction_stay_out_of_the_others() -> None:
    """Every kind of write gives the transaction its own map; a fresh one sees none of it."""

    async def main() -> None:
        async with await found.open("memory://") as db:
            tx = db.create_transaction()
            found.set(tx, b"a", b"1")
            found.clear(tx, b"b")
            found.clear(tx, b"c", b"d")
            found.add(tx, b"n", b"\x01")
            other = db.create_transaction()
            assert await found.all(other, b"", b"\xff") == []
            assert await found.all(tx, b"", b"\xff") == [(b"a", b"1"), (b"n", b"\x01")]
            tx.reset()
            assert await found.all(tx, b"", b"\xff") == []
        assert not NO_WRITES

    asyncio.run(main())
