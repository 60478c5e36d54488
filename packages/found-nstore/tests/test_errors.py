"""Misuse raises NStoreException with a message naming what was wrong."""

from __future__ import annotations

from typing import Any

import pytest

import found
import found_nstore as nstore


def test_the_exception_is_a_found_exception() -> None:
    """One except clause for found's base class also catches nstore's misuse errors."""
    assert issubclass(nstore.NStoreException, found.BaseFoundException)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((1, ("p",), 3), "name must be a str"),
        (("s", "p", 3), "prefix must be a tuple"),
        (("s", ("p", object()), 3), r"prefix item 1 \(<object.*cannot be packed"),
        (("s", ("p",), 0), "n must be at least 1, got 0"),
        (("s", ("p",), 17), "n must be at most 16, got 17"),
        (("s", ("p",), 10**9), "n must be at most 16, got 1000000000"),
        (("s", ("p",), 2.0), "n must be an int"),
        (("s", ("p",), True), "n must be an int"),
    ],
)
def test_make_checks_its_arguments(args: tuple[Any, ...], message: str) -> None:
    """make() names the bad argument."""
    with pytest.raises(nstore.NStoreException, match=message):
        nstore.make(*args)


def test_make_accepts_a_list_prefix() -> None:
    """A list prefix is taken as the tuple of its items, as the seed did."""
    assert nstore.make("s", ["p", 1], 3).prefix == ("p", 1)


async def test_wrong_arity_names_the_expected_n(found_db: Any, prefix: tuple[Any, ...]) -> None:
    """add, remove, get and query say the store holds n items and how many were given."""
    store = nstore.make("triples", (*prefix,), 3)
    tx = found_db.create_transaction()
    message = r"nstore 'triples' holds 3 items per tuple; the tuple has 2"
    with pytest.raises(nstore.NStoreException, match=message):
        nstore.add(tx, store, "a", "b")
    with pytest.raises(nstore.NStoreException, match=message):
        nstore.remove(tx, store, "a", "b")
    with pytest.raises(nstore.NStoreException, match=r"holds 3 .* the tuple has 4"):
        await nstore.get(tx, store, "a", "b", "c", "d")
    with pytest.raises(nstore.NStoreException, match=r"holds 3 .* the pattern has 2"):
        [b async for b in nstore.query(tx, store, ("a", nstore.var("x")))]
    with pytest.raises(nstore.NStoreException, match=r"holds 3 .* the pattern has 1"):
        [b async for b in nstore.query(tx, store, ("a", "b", "c"), (nstore.var("x"),))]
    with pytest.raises(nstore.NStoreException, match=r"holds 3 .* the pattern has 2"):
        [b async for b in nstore.select(tx, store, "a", "b")]


async def test_an_unpackable_item_is_named(found_db: Any, prefix: tuple[Any, ...]) -> None:
    """The message says which item of the tuple or pattern the tuple layer cannot pack."""
    store = nstore.make("bad", (*prefix,), 3)
    tx = found_db.create_transaction()
    with pytest.raises(nstore.NStoreException, match=r"item 2 of the tuple \(\{'a': 1\}\)"):
        nstore.add(tx, store, "s", "p", {"a": 1})
    with pytest.raises(nstore.NStoreException, match=r"item 0 of the tuple \(<object"):
        await nstore.get(tx, store, object(), "p", "o")
    with pytest.raises(nstore.NStoreException, match=r"item 1 of the pattern \(1j\)"):
        [b async for b in nstore.query(tx, store, (nstore.var("x"), 1j, "o"))]
    with pytest.raises(nstore.NStoreException, match=r"item 2 of the pattern \(\{1\}\)"):
        [b async for b in nstore.query(tx, store, ("s", "p", "o"), (nstore.var("x"), "p", {1}))]


async def test_an_unpackable_seed_value_is_named(found_db: Any, prefix: tuple[Any, ...]) -> None:
    """A seed value that cannot be packed fails at the position of its variable."""
    store = nstore.make("seed", (*prefix,), 2)
    tx = found_db.create_transaction()
    x = nstore.var("x")
    with pytest.raises(nstore.NStoreException, match=r"item 1 of the pattern \(\[<object"):
        [b async for b in nstore.select(tx, store, "a", x, seed={"x": [object()]})]


async def test_other_misuse_is_named(found_db: Any, prefix: tuple[Any, ...]) -> None:
    """A non-bytes value, a non-store, a non-pattern and a bad concurrency are refused."""
    store = nstore.make("misc", (*prefix,), 2)
    tx = found_db.create_transaction()
    with pytest.raises(nstore.NStoreException, match="value must be bytes, got str"):
        nstore.add(tx, store, "a", "b", value="v")  # type: ignore[arg-type]
    with pytest.raises(nstore.NStoreException, match="expected an nstore handle"):
        nstore.add(tx, "misc", "a", "b")  # type: ignore[arg-type]
    with pytest.raises(nstore.NStoreException, match="a pattern is a tuple of 2 items"):
        [b async for b in nstore.query(tx, store, "ab")]
    with pytest.raises(nstore.NStoreException, match="concurrency must be an int"):
        [b async for b in nstore.query(tx, store, ("a", "b"), concurrency=0)]
    with pytest.raises(nstore.NStoreException, match="a variable's name must be a str"):
        nstore.var(3)  # type: ignore[arg-type]


def test_variables_are_equal_by_name() -> None:
    """Two var() calls with one name are the same variable; repr shows how to build it."""
    assert nstore.var("a") == nstore.var("a") != nstore.var("b")
    assert len({nstore.var("a"), nstore.var("a")}) == 1
    assert repr(nstore.var("a")) == "var('a')"
    assert nstore.var("a") != "a"
