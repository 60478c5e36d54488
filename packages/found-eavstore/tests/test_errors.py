"""Bad input raises typed errors that name the problem, before anything is written."""

from __future__ import annotations

from typing import Any

import pytest

import found
import found_eavstore as eavstore

Store = eavstore.EAVStore


async def _nothing_written(db: Any, store: Store) -> bool:
    prefix = found.pack(store.prefix)

    async def scan(tx: found.Transaction) -> list[Any]:
        return await found.all(tx, prefix, prefix + b"\xff")

    rows: list[Any] = await found.transactional(db, scan)
    return rows == []


async def test_a_value_too_large_for_an_index_key_is_refused_naming_the_attribute(
    found_db: Any, store: Store
) -> None:
    """A 20,000-character indexed value raises IndexKeyTooLargeError; nothing is written."""

    async def body(tx: found.Transaction) -> None:
        eavstore.create(tx, store, {"title": "ok", "summary": "x" * 20_000})

    with pytest.raises(eavstore.IndexKeyTooLargeError, match=r"'summary'.*unindexed"):
        await found.transactional(found_db, body)
    assert await _nothing_written(found_db, store)


async def test_the_index_key_limit_is_exact(found_db: Any, store: Store) -> None:
    """A value whose index key is exactly 10,000 bytes is stored; one byte more is refused."""
    uid = "u"
    room = (
        eavstore.KEY_LIMIT
        - len(store.index)
        - len(found.pack(("a",)))
        - len(found.pack((uid,)))
        - len(found.pack((b"",)))
    )
    fits, too_long = b"x" * room, b"x" * (room + 1)
    await found.transactional(found_db, eavstore.update, store, uid, {"a": fits})
    assert await found.transactional(found_db, eavstore.count, store, "a", fits) == 1
    with pytest.raises(eavstore.IndexKeyTooLargeError):
        await found.transactional(found_db, eavstore.update, store, uid, {"a": too_long})
    assert await found.transactional(found_db, eavstore.get, store, uid) == {"a": fits}


async def test_an_unindexed_attribute_stores_large_values(found_db: Any, store: Store) -> None:
    """The store's unindexed 'blob' keeps a 90,000-byte value, with no index row or count."""
    blob = b"\x01" * 90_000
    uid = await found.transactional(found_db, eavstore.create, store, {"blob": blob, "n": 1})
    assert await found.transactional(found_db, eavstore.get, store, uid) == {"blob": blob, "n": 1}
    prefix = store.index

    async def index_rows(tx: found.Transaction) -> int:
        return len(await found.all(tx, prefix, prefix + b"\xff"))

    assert await found.transactional(found_db, index_rows) == 1  # only 'n'


async def test_a_value_over_the_value_limit_is_refused(found_db: Any, store: Store) -> None:
    """An unindexed value packing past 100,000 bytes raises TooLargeError before any write."""

    async def body(tx: found.Transaction) -> None:
        eavstore.create(tx, store, {"blob": b"x" * 100_000})

    with pytest.raises(eavstore.TooLargeError, match="100000-byte value limit"):
        await found.transactional(found_db, body)
    assert await _nothing_written(found_db, store)


async def test_an_attribute_name_too_long_for_a_key_is_refused(found_db: Any, store: Store) -> None:
    """An attribute that cannot fit in a row key raises TooLargeError."""
    with pytest.raises(eavstore.TooLargeError, match="key limit"):
        await found.transactional(found_db, eavstore.update, store, 1, {"a" * 10_000: 1})


@pytest.mark.parametrize(
    "call",
    [
        lambda tx, s: eavstore.query(tx, s, "blob", b"x"),
        lambda tx, s: eavstore.between(tx, s, "blob", b"a", b"b"),
        lambda tx, s: eavstore.match(tx, s, {"blob": b"x", "n": 1}),
    ],
)
async def test_finders_refuse_an_unindexed_attribute(
    found_db: Any, store: Store, call: Any
) -> None:
    """query, between and match on an unindexed attribute raise NotIndexedError."""

    async def body(tx: found.Transaction) -> None:
        async for _ in call(tx, store):
            pass

    with pytest.raises(eavstore.NotIndexedError, match="'blob'"):
        await found.transactional(found_db, body)


async def test_count_refuses_an_unindexed_attribute(found_db: Any, store: Store) -> None:
    """count() on an unindexed attribute raises NotIndexedError (a found.UsageError)."""
    with pytest.raises(found.UsageError, match="unindexed"):
        await found.transactional(found_db, eavstore.count, store, "blob", b"x")


class Opaque:
    """A value the tuple layer cannot pack."""


