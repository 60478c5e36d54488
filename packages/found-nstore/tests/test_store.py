"""add, get and remove: the key layout, values, and exact matching of items."""

from __future__ import annotations

from typing import Any

import found
import found_nstore as nstore


async def _all_keys(db: Any, store: nstore.NStore) -> list[tuple[Any, ...]]:
    r = found.tuple_range(store.prefix)
    pairs = await found.transactional(db, found.all, r.start, r.stop)
    return [found.unpack(key)[len(store.prefix) :] for key, _ in pairs]


async def test_add_writes_one_key_per_index_order(found_db: Any, prefix: tuple[Any, ...]) -> None:
    """A triple becomes three keys, (k, items in order k) for each index order k."""
    store = nstore.make("layout", (*prefix, "layout"), 3)
    await found.transactional(found_db, nstore.add, store, "s", "p", "o")
    assert sorted(await _all_keys(found_db, store)) == sorted(
        (k, *(("s", "p", "o")[i] for i in order)) for k, order in enumerate(store.orders)
    )


async def test_get_returns_the_value_and_none_when_absent(
    found_db: Any, prefix: tuple[Any, ...]
) -> None:
    """The value given to add comes back from get; an absent tuple gives None."""
    store = nstore.make("values", (*prefix, "values"), 3)

    def fill(tx: found.Transaction) -> None:
        nstore.add(tx, store, "alice", "knows", "bob", value=b"since 2020")
        nstore.add(tx, store, "alice", "knows", "carol")

    await found.transactional(found_db, fill)

    async def read(tx: found.Transaction) -> list[bytes | None]:
        return [
            await nstore.get(tx, store, "alice", "knows", "bob"),
            await nstore.get(tx, store, "alice", "knows", "carol"),
            await nstore.get(tx, store, "alice", "knows", "dave"),
        ]

    assert await found.transactional(found_db, read) == [b"since 2020", b"", None]


async def test_only_the_identity_index_holds_the_value(
    found_db: Any, prefix: tuple[Any, ...]
) -> None:
    """The value is stored once; the other index keys are empty."""
    store = nstore.make("once", (*prefix, "once"), 4)
    await found.transactional(found_db, nstore.add, store, 1, 2, 3, 4, value=b"v")
    r = found.tuple_range(store.prefix)
    pairs = await found.transactional(found_db, found.all, r.start, r.stop)
    values = {found.unpack(key)[len(store.prefix)]: value for key, value in pairs}
    assert values == {0: b"v", **{k: b"" for k in range(1, 6)}}


async def test_adding_again_replaces_the_value(found_db: Any, prefix: tuple[Any, ...]) -> None:
    """add of a stored tuple keeps one tuple and takes the new value."""
    store = nstore.make("again", (*prefix, "again"), 2)
    await found.transactional(found_db, nstore.add, store, "k", 1, value=b"old")
    await found.transactional(found_db, nstore.add, store, "k", 1, value=b"new")
    assert await found.transactional(found_db, nstore.get, store, "k", 1) == b"new"
    assert len(await _all_keys(found_db, store)) == 2


async def test_remove_clears_every_index(found_db: Any, prefix: tuple[Any, ...]) -> None:
    """After remove, no key of the tuple is left and queries no longer see it."""
    store = nstore.make("gone", (*prefix, "gone"), 3)

    def fill(tx: found.Transaction) -> None:
        nstore.add(tx, store, "a", "b", "c", value=b"x")
        nstore.add(tx, store, "a", "b", "d")

    await found.transactional(found_db, fill)
    await found.transactional(found_db, nstore.remove, store, "a", "b", "c")
    await found.transactional(found_db, nstore.remove, store, "never", "was", "there")
    assert sorted(await _all_keys(found_db, store)) == sorted(
        (k, *(("a", "b", "d")[i] for i in order)) for k, order in enumerate(store.orders)
    )
    assert await found.transactional(found_db, nstore.get, store, "a", "b", "c") is None


async def test_items_match_exactly_not_by_prefix_or_python_equality(
    found_db: Any, prefix: tuple[Any, ...]
) -> None:
    """'a' does not match 'a\\x00b', (1,) not (1, None), 1 not True nor 1.0, 'a' not b'a'."""
    store = nstore.make("exact", (*prefix, "exact"), 2)
    near = ["a", "a\x00b", "a\x00", b"a", (1,), (1, None), ((1,),), 1, True, 1.0, None, ""]

    def fill(tx: found.Transaction) -> None:
        for i, item in enumerate(near):
            nstore.add(tx, store, item, f"#{i}")
            nstore.add(tx, store, f"#{i}", item)

    await found.transactional(found_db, fill)
    x = nstore.var("x")
    for i, item in enumerate(near):

        async def lookup(tx: found.Transaction, item: Any = item, i: int = i) -> Any:
            first = [b["x"] async for b in nstore.query(tx, store, (item, x))]
            second = [b["x"] async for b in nstore.query(tx, store, (x, item))]
            return first, second, await nstore.get(tx, store, item, f"#{i}")

        first, second, value = await found.transactional(found_db, lookup)
        assert first == [f"#{i}"], (item, first)
        assert second == [f"#{i}"], (item, second)
        assert value == b""
    assert await found.transactional(found_db, nstore.get, store, "a", "#1") is None
