"""create, get, update and remove: round trips, replacement, costs and retries."""

from __future__ import annotations

import asyncio
import math
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import found
import found_eavstore as eavstore

Store = eavstore.EAVStore


async def _all_keys(db: Any, store: Store) -> dict[bytes, bytes]:
    prefix = found.pack(store.prefix)

    async def scan(tx: found.Transaction) -> dict[bytes, bytes]:
        return dict(await found.all(tx, prefix, prefix + b"\xff"))

    return await found.transactional(db, scan)


async def test_create_returns_a_fresh_uuid_and_get_reads_the_mapping_back(
    found_db: Any, store: Store
) -> None:
    """create() without a uid makes a new UUID each time; get() returns the stored mapping."""
    mapping = {"name": "Ada", "born": 1815}
    first = await found.transactional(found_db, eavstore.create, store, mapping)
    second = await found.transactional(found_db, eavstore.create, store, mapping)
    assert isinstance(first, uuid.UUID)
    assert first != second
    assert await found.transactional(found_db, eavstore.get, store, first) == mapping
    assert await found.transactional(found_db, eavstore.get, store, second) == mapping


async def test_create_is_a_plain_call_that_returns_the_given_uid(
    found_db: Any, store: Store
) -> None:
    """create() writes without being awaited and returns the uid it was given."""

    async def body(tx: found.Transaction) -> Any:
        return eavstore.create(tx, store, {"x": 1}, uid="ada")

    assert await found.transactional(found_db, body) == "ada"
    assert await found.transactional(found_db, eavstore.get, store, "ada") == {"x": 1}


async def test_get_of_an_unknown_uid_is_an_empty_dict(found_db: Any, store: Store) -> None:
    """A uid that was never created reads as {}."""
    assert await found.transactional(found_db, eavstore.get, store, uuid.uuid4()) == {}


VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    -1,
    2**70,
    -(2**70),
    1.5,
    -0.0,
    math.inf,
    "",
    "héllo\x00",
    b"",
    b"\x00\xff",
    uuid.UUID(int=5),
    (),
    (None, ("a", b"\x00"), 3),
]


async def test_every_packable_value_round_trips(found_db: Any, store: Store) -> None:
    """Each value type the tuple layer packs comes back equal from get()."""
    mapping = {f"a{i}": value for i, value in enumerate(VALUES)}
    uid = await found.transactional(found_db, eavstore.create, store, mapping)
    back = await found.transactional(found_db, eavstore.get, store, uid)
    assert back == mapping
    assert {k: type(v) for k, v in back.items()} == {k: type(v) for k, v in mapping.items()}
    assert math.copysign(1.0, back["a8"]) == -1.0  # -0.0 (VALUES[8]) stays -0.0


async def test_lists_come_back_as_tuples(found_db: Any, store: Store) -> None:
    """The tuple layer packs a list as a nested tuple, so it reads back as a tuple."""
    uid = await found.transactional(found_db, eavstore.create, store, {"words": ["a", "b"]})
    assert await found.transactional(found_db, eavstore.get, store, uid) == {"words": ("a", "b")}


async def test_uids_that_extend_each_other_stay_apart(found_db: Any, store: Store) -> None:
    """Entities b'a' and b'a\\x00' (one packs as a prefix of the other) do not mix rows."""

    async def body(tx: found.Transaction) -> None:
        eavstore.create(tx, store, {"v": 1}, uid=b"a")
        eavstore.create(tx, store, {"v": 2}, uid=b"a\x00")
        eavstore.create(tx, store, {"v": 3}, uid="a")

    await found.transactional(found_db, body)
    for uid, value in ((b"a", 1), (b"a\x00", 2), ("a", 3)):
        assert await found.transactional(found_db, eavstore.get, store, uid) == {"v": value}
    await found.transactional(found_db, eavstore.remove, store, b"a")
    assert await found.transactional(found_db, eavstore.get, store, b"a\x00") == {"v": 2}