@pytest.mark.parametrize(
    ("mapping", "uid", "named"),
    [
        ({"a": Opaque()}, None, "attribute 'a'"),
        ({Opaque(): 1}, None, "attribute"),
        ({"a": 1}, Opaque(), "uid"),
        ({"a": 1}, [Opaque()], "uid"),
    ],
)
async def test_unpackable_input_raises_a_type_error_naming_it(
    found_db: Any, store: Store, mapping: dict[Any, Any], uid: Any, named: str
) -> None:
    """A uid, attribute or value found.pack refuses raises EAVStoreTypeError naming which."""

    async def body(tx: found.Transaction) -> None:
        eavstore.create(tx, store, mapping, uid)

    with pytest.raises(eavstore.EAVStoreTypeError, match=named) as caught:
        await found.transactional(found_db, body)
    assert isinstance(caught.value, TypeError)
    assert await _nothing_written(found_db, store)


@pytest.mark.parametrize("mapping", [[("a", 1)], "a=1", None])
async def test_a_mapping_that_is_not_a_mapping_is_refused(
    found_db: Any, store: Store, mapping: Any
) -> None:
    """create() and update() want a Mapping, and say so."""
    with pytest.raises(eavstore.EAVStoreTypeError, match="must be a Mapping"):
        await found.transactional(found_db, eavstore.create, store, mapping)
    with pytest.raises(eavstore.EAVStoreTypeError, match="must be a Mapping"):
        await found.transactional(found_db, eavstore.update, store, 1, mapping)


async def test_a_store_that_is_not_a_handle_is_refused(found_db: Any) -> None:
    """Passing a name instead of the handle from make() raises EAVStoreTypeError."""
    with pytest.raises(eavstore.EAVStoreTypeError, match=r"eavstore\.make"):
        await found.transactional(found_db, eavstore.get, "people", 1)


async def test_match_needs_a_nonempty_mapping(found_db: Any, store: Store) -> None:
    """match() with no condition, or with a list, raises a typed error."""

    async def run(conditions: Any) -> None:
        async def body(tx: found.Transaction) -> None:
            async for _ in eavstore.match(tx, store, conditions):
                pass

        await found.transactional(found_db, body)

    with pytest.raises(eavstore.EAVStoreUsageError, match="at least one condition"):
        await run({})
    with pytest.raises(eavstore.EAVStoreTypeError, match="Mapping"):
        await run([("a", 1)])


@pytest.mark.parametrize(
    ("limit", "error"), [(-1, ValueError), (1.5, TypeError), (True, TypeError)]
)
async def test_a_bad_limit_is_refused(
    found_db: Any, store: Store, limit: Any, error: type[Exception]
) -> None:
    """limit must be an int >= 0."""

    async def body(tx: found.Transaction) -> None:
        async for _ in eavstore.query(tx, store, "a", 1, limit=limit):
            pass

    with pytest.raises(error, match="limit"):
        await found.transactional(found_db, body)


async def test_none_is_not_a_uid(found_db: Any, store: Store) -> None:
    """None means "make a uid" to create(), so update, get and remove refuse it as a uid."""
    with pytest.raises(eavstore.EAVStoreUsageError, match="uid None"):
        await found.transactional(found_db, eavstore.update, store, None, {"a": 1})
    with pytest.raises(eavstore.EAVStoreUsageError, match="uid None"):
        await found.transactional(found_db, eavstore.get, store, None)
    with pytest.raises(eavstore.EAVStoreUsageError, match="uid None"):
        await found.transactional(found_db, eavstore.remove, store, None)


def test_make_checks_its_arguments() -> None:
    """make() refuses a non-str name, a non-tuple prefix and a bare string for unindexed."""
    with pytest.raises(eavstore.EAVStoreTypeError, match="name"):
        eavstore.make(1, ("p",))  # type: ignore[arg-type]
    with pytest.raises(eavstore.EAVStoreTypeError, match="prefix"):
        eavstore.make("s", "p")  # type: ignore[arg-type]
    with pytest.raises(eavstore.EAVStoreTypeError, match="prefix"):
        eavstore.make("s", (object(),))
    with pytest.raises(eavstore.EAVStoreTypeError, match=r"unindexed=\['body'\]"):
        eavstore.make("s", ("p",), unindexed="body")


def test_errors_are_found_errors() -> None:
    """Every eavstore error is a found.BaseFoundException and the matching builtin."""
    for cls in (eavstore.IndexKeyTooLargeError, eavstore.TooLargeError, eavstore.NotIndexedError):
        assert issubclass(cls, eavstore.EAVStoreException)
        assert issubclass(cls, found.UsageError)
        assert issubclass(cls, ValueError)
    assert issubclass(eavstore.EAVStoreTypeError, found.FoundTypeError)
    assert issubclass(eavstore.EAVStoreException, found.BaseFoundException)
