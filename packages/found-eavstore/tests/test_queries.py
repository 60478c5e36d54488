"""query, between, match and count: exact answers, and costs that follow the index."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

import found
import found_eavstore as eavstore
from found_eavstore import _query as query_module

Store = eavstore.EAVStore


async def _fill(db: Any, store: Store, entities: dict[Any, dict[Any, Any]]) -> None:
    async def body(tx: found.Transaction) -> None:
        for uid, mapping in entities.items():
            eavstore.create(tx, store, mapping, uid)

    await found.transactional(db, body)


async def _query(db: Any, store: Store, attribute: Any, value: Any) -> list[Any]:
    async def body(tx: found.Transaction) -> list[Any]:
        return [uid async for uid in eavstore.query(tx, store, attribute, value)]

    return await found.transactional(db, body)


async def _between(db: Any, store: Store, *args: Any, **kwargs: Any) -> list[Any]:
    async def body(tx: found.Transaction) -> list[Any]:
        return [uid async for uid in eavstore.between(tx, store, *args, **kwargs)]

    return await found.transactional(db, body)


async def _match(db: Any, store: Store, conditions: Any, **kwargs: Any) -> list[Any]:
    async def body(tx: found.Transaction) -> list[Any]:
        return [uid async for uid in eavstore.match(tx, store, conditions, **kwargs)]

    return await found.transactional(db, body)


# Pairs of values where the first one's packed bytes are a prefix of the second's, or which
# Python calls equal although they pack differently.
LOOKALIKES: list[tuple[Any, Any]] = [
    ("a", "ab"),
    ("a", "a\x00"),
    (b"a", b"a\x00"),
    (b"a", b"ab"),
    ("", "\x00"),
    ((None,), (None, None)),
    (("a",), ("a", "b")),
    (1, True),
    (1, 1.0),
    (0.0, -0.0),
    (0, False),
    (None, ()),
]


@pytest.mark.parametrize(("first", "second"), LOOKALIKES)
async def test_query_matches_exactly_with_no_prefix_false_positives(
    found_db: Any, store: Store, first: Any, second: Any
) -> None:
    """Values whose encodings extend each other, or that Python calls equal, never mix."""
    await _fill(found_db, store, {"one": {"v": first}, "two": {"v": second}})
    assert await _query(found_db, store, "v", first) == ["one"]
    assert await _query(found_db, store, "v", second) == ["two"]
    assert await found.transactional(found_db, eavstore.count, store, "v", first) == 1


async def test_query_yields_uids_in_uid_order_and_honours_limit(
    found_db: Any, store: Store
) -> None:
    """query() lists every holder of the value in packed-uid order; limit cuts the list."""
    uids = [uuid.UUID(int=i * 7919) for i in range(30)]
    await _fill(found_db, store, {u: {"tag": "x" if i % 3 else "y"} for i, u in enumerate(uids)})
    expected = sorted((u for i, u in enumerate(uids) if i % 3), key=lambda u: u.bytes)
    assert await _query(found_db, store, "tag", "x") == expected

    async def first_five(tx: found.Transaction) -> list[Any]:
        return [uid async for uid in eavstore.query(tx, store, "tag", "x", limit=5)]

    assert await found.transactional(found_db, first_five) == expected[:5]


async def test_query_never_returns_a_stale_uid_after_update_or_remove(
    found_db: Any, store: Store
) -> None:
    """Once a value is updated away or its entity removed, query() stops returning it."""
    await _fill(found_db, store, {1: {"c": "red"}, 2: {"c": "red"}, 3: {"c": "red"}})
    await found.transactional(found_db, eavstore.update, store, 1, {"c": "blue"})
    await found.transactional(found_db, eavstore.remove, store, 2)
    assert await _query(found_db, store, "c", "red") == [3]
    assert await _query(found_db, store, "c", "blue") == [1]
    assert await found.transactional(found_db, eavstore.count, store, "c", "red") == 1


async def test_count_is_one_read_of_an_atomic_counter(
    found_db: Any, store: Store, found_faults: Any
) -> None:
    """count() of a value held by 50 entities answers 50 with one read."""
    await _fill(found_db, store, {i: {"pos": "n"} for i in range(50)})
    found_faults.reset_counters()
    assert await found.transactional(found_db, eavstore.count, store, "pos", "n") == 50
    assert found_faults.reads == 1
    assert await found.transactional(found_db, eavstore.count, store, "pos", "v") == 0


async def test_creators_of_one_value_do_not_conflict_on_its_count(
    found_db: Any, store: Store
) -> None:
    """Two open transactions creating the same value both commit: the count is atomic adds."""
    first = found_db.create_transaction()
    second = found_db.create_transaction()
    await found.get(first, b"")  # both take their read version before either commits
    await found.get(second, b"")
    eavstore.create(first, store, {"pos": "n"})
    eavstore.create(second, store, {"pos": "n"})
    await first.commit()
    await second.commit()
    assert await found.transactional(found_db, eavstore.count, store, "pos", "n") == 2


RANGE_DATA: dict[Any, dict[Any, Any]] = {
    "n1": {"x": -5},
    "n2": {"x": 0},
    "n3": {"x": 7},
    "n4": {"x": 7},
    "n5": {"x": 2**70},
    "f1": {"x": 0.5},
    "s1": {"x": "a"},
    "s2": {"x": "a\x00"},
    "s3": {"x": "ab"},
    "s4": {"x": "b"},
    "b1": {"x": b"a"},
    "z1": {"x": None},
    "t1": {"x": True},
}


@pytest.mark.parametrize(
    ("lo", "hi", "expected"),
    [
        (0, 8, ["n2", "n3", "n4"]),
        (-5, 7, ["n1", "n2"]),
        (7, 7, []),
        (8, 0, []),
        (0, None, []),
        ("a", "b", ["s1", "s2", "s3"]),
        ("a\x00", "ab", ["s2"]),
        ("a", "a\x00", ["s1"]),
        (b"", "", ["b1"]),
        (None, "", ["z1", "b1"]),
        (2**64, 1.0, ["n5", "f1"]),
        (1.0, False, []),
        (1.0, True, []),
        (False, uuid.UUID(int=0), ["t1"]),
    ],
)
async def test_between_follows_the_tuple_layer_order(
    found_db: Any, store: Store, lo: Any, hi: Any, expected: list[Any]
) -> None:
    """between(lo, hi) holds lo <= value < hi in tuple order, types sorting by type code."""
    await _fill(found_db, store, RANGE_DATA)
    assert await _between(found_db, store, "x", lo, hi) == expected


async def test_between_agrees_with_found_compare_on_every_pair(found_db: Any, store: Store) -> None:
    """For each pair of stored values as bounds, between() returns what found.compare says."""
    await _fill(found_db, store, RANGE_DATA)
    values = [m["x"] for m in RANGE_DATA.values()]
    for lo in values:
        for hi in values:
            expected = sorted(
                (
                    uid
                    for uid, m in RANGE_DATA.items()
                    if found.compare((lo,), (m["x"],)) <= 0 < found.compare((hi,), (m["x"],))
                ),
                key=lambda uid: (found.pack((RANGE_DATA[uid]["x"],)), found.pack((uid,))),
            )
            assert await _between(found_db, store, "x", lo, hi) == expected, (lo, hi)


async def test_between_without_hi_is_unbounded_and_reverse_gives_the_top(
    found_db: Any, store: Store
) -> None:
    """Leaving out hi reads to the end; reverse=True with limit gives the largest values."""
    await _fill(found_db, store, {i: {"len": i * 10} for i in range(20)})
    assert await _between(found_db, store, "len", 150) == [15, 16, 17, 18, 19]
    assert await _between(found_db, store, "len", None, reverse=True, limit=3) == [19, 18, 17]
    assert await _between(found_db, store, "len", 0, 30, reverse=True) == [2, 1, 0]


async def test_between_with_bounds_longer_than_any_key(found_db: Any, store: Store) -> None:
    """Bounds that pack past the key limit still cut the range at the right place."""
    await _fill(found_db, store, {1: {"s": "a" * 100}, 2: {"s": "b"}})
    huge_a, huge_b = "a" * 20_000, "b" * 20_000
    assert await _between(found_db, store, "s", huge_a, huge_b) == [2]
    assert await _between(found_db, store, "s", "a", huge_a) == [1]
    assert await _between(found_db, store, "s", huge_b) == []


ANIMALS: dict[Any, dict[Any, Any]] = {
    i: {
        "pos": "n" if i % 4 else "v",
        "even": i % 2 == 0,
        "tens": i // 10,
        **({"word": "rare"} if i in (13, 26, 39) else {}),
    }
    for i in range(120)
}


@pytest.mark.parametrize(
    "conditions",
    [
        {"pos": "n", "even": True},
        {"pos": "v", "even": True, "tens": 3},
        {"word": "rare", "pos": "n"},
        {"word": "rare", "pos": "n", "even": True},
        {"pos": "n", "even": False, "tens": 11},
        {"word": "rare", "tens": 99},
        {"pos": "n"},
        {"pos": "x", "even": True},
        {"tens": 5, "even": 1},  # 1 is not True
    ],
)
async def test_match_returns_the_entities_meeting_every_condition(
    found_db: Any, store: Store, conditions: dict[str, Any]
) -> None:
    """match() equals the model's answer, in packed-uid order, for several condition sets."""
    await _fill(found_db, store, ANIMALS)
    expected = [
        uid
        for uid, m in ANIMALS.items()
        if all(
            attr in m and found.pack((m[attr],)) == found.pack((value,))
            for attr, value in conditions.items()
        )
    ]
    assert await _match(found_db, store, conditions) == expected