async def test_update_replaces_the_whole_mapping(found_db: Any, store: Store) -> None:
    """Attributes left out of update() are gone, changed ones changed, new ones added."""
    uid = await found.transactional(found_db, eavstore.create, store, {"a": 1, "b": 2, "c": 3})
    await found.transactional(found_db, eavstore.update, store, uid, {"b": 20, "d": 4})
    assert await found.transactional(found_db, eavstore.get, store, uid) == {"b": 20, "d": 4}


async def test_update_of_an_unknown_uid_creates_it(found_db: Any, store: Store) -> None:
    """update() on a uid with no entity stores the mapping."""
    await found.transactional(found_db, eavstore.update, store, 42, {"x": "y"})
    assert await found.transactional(found_db, eavstore.get, store, 42) == {"x": "y"}
    assert await found.transactional(found_db, eavstore.count, store, "x", "y") == 1


async def test_update_to_an_empty_mapping_removes_everything(found_db: Any, store: Store) -> None:
    """update(uid, {}) leaves no key at all behind: rows, index rows and counts are gone."""
    before = await _all_keys(found_db, store)
    uid = await found.transactional(found_db, eavstore.create, store, {"a": 1, "blob": b"x"})
    await found.transactional(found_db, eavstore.update, store, uid, {})
    assert await _all_keys(found_db, store) == before


async def test_remove_leaves_no_key_behind(found_db: Any, store: Store) -> None:
    """After remove() the store's keyspace is as before create(): no zero counts linger."""
    before = await _all_keys(found_db, store)
    uid = await found.transactional(found_db, eavstore.create, store, {"a": 1, "b": "x"})
    await found.transactional(found_db, eavstore.remove, store, uid)
    assert await _all_keys(found_db, store) == before
    assert await found.transactional(found_db, eavstore.get, store, uid) == {}


async def test_remove_of_an_unknown_uid_writes_nothing(
    found_db: Any, store: Store, record: Any
) -> None:
    """Removing a uid that has no entity reads once and writes nothing."""

    async def body(tx: found.Transaction) -> Any:
        rtx, tally = record(tx)
        await eavstore.remove(rtx, store, "nobody")
        return tally

    tally = await found.transactional(found_db, body)
    assert (tally.range_reads, tally.writes) == (1, 0)


async def test_update_to_the_same_mapping_writes_nothing(
    found_db: Any, store: Store, record: Any
) -> None:
    """An update that changes nothing reads the entity once and writes no key."""
    mapping = {"a": 1, "b": (1, 2), "blob": b"z"}
    uid = await found.transactional(found_db, eavstore.create, store, mapping)

    async def body(tx: found.Transaction) -> Any:
        rtx, tally = record(tx)
        await eavstore.update(rtx, store, uid, dict(mapping))
        return tally

    tally = await found.transactional(found_db, body)
    assert (tally.range_reads, tally.point_reads, tally.writes) == (1, 0, 0)


async def test_update_writes_only_the_changed_attributes(
    found_db: Any, store: Store, record: Any
) -> None:
    """Changing one indexed value costs 6 writes: row, old and new index rows, three counts."""
    uid = await found.transactional(found_db, eavstore.create, store, {"a": 1, "b": 2, "c": 3})

    async def body(tx: found.Transaction) -> Any:
        rtx, tally = record(tx)
        await eavstore.update(rtx, store, uid, {"a": 1, "b": 5, "c": 3})
        return tally

    tally = await found.transactional(found_db, body)
    # set row, clear old index row, add -1 + compare_and_clear old count, set index, add +1
    assert tally.writes == 6


async def test_get_costs_one_read(found_db: Any, store: Store, found_faults: Any) -> None:
    """get() of an entity with ten attributes is one read of the database."""
    uid = await found.transactional(
        found_db, eavstore.create, store, {f"a{i}": i for i in range(10)}
    )
    found_faults.reset_counters()
    await found.transactional(found_db, eavstore.get, store, uid)
    assert found_faults.reads == 1


