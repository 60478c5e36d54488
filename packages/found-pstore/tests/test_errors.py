"""Bad input raises pstore's typed errors, naming the problem, and writes nothing."""

from __future__ import annotations

import concurrent.futures
from typing import Any

import pytest

import found
import found_pstore as pstore


def _store(found_prefix: bytes) -> pstore.PStore:
    return pstore.make("docs", (*found.unpack(found_prefix), "docs"))


@pytest.mark.parametrize(
    ("counter", "error", "message"),
    [
        ({"cat": 0}, pstore.PStoreValueError, "count of term 'cat' must be positive, got 0"),
        ({"cat": -2}, pstore.PStoreValueError, "must be positive, got -2"),
        ({"cat": 1.5}, pstore.PStoreTypeError, "count of term 'cat' must be an int, got float"),
        ({"cat": True}, pstore.PStoreTypeError, "must be an int, got bool"),
        ({42: 1}, pstore.PStoreTypeError, "term must be a str, got int: 42"),
        ({b"cat": 1}, pstore.PStoreTypeError, "term must be a str, got bytes"),
        ({"\ud800": 1}, pstore.PStoreValueError, "cannot be encoded"),
        ({"cat": 2**40}, pstore.PStoreValueError, "more than the 4294967295"),
        (["cat"], pstore.PStoreTypeError, "counter must be a mapping"),
        ("cat", pstore.PStoreTypeError, "counter must be a mapping"),
    ],
)
async def test_bad_counter_is_refused(
    found_db: found.Database,
    found_prefix: bytes,
    counter: Any,
    error: type[Exception],
    message: str,
) -> None:
    """index() refuses counts that are not positive ints and terms that are not str."""
    store = _store(found_prefix)
    with pytest.raises(error, match=message.replace("(", r"\(")):
        await found.transactional(found_db, pstore.index, store, 1, counter)

    async def count(tx: found.Transaction) -> int:
        base = found.pack(store.prefix)
        return len(await found.all(tx, base, found.next_prefix(base)))

    assert await found.transactional(found_db, count) == 0


@pytest.mark.parametrize(
    ("keywords", "error", "message"),
    [
        ([], pstore.PStoreValueError, "needs at least one keyword"),
        ((), pstore.PStoreValueError, "needs at least one keyword"),
        ("cat", pstore.PStoreTypeError, "keywords must be a list of str \\(not one str\\)"),
        (["cat", 3], pstore.PStoreTypeError, "keyword must be a str, got int: 3"),
        ([None], pstore.PStoreTypeError, "keyword must be a str, got NoneType"),
        (42, pstore.PStoreTypeError, "keywords must be a list of str"),
    ],
)
async def test_bad_keywords_are_refused(
    found_db: found.Database,
    found_prefix: bytes,
    keywords: Any,
    error: type[Exception],
    message: str,
) -> None:
    """search() needs a non-empty list of str keywords."""
    with pytest.raises(error, match=message):
        await found.transactional(found_db, pstore.search, _store(found_prefix), keywords, 10)


@pytest.mark.parametrize(
    ("limit", "error", "message"),
    [
        (-1, pstore.PStoreValueError, "limit must be 0 or more, got -1"),
        (2.0, pstore.PStoreTypeError, "limit must be an int, got float"),
        (None, pstore.PStoreTypeError, "limit must be an int, got NoneType"),
    ],
)
async def test_bad_limit_is_refused(
    found_db: found.Database, found_prefix: bytes, limit: Any, error: type[Exception], message: str
) -> None:
    """search() needs an int limit of at least 0."""
    with pytest.raises(error, match=message):
        await found.transactional(found_db, pstore.search, _store(found_prefix), ["cat"], limit)


async def test_unpackable_docuid_is_refused(found_db: found.Database, found_prefix: bytes) -> None:
    """A document id the tuple layer cannot pack is a PStoreTypeError naming it."""
    store = _store(found_prefix)
    with pytest.raises(pstore.PStoreTypeError, match="docuid must be a value the tuple layer"):
        await found.transactional(found_db, pstore.index, store, object(), {"a": 1})
    with pytest.raises(pstore.PStoreTypeError, match="docuid"):
        await found.transactional(found_db, pstore.remove, store, {1: 2})


async def test_term_too_long_for_a_key_is_refused(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """A term or id that would make a key over 10,000 bytes is refused before any write."""
    with pytest.raises(pstore.PStoreValueError, match="longer than 10000 bytes"):
        await found.transactional(
            found_db, pstore.index, _store(found_prefix), 1, {"x" * 10_000: 1}
        )
    with pytest.raises(pstore.PStoreValueError, match="longer than 10000 bytes"):
        await found.transactional(found_db, pstore.index, _store(found_prefix), "y" * 10_000, {})


def test_make_checks_its_arguments() -> None:
    """make() refuses a non-str name, a prefix that is not a packable tuple, a non-executor pool."""
    with pytest.raises(pstore.PStoreTypeError, match="name must be a str"):
        pstore.make(b"docs", ("p",))  # type: ignore[arg-type]
    with pytest.raises(pstore.PStoreTypeError, match="prefix must be a tuple"):
        pstore.make("docs", b"prefix")  # type: ignore[arg-type]
    with pytest.raises(pstore.PStoreTypeError, match="cannot be packed"):
        pstore.make("docs", (object(),))
    with pytest.raises(
        pstore.PStoreTypeError, match=r"pool must be a concurrent\.futures\.Executor"
    ):
        pstore.make("docs", ("p",), pool=4)  # type: ignore[arg-type]
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        assert pstore.make("docs", ("p",), pool).pool is pool


async def test_operations_refuse_something_else_than_a_store(found_db: found.Database) -> None:
    """Passing anything but make()'s handle as the store is a PStoreTypeError."""
    with pytest.raises(pstore.PStoreTypeError, match=r"store must be made by pstore\.make"):
        await found.transactional(found_db, pstore.search, ("p",), ["a"], 1)
    with pytest.raises(pstore.PStoreTypeError, match=r"store must be made by pstore\.make"):
        await found.transactional(found_db, pstore.index, "store", 1, {"a": 1})


def test_errors_are_found_errors() -> None:
    """pstore's errors are found errors and the matching builtin errors."""
    assert issubclass(pstore.PStoreException, found.BaseFoundException)
    assert issubclass(pstore.PStoreTypeError, TypeError)
    assert issubclass(pstore.PStoreValueError, ValueError)


def test_tokenize_refuses_bytes() -> None:
    """tokenize() takes text, not bytes."""
    with pytest.raises(pstore.PStoreTypeError, match="tokenize takes a str, got bytes"):
        pstore.tokenize(b"hello")  # type: ignore[arg-type]
