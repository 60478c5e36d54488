"""found: an asyncio driver for FoundationDB, with embedded engines that behave like it.

>>> import asyncio, found
>>> async def main():
...     async with await found.open("memory://") as db:
...         await found.transactional(db, found.set, b"hello", b"world")
...         return await found.transactional(db, found.get, b"hello")
>>> asyncio.run(main())
b'world'

Stores are separate packages found through the ``found.stores`` entry points:
``from found import nstore`` loads ``found_nstore`` when it is installed.
"""

from __future__ import annotations

import types
from importlib.metadata import version as _version

from found._api import (
    add,
    add_read_conflict_key,
    add_read_conflict_range,
    add_write_conflict_key,
    add_write_conflict_range,
    all,
    append_if_fits,
    bit_and,
    bit_or,
    bit_xor,
    byte_max,
    byte_min,
    cancel,
    clear,
    compare_and_clear,
    get,
    get_approximate_size,
    get_committed_version,
    get_key,
    get_versionstamp,
    max,
    min,
    next_prefix,
    query,
    read_version,
    reset,
    set,
    set_option,
    set_read_version,
    set_versionstamped_key,
    set_versionstamped_value,
    watch,
)
from found._atomic import MutationType
from found._engines._fdb import FoundationDBUnavailable
from found._error_codes import *  # noqa: F403 -- one class per FoundationDB error code
from found._error_codes import __all__ as _error_names
from found._errors import (
    BaseFoundException,
    FoundException,
    FoundTypeError,
    UsageError,
    error_for,
)
from found._interfaces import Database, Transaction
from found._open import open
from found._selectors import KeySelector, gt, gte, lt, lte
from found._streaming import (
    STREAMING_MODE_EXACT,
    STREAMING_MODE_ITERATOR,
    STREAMING_MODE_LARGE,
    STREAMING_MODE_MEDIUM,
    STREAMING_MODE_SERIAL,
    STREAMING_MODE_SMALL,
    STREAMING_MODE_WANT_ALL,
)
from found._transactional import commit_evidence, transaction, transactional
from found._tuple import (
    SingleFloat,
    Versionstamp,
    VersionstampCompletedError,
    compare,
    has_incomplete_versionstamp,
    pack,
    pack_with_versionstamp,
    tuple_range,
    unpack,
)
from found.stores import hookimpl

__version__ = _version("found-core")

__all__ = [
    "__version__",
    # opening and running transactions
    "open",
    "transactional",
    "transaction",
    "commit_evidence",
    "Database",
    "Transaction",
    # reads
    "get",
    "get_key",
    "query",
    "all",
    "read_version",
    "get_versionstamp",
    "get_committed_version",
    "get_approximate_size",
    "watch",
    # writes
    "set",
    "clear",
    "add",
    "bit_and",
    "bit_or",
    "bit_xor",
    "max",
    "min",
    "byte_max",
    "byte_min",
    "append_if_fits",
    "compare_and_clear",
    "set_versionstamped_key",
    "set_versionstamped_value",
    "set_read_version",
    "add_read_conflict_range",
    "add_read_conflict_key",
    "add_write_conflict_range",
    "add_write_conflict_key",
    "set_option",
    "reset",
    "cancel",
    "MutationType",
    # keys and ranges
    "KeySelector",
    "lt",
    "lte",
    "gt",
    "gte",
    "next_prefix",
    "STREAMING_MODE_WANT_ALL",
    "STREAMING_MODE_ITERATOR",
    "STREAMING_MODE_EXACT",
    "STREAMING_MODE_SMALL",
    "STREAMING_MODE_MEDIUM",
    "STREAMING_MODE_LARGE",
    "STREAMING_MODE_SERIAL",
    # tuple layer
    "pack",
    "unpack",
    "pack_with_versionstamp",
    "has_incomplete_versionstamp",
    "tuple_range",
    "compare",
    "Versionstamp",
    "VersionstampCompletedError",
    "SingleFloat",
    # errors
    "BaseFoundException",
    "FoundException",
    "FoundTypeError",
    "UsageError",
    "FoundationDBUnavailable",
    "error_for",
    *_error_names,
    # plugins
    "hookimpl",
]


def __getattr__(name: str) -> types.ModuleType:
    """``from found import nstore``: load an installed store on first use."""
    from found.stores import _module_getattr

    return _module_getattr(name)