async def test_get_sees_the_transactions_own_writes(found_db: Any, store: Store) -> None:
    """Within one transaction, get() after create() and update() sees the new mapping."""

    async def body(tx: found.Transaction) -> list[dict[Any, Any]]:
        uid = eavstore.create(tx, store, {"a": 1})
        seen = [await eavstore.get(tx, store, uid)]
        await eavstore.update(tx, store, uid, {"b": 2})
        seen.append(await eavstore.get(tx, store, uid))
        await eavstore.remove(tx, store, uid)
        seen.append(await eavstore.get(tx, store, uid))
        return seen

    assert await found.transactional(found_db, body) == [{"a": 1}, {"b": 2}, {}]


async def test_concurrent_updates_of_one_entity_keep_its_index_exact(
    found_db: Any, store: Store, found_faults: Any
) -> None:
    """Twenty interleaved updates of one uid conflict and retry: one index row survives."""
    found_faults.read_latency = 0.001  # let the transactions interleave
    await found.transactional(found_db, eavstore.create, store, {"v": -1}, "one")
    await asyncio.gather(
        *(found.transactional(found_db, eavstore.update, store, "one", {"v": i}) for i in range(20))
    )

    async def check(tx: found.Transaction) -> tuple[dict[Any, Any], list[Any], list[int]]:
        final = await eavstore.get(tx, store, "one")
        holders = [uid async for uid in eavstore.between(tx, store, "v", None)]
        counts = [await eavstore.count(tx, store, "v", i) for i in range(-1, 20)]
        return final, holders, counts

    final, holders, counts = await found.transactional(found_db, check)
    assert holders == ["one"]
    assert sum(counts) == 1
    assert counts[final["v"] + 1] == 1


async def test_update_and_remove_stay_exact_under_lost_commit_acknowledgements(
    found_db: Any, store: Store, found_faults: Any
) -> None:
    """With commits applied but reported as 1021 and retried, counts stay exact (idempotence)."""
    found_faults.unknown_result_rate = 0.5
    found_faults.conflict_rate = 0.2
    uids = [uuid.uuid4() for _ in range(10)]
    for i, uid in enumerate(uids):  # update() with a uid chosen outside: an idempotent create
        await found.transactional(found_db, eavstore.update, store, uid, {"k": i % 2})
    for uid in uids[:4]:
        await found.transactional(found_db, eavstore.remove, store, uid)
    await found.transactional(found_db, eavstore.update, store, uids[5], {"k": 7})
    found_faults.unknown_result_rate = found_faults.conflict_rate = 0.0

    async def counts(tx: found.Transaction) -> list[int]:
        return [await eavstore.count(tx, store, "k", k) for k in (0, 1, 7)]

    # uids 4..9 remain; 5 moved from 1 to 7; of 4, 6, 8 (k=0) and 7, 9 (k=1)
    assert await found.transactional(found_db, counts) == [3, 2, 1]


async def test_create_retried_after_a_lost_commit_counts_once(
    found_db: Any, store: Store, found_faults: Any
) -> None:
    """A create() applied but reported as 1021 is recognised by found.transactional from its
    rows and not run again: one entity, counted once, its uid returned (given or drawn)."""
    for uid in ("u", None):
        found_faults.reset_counters()

        async def body(tx: Any, uid: Any = uid) -> Any:
            found_faults.unknown_result_rate = 1.0 if found_faults.commits == 0 else 0.0
            return eavstore.create(tx, store, {"k": 1, "who": str(uid)}, uid)

        made = await found.transactional(found_db, body)
        assert found_faults.commits == 1  # the second attempt found the rows and stopped
        assert await found.transactional(found_db, eavstore.get, store, made) == {
            "k": 1,
            "who": str(uid),
        }
    found_faults.unknown_result_rate = 0.0
    assert await found.transactional(found_db, eavstore.count, store, "k", 1) == 2
    assert await found.transactional(found_db, eavstore.count, store, "who", "None") == 1


