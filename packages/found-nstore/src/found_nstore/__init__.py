"""nstore: tuples of n items, found by any pattern of known items with one range read.

nstore keeps tuples of ``n`` items (triples when ``n`` is 3, quads when 4) and answers
patterns in which some items are known and the others are variables. Every tuple is written
under the ``C(n, n//2)`` index orders of :mod:`found_nstore._indexes`, the fewest that make every
pattern a key prefix of one index; :mod:`found_nstore._store` has the key layout and
:mod:`found_nstore._query` the query evaluation (exact matching, batched joins, planning).

Example::

    >>> import asyncio, found
    >>> from found import nstore
    >>> triples = nstore.make("triples", ("example",), 3)
    >>> def fill(tx):
    ...     nstore.add(tx, triples, "alice", "knows", "bob")
    ...     nstore.add(tx, triples, "bob", "knows", "carol")
    >>> async def who(tx):
    ...     x, y = nstore.var("x"), nstore.var("y")
    ...     return [b async for b in nstore.query(tx, triples, ("alice", "knows", x),
    ...                                                          (x, "knows", y))]
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         await found.transactional(db, fill)
    ...         return await found.transactional(db, who)
    >>> asyncio.run(main())
    [{'x': 'bob', 'y': 'carol'}]
"""

from importlib.metadata import version as _version
from typing import Any

from found.stores import StoreInfo, hookimpl
from found_nstore._errors import NStoreException
from found_nstore._query import DEFAULT_CONCURRENCY, Variable, plan, query, select, var, where
from found_nstore._store import NStore, add, get, make, remove

__version__ = _version("found-nstore")

__all__ = [
    "DEFAULT_CONCURRENCY",
    "NStore",
    "NStoreException",
    "Variable",
    "__version__",
    "add",
    "get",
    "make",
    "plan",
    "query",
    "remove",
    "select",
    "var",
    "where",
]


@hookimpl
def found_store_info() -> StoreInfo:
    """Describe this store to found's registry (see ``found.stores.describe``).

    Example::

        >>> found_store_info()["name"]
        'nstore'
    """
    return {
        "name": "nstore",
        "description": "Tuples of n items, found by any pattern of known items.",
    }


@hookimpl
def found_register_commands(register: Any) -> None:
    """Add ``found nstore query|add|remove`` to the ``found`` command (see ``_cli``).

    Example::

        >>> import argparse
        >>> root = argparse.ArgumentParser(prog="found").add_subparsers()
        >>> found_register_commands(lambda name, help, handler: root.add_parser(name))
    """
    from found_nstore._cli import register_commands

    register_commands(register)