async def test_match_honours_limit(found_db: Any, store: Store) -> None:
    """match(limit=n) stops after n uids."""
    await _fill(found_db, store, ANIMALS)
    assert await _match(found_db, store, {"pos": "n", "even": True}, limit=4) == [2, 6, 10, 14]


async def test_match_on_a_selective_condition_reads_few_rows(
    found_db: Any, store: Store, record: Any
) -> None:
    """Three rare entities among 600 nouns: match() reads the rare rows, not the 600 nouns."""
    await _fill(
        found_db,
        store,
        {i: {"pos": "n", **({"word": "rare"} if i % 200 == 7 else {})} for i in range(600)},
    )

    async def body(tx: found.Transaction) -> tuple[list[Any], Any]:
        rtx, tally = record(tx)
        return [u async for u in eavstore.match(rtx, store, {"pos": "n", "word": "rare"})], tally

    uids, tally = await found.transactional(found_db, body)
    assert uids == [7, 207, 407]
    assert tally.rows_read == 3  # the driver's rows only
    assert tally.point_reads == 2 + 3  # two counts, then one probe per candidate


async def test_match_merges_conditions_of_similar_size(
    found_db: Any, store: Store, record: Any
) -> None:
    """Two conditions of 200 and 300 entities are merged by scanning, without point reads."""
    entities = {i: {"a": 1} for i in range(200)}
    for i in range(100, 400):
        entities.setdefault(i, {})["b"] = 1
    await _fill(found_db, store, entities)

    async def body(tx: found.Transaction) -> tuple[list[Any], Any]:
        rtx, tally = record(tx)
        return [u async for u in eavstore.match(rtx, store, {"b": 1, "a": 1})], tally

    uids, tally = await found.transactional(found_db, body)
    assert uids == list(range(100, 200))
    assert tally.point_reads == 2  # the counts
    assert tally.rows_read <= 200 + 100 + 1  # the 'b' scan starts at the first candidate