MAPPINGS = st.dictionaries(
    st.sampled_from(["a", "b", "c", "blob"]),
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 3),
        st.text("ab\x00", max_size=3),
        st.binary(max_size=3),
        st.floats(allow_nan=False, width=64),
    ),
    max_size=4,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(first=MAPPINGS, second=MAPPINGS)
def test_update_from_any_mapping_to_any_other_equals_creating_the_second(
    first: dict[str, Any], second: dict[str, Any]
) -> None:
    """create(first) then update(second) leaves exactly the keys create(second) would."""

    async def keys_after(steps: list[dict[str, Any]]) -> dict[bytes, bytes]:
        async with await found.open("memory://") as db:
            store = eavstore.make("prop", ("prop",), unindexed=["blob"])
            await found.transactional(db, eavstore.create, store, steps[0], "u")
            for mapping in steps[1:]:
                await found.transactional(db, eavstore.update, store, "u", mapping)
            return await _all_keys(db, store)

    assert asyncio.run(keys_after([first, second])) == asyncio.run(keys_after([second]))


def test_the_decoding_memo_stays_bounded_and_shares_only_immutable_values() -> None:
    """get()'s memo of decoded items never outgrows its bound and never keeps a tuple."""
    from found_eavstore import _layout

    for i in range(40_000):
        assert _layout.decode(found.pack((f"v{i}",))) == f"v{i}"
    assert len(_layout.MEMO) <= 16_384
    packed = found.pack(((1, "a"),))
    assert _layout.decode(packed) == (1, "a")
    assert packed not in _layout.MEMO


_SCALARS = st.one_of(
    st.text(),
    st.integers(),
    st.integers(min_value=0, max_value=2**70),
    st.binary(max_size=20),
    st.floats(allow_nan=False),
    st.booleans(),
    st.none(),
    st.uuids(),
    st.tuples(st.integers(), st.text(max_size=3)),
)


@settings(max_examples=400)
@given(value=_SCALARS)
def test_decoding_agrees_with_the_tuple_layer(value: Any) -> None:
    """decode (with its shortcuts for strings and positive ints) is found.unpack's first item."""
    from found_eavstore import _layout

    packed = found.pack((value,))
    for _ in range(2):  # cold, then from the memo
        back = _layout.decode(packed)
        assert back == found.unpack(packed)[0]
        assert type(back) is type(found.unpack(packed)[0])


@given(item=st.one_of(st.text(st.characters(exclude_categories=())), _SCALARS))
def test_items_pack_as_the_tuple_layer_packs_them(item: Any) -> None:
    """pack_item (with its shortcut for strings) is found.pack of the item alone, and refuses
    what the tuple layer refuses (a lone surrogate) with a typed error."""
    from found_eavstore import _layout

    try:
        expected = found.pack((item,))
    except (found.UsageError, found.FoundTypeError):
        with pytest.raises(eavstore.EAVStoreTypeError):
            _layout.pack_item(item, "value")
    else:
        assert _layout.pack_item(item, "value") == expected


@given(uid=st.one_of(st.uuids(), _SCALARS.filter(lambda v: v is not None)))
def test_uids_pack_as_the_tuple_layer_packs_them(uid: Any) -> None:
    """pack_uid (with its shortcut for UUIDs) is found.pack of the uid alone."""
    from found_eavstore import _layout

    assert _layout.pack_uid(uid) == found.pack((uid,))


async def test_get_decodes_equal_looking_values_apart(found_db: Any, store: Store) -> None:
    """With the memo warm, 1, True, 1.0, 0.0 and -0.0 still come back as themselves."""
    mapping = {"i": 1, "b": True, "f": 1.0, "z": 0.0, "n": -0.0}
    for _ in range(2):
        uid = await found.transactional(found_db, eavstore.create, store, mapping)
        back = await found.transactional(found_db, eavstore.get, store, uid)
        assert [(type(back[k]), math.copysign(1, back[k])) for k in mapping] == [
            (int, 1),
            (bool, 1),
            (float, 1),
            (float, 1),
            (float, -1),
        ]
