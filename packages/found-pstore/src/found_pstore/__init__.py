"""pstore: an inverted index with BM25 ranking, for found.

Documents are ``{term: count}`` mappings under a document id; a search returns the ``limit``
best documents holding every keyword, scored with BM25 (k1 = 1.2, b = 0.75). The document
count, the total length and each term's document frequency are kept exact by atomic adds in
the same transactions that index and remove, so scores are exact and the top-k is the true
top-k. A search costs at most four sequential round trips, however many documents match.

Example::

    >>> import asyncio, found
    >>> from found import pstore
    >>> TEXTS = ["a cat sat", "a cat and a cat", "a dog", "a bird", "a fish"]
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         store = pstore.make("docs", ("docs",))
    ...         for uid, text in enumerate(TEXTS):
    ...             await found.transactional(db, pstore.index, store, uid, pstore.tokenize(text))
    ...         return await found.transactional(db, pstore.search, store, ["cat"], 10)
    >>> [(uid, round(score, 3)) for uid, score in asyncio.run(main())]
    [(1, 0.379), (0, 0.327)]
"""

from importlib.metadata import version as _version
from typing import Any

from found.stores import StoreInfo, hookimpl
from found_pstore._bm25 import IDF_FLOOR, K1, B
from found_pstore._errors import PStoreException, PStoreTypeError, PStoreValueError
from found_pstore._index import index, remove
from found_pstore._search import search
from found_pstore._store import PStore, make
from found_pstore._tokenize import tokenize

__version__ = _version("found-pstore")

__all__ = [
    "B",
    "IDF_FLOOR",
    "K1",
    "PStore",
    "PStoreException",
    "PStoreTypeError",
    "PStoreValueError",
    "__version__",
    "index",
    "make",
    "remove",
    "search",
    "tokenize",
]


@hookimpl
def found_store_info() -> StoreInfo:
    """Describe this store to found's registry (see ``found.stores.describe``).

    Example::

        >>> found_store_info()["name"]
        'pstore'
    """
    return {
        "name": "pstore",
        "description": "Inverted index with exact BM25 ranking for full-text search.",
    }


@hookimpl
def found_register_commands(register: Any) -> None:
    """Add ``found pstore search|index|remove`` to the ``found`` command (see ``_cli``).

    Example::

        >>> import argparse
        >>> root = argparse.ArgumentParser(prog="found").add_subparsers()
        >>> found_register_commands(lambda name, help, handler: root.add_parser(name))
    """
    from found_pstore._cli import register_commands

    register_commands(register)