async def test_match_issues_probes_concurrently(
    found_db: Any, store: Store, found_faults: Any
) -> None:
    """With latency, a selective match costs a handful of round trips, not one per uid."""
    await _fill(
        found_db,
        store,
        {i: {"pos": "n", **({"word": "w"} if i % 10 == 0 else {})} for i in range(1000)},
    )
    found_faults.read_latency = 0.001
    found_faults.reset_counters()
    assert len(await _match(found_db, store, {"pos": "n", "word": "w"})) == 100
    # read version, counts, the driver's scan, one wave of 100 probes (a chunk holds 128)
    assert found_faults.round_trips <= 5


async def test_match_with_an_empty_condition_still_conflicts_with_a_new_match(
    found_db: Any, store: Store
) -> None:
    """A read-write match that found nothing through a zero count retries when a concurrent
    transaction creates a matching entity (the count read itself adds no conflict)."""
    await _fill(found_db, store, {1: {"a": 1}})
    tx = found_db.create_transaction()
    assert [u async for u in eavstore.match(tx, store, {"a": 1, "b": 2})] == []
    found.set(tx, found.pack((*store.prefix, "note")), b"")
    await found.transactional(found_db, eavstore.create, store, {"a": 1, "b": 2}, 9)
    with pytest.raises(found.NotCommitted):
        await tx.commit()


async def test_match_stopped_early_closes_its_scans(found_db: Any, store: Store) -> None:
    """Leaving a match() loop early is clean: the transaction goes on and commits."""
    await _fill(found_db, store, ANIMALS)

    async def body(tx: found.Transaction) -> tuple[Any, dict[Any, Any]]:
        stream = eavstore.match(tx, store, {"pos": "n", "even": True})
        first = await anext(stream)
        await stream.aclose()  # type: ignore[attr-defined]
        return first, await eavstore.get(tx, store, first)

    assert await found.transactional(found_db, body) == (2, ANIMALS[2])


def test_match_chunk_and_merge_ratio_are_sane() -> None:
    """The planning constants are positive (the probe test relies on CHUNK >= 100)."""
    assert query_module.CHUNK >= 100
    assert query_module.MERGE_RATIO >= 1


@pytest.mark.parametrize("limit", [0, 1, 99, 100, 101, 250, 400])
async def test_query_across_its_first_batch_honours_limit(
    found_db: Any, store: Store, limit: int
) -> None:
    """Answers longer than the first batch read come whole, in uid order, cut at ``limit``."""
    first = query_module._FIRST_BATCH
    entities = {i: {"kind": "x"} for i in range(2 * first + 50)}
    entities[-1] = {"kind": "y"}
    await _fill(found_db, store, entities)

    async def body(tx: found.Transaction) -> list[Any]:
        return [uid async for uid in eavstore.query(tx, store, "kind", "x", limit=limit)]

    got = await found.transactional(found_db, body)
    expected = list(range(2 * first + 50))
    assert got == (expected[:limit] if limit else expected)
