"""bstore: a content-addressed blob store, for blobs of any size.

A blob is named by its content: its uid is made of its SHA-256, so storing the same bytes twice
returns the same uid and keeps one copy (with a reference count). Blobs are cut into chunks of
at most 100,000 bytes, FoundationDB's value limit. Small blobs go in and out inside one
transaction (:func:`get_or_create`, :func:`get`); :func:`put` and :func:`read` stream blobs of
any size over many transactions, and a blob becomes visible only once it is whole.

Modules: :mod:`found_bstore._layout` (the handle, the key layout, the record),
:mod:`found_bstore._blob` (single-transaction operations), :mod:`found_bstore._stream` (put and
read), :mod:`found_bstore._gc` (collection).

Example::

    >>> import asyncio, found
    >>> from found import bstore
    >>> files = bstore.make("files", ("example",))
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         uid = await found.transactional(db, bstore.get_or_create, files, b"hi")
    ...         return await found.transactional(db, bstore.get, files, uid)
    >>> asyncio.run(main())
    b'hi'
"""

from importlib.metadata import version as _version
from typing import Any

from found.stores import StoreInfo, hookimpl
from found_bstore._blob import MAX_TRANSACTION_BLOB, delete, get, get_or_create, stat
from found_bstore._errors import (
    BlobCorrupted,
    BlobNotFound,
    BStoreException,
    BStoreTypeError,
    BStoreValueError,
)
from found_bstore._gc import DEFAULT_OLDER_THAN, GcReport, gc
from found_bstore._layout import (
    DEFAULT_CHUNK_SIZE,
    MAX_CHUNK_SIZE,
    BStore,
    Stat,
    make,
    uid_for,
)
from found_bstore._stream import put, read

__version__ = _version("found-bstore")

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "DEFAULT_OLDER_THAN",
    "MAX_CHUNK_SIZE",
    "MAX_TRANSACTION_BLOB",
    "BStore",
    "BStoreException",
    "BStoreTypeError",
    "BStoreValueError",
    "BlobCorrupted",
    "BlobNotFound",
    "GcReport",
    "Stat",
    "__version__",
    "delete",
    "gc",
    "get",
    "get_or_create",
    "make",
    "put",
    "read",
    "stat",
    "uid_for",
]


@hookimpl
def found_store_info() -> StoreInfo:
    """Describe this store to found's registry (see ``found.stores.describe``).

    Example::

        >>> found_store_info()["name"]
        'bstore'
    """
    return {
        "name": "bstore",
        "description": "Content-addressed blobs of any size, streamed over many transactions.",
    }


@hookimpl
def found_register_commands(register: Any) -> None:
    """Add ``found bstore put|get|stat|delete|gc`` to the ``found`` command (see ``_cli``).

    Example::

        >>> import argparse
        >>> root = argparse.ArgumentParser(prog="found").add_subparsers()
        >>> found_register_commands(lambda name, help, handler: root.add_parser(name))
    """
    from found_bstore._cli import register_commands

    register_commands(register)
