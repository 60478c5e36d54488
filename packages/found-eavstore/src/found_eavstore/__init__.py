"""eavstore: mappings stored as entity-attribute-value rows, found by attribute value.

Each entity (a mapping of attributes to values, under a uid) is kept as one row per attribute,
and every attribute value is indexed, so an entity is read whole with one range read and the
entities with a given value are found with another. Counts per value are kept with atomic adds.
See ``_layout`` for the keys, ``_store`` and ``_query`` for the cost of each operation.

The API follows the seed's ``eavstore`` (``make``, ``create``, ``get``, ``update``, ``remove``,
``query``) and adds ``match`` (several attributes), ``between`` (a value range), ``count`` and
unindexed attributes.

Example::

    >>> import asyncio, found
    >>> from found import eavstore
    >>> store = eavstore.make("people", ("doctest", "people"))
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         uid = await found.transactional(
    ...             db, eavstore.create, store, {"name": "Ada", "born": 1815}, "ada")
    ...         mapping = await found.transactional(db, eavstore.get, store, uid)
    ...         return uid, mapping, await found.transactional(
    ...             db, eavstore.count, store, "born", 1815)
    >>> asyncio.run(main())
    ('ada', {'born': 1815, 'name': 'Ada'}, 1)
"""

from importlib.metadata import version as _version
from typing import Any

from found.stores import StoreInfo, hookimpl
from found_eavstore._errors import (
    EAVStoreException,
    EAVStoreTypeError,
    EAVStoreUsageError,
    IndexKeyTooLargeError,
    NotIndexedError,
    TooLargeError,
)
from found_eavstore._layout import KEY_LIMIT, VALUE_LIMIT, EAVStore, make
from found_eavstore._query import between, count, match, query
from found_eavstore._store import create, get, remove, update

__version__ = _version("found-eavstore")

__all__ = [
    "KEY_LIMIT",
    "VALUE_LIMIT",
    "EAVStore",
    "EAVStoreException",
    "EAVStoreTypeError",
    "EAVStoreUsageError",
    "IndexKeyTooLargeError",
    "NotIndexedError",
    "TooLargeError",
    "__version__",
    "between",
    "count",
    "create",
    "get",
    "make",
    "match",
    "query",
    "remove",
    "update",
]


@hookimpl
def found_store_info() -> StoreInfo:
    """Describe this store to found's registry (see ``found.stores.describe``).

    Example::

        >>> found_store_info()["name"]
        'eavstore'
    """
    return {
        "name": "eavstore",
        "description": "Mappings as entity-attribute-value rows, found by attribute value.",
    }


@hookimpl
def found_register_commands(register: Any) -> None:
    """Add ``found eavstore get|query|count|put|remove`` to the ``found`` command (see ``_cli``).

    Example::

        >>> import argparse
        >>> root = argparse.ArgumentParser(prog="found").add_subparsers()
        >>> found_register_commands(lambda name, help, handler: root.add_parser(name))
    """
    from found_eavstore._cli import register_commands

    register_commands(register)
