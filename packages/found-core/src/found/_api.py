"""found's functional API: one function per FoundationDB operation, taking the transaction first.

Reads are coroutines (the database answers later); writes are plain calls, because they only
buffer in the transaction until it commits. The examples below run inside a function given to
:func:`found.transactional`; ``tx`` is its transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable

from found._atomic import MutationType
from found._errors import FoundTypeError, UsageError
from found._interfaces import Transaction
from found._selectors import KeySelector
from found._streaming import STREAMING_MODE_ITERATOR, STREAMING_MODE_WANT_ALL, STREAMING_MODES

__all__ = [
    "add",
    "add_read_conflict_key",
    "add_read_conflict_range",
    "add_write_conflict_key",
    "add_write_conflict_range",
    "all",
    "append_if_fits",
    "bit_and",
    "bit_or",
    "bit_xor",
    "byte_max",
    "byte_min",
    "cancel",
    "clear",
    "compare_and_clear",
    "get",
    "get_approximate_size",
    "get_committed_version",
    "get_key",
    "get_versionstamp",
    "max",
    "min",
    "next_prefix",
    "query",
    "read_version",
    "reset",
    "set",
    "set_option",
    "set_read_version",
    "set_versionstamped_key",
    "set_versionstamped_value",
    "watch",
]


async def get(tx: Transaction, key: bytes) -> bytes | None:
    """The value of ``key``, or None when there is none.

    >>> async def example(tx):
    ...     return await found.get(tx, b"hello")
    """
    return await tx.get(key)


async def get_key(tx: Transaction, selector: KeySelector) -> bytes:
    """The key a selector designates (see :func:`found.gte` and friends).

    Past the last key it is ``b'\\xff'``; before the first, ``b''``.

    >>> async def first_key_from(tx, key):
    ...     return await found.get_key(tx, found.gte(key))
    """
    return await tx.get_key(selector)


def _bounds(
    key: bytes | KeySelector, other: bytes | KeySelector, reverse: bool | None
) -> tuple[bytes | KeySelector, bytes | KeySelector, bool]:
    if reverse is None:
        if isinstance(key, bytes) and isinstance(other, bytes) and key > other:
            return other, key, True
        return key, other, False
    if not isinstance(reverse, bool):
        raise FoundTypeError(f"reverse must be a bool or None, got {type(reverse).__name__}")
    return key, other, reverse


def query(
    tx: Transaction,
    key: bytes | KeySelector,
    other: bytes | KeySelector,
    *,
    limit: int = 0,
    reverse: bool | None = None,
    mode: int = STREAMING_MODE_ITERATOR,
) -> AsyncIterator[tuple[bytes, bytes]]:
    """Stream the ``(key, value)`` pairs of a range, in key order.

    The range is half-open, as in FoundationDB: ``key`` is included, ``other`` is not. When
    ``key > other`` (and ``reverse`` is left to None) the range is ``[other, key)`` and the
    pairs come in descending order. ``reverse=True`` walks ``[key, other)`` backwards. ``limit``
    caps the number of pairs (0: no cap; with ``reverse`` the cap keeps the last ones). Bounds
    may be key selectors. ``mode`` (a ``found.STREAMING_MODE_*``) changes only the batching.

    >>> async def names(tx):
    ...     return [k async for k, _ in found.query(tx, b"name/", b"name0")]
    """
    if type(mode) is not int or mode not in STREAMING_MODES:
        raise UsageError(f"unknown streaming mode {mode!r}; use a found.STREAMING_MODE_* constant")
    begin, end, rev = _bounds(key, other, reverse)
    return tx.get_range(begin, end, limit=limit, reverse=rev, mode=mode)


async def all(
    tx: Transaction,
    key: bytes | KeySelector,
    other: bytes | KeySelector,
    *,
    limit: int = 0,
    reverse: bool | None = None,
) -> list[tuple[bytes, bytes]]:
    """Collect a whole range into a list, fetched in the biggest batches (``WANT_ALL``).

    Same bounds as :func:`query`.

    >>> async def everything(tx):
    ...     return await found.all(tx, b"", b"\\xff")
    """
    # An embedded transaction joins its batches without streaming them. Looked up on the type,
    # so that a wrapper forwarding attributes (a test's recording proxy) still sees get_range.
    if getattr(type(tx), "_all", None) is not None:
        if reverse is None and type(key) is bytes and type(other) is bytes and key <= other:
            pairs_: list[tuple[bytes, bytes]] = await tx._all(key, other, limit, False)  # type: ignore[attr-defined]
            return pairs_
        begin, end, rev = _bounds(key, other, reverse)
        pairs: list[tuple[bytes, bytes]] = await tx._all(begin, end, limit, rev)  # type: ignore[attr-defined]
        return pairs
    return [
        pair
        async for pair in query(
            tx, key, other, limit=limit, reverse=reverse, mode=STREAMING_MODE_WANT_ALL
        )
    ]


async def read_version(tx: Transaction) -> int:
    """The version the transaction reads at (fetched on first use).

    >>> async def version(tx):
    ...     return await found.read_version(tx)
    """
    return await tx.get_read_version()


def set_read_version(tx: Transaction, version: int) -> None:
    """Read as of ``version`` (an earlier transaction's read or commit version).

    >>> def pin(tx, version):
    ...     found.set_read_version(tx, version)
    """
    tx.set_read_version(version)


def get_committed_version(tx: Transaction) -> int:
    """After a successful commit that wrote something, its version; otherwise -1.

    >>> def version_of(tx):
    ...     return found.get_committed_version(tx)
    """
    return tx.get_committed_version()


def get_versionstamp(tx: Transaction) -> asyncio.Future[bytes]:
    """A future of the transaction's 10-byte versionstamp: call it before the commit, await
    it after. Awaiting it inside the transaction would wait forever.

    >>> async def stamp_later(tx):
    ...     found.set_versionstamped_key(tx, found.pack_with_versionstamp(
    ...         ("log", found.Versionstamp())), b"entry")
    ...     return found.get_versionstamp(tx)   # await this after transactional returns
    """
    return tx.get_versionstamp()


async def get_approximate_size(tx: Transaction) -> int:
    """About how many bytes the transaction counts against its 10 MB limit so far.

    >>> async def size(tx):
    ...     return await found.get_approximate_size(tx)
    """
    return await tx.get_approximate_size()


async def watch(tx: Transaction, key: bytes) -> Awaitable[None]:
    """Watch ``key``: returns an awaitable that completes, after the transaction commits, once
    the key's value differs from what the transaction saw. It has a ``cancel()`` method.

    >>> async def watch_hello(tx):
    ...     return await found.watch(tx, b"hello")   # await the result after the commit
    """
    return await tx.watch(key)


def set(tx: Transaction, key: bytes, value: bytes) -> None:
    """Set ``key`` to ``value`` when the transaction commits.

    >>> def greet(tx):
    ...     found.set(tx, b"hello", b"world")
    """
    tx.set(key, value)


def clear(tx: Transaction, key: bytes, other: bytes | None = None) -> None:
    """Remove ``key``; with ``other``, remove every key in ``[key, other)`` (``other`` stays).

    >>> def forget(tx):
    ...     found.clear(tx, b"hello")
    ...     found.clear(tx, b"name/", b"name0")
    """
    if other is None:
        tx.clear(key)
    else:
        tx.clear_range(key, other)


def next_prefix(key: bytes) -> bytes:
    """The first key after every key that starts with ``key`` (FoundationDB's ``strinc``).

    Trailing ``0xff`` bytes are dropped and the last byte is incremented, so
    ``[key, next_prefix(key))`` is exactly the keys starting with ``key``.

    >>> import found
    >>> found.next_prefix(b"ab"), found.next_prefix(b"a\\xff")
    (b'ac', b'b')
    """
    if not isinstance(key, bytes):
        raise FoundTypeError(f"key must be bytes, got {type(key).__name__}: {key!r:.80}")
    stripped = key.rstrip(b"\xff")
    if not stripped:
        raise UsageError(f"key {key!r} has no next prefix: it is empty or only 0xff bytes")
    return stripped[:-1] + bytes([stripped[-1] + 1])


def add(tx: Transaction, key: bytes, param: bytes) -> None:
    """Add ``param`` to the value, both little-endian integers of ``len(param)`` bytes.

    Applied at commit against the latest value, so concurrent adds never conflict.

    >>> def count(tx):
    ...     found.add(tx, b"counter", (1).to_bytes(8, "little"))
    """
    tx.atomic(MutationType.ADD, key, param)


def bit_and(tx: Transaction, key: bytes, param: bytes) -> None:
    """Bitwise-and the value with ``param`` (an absent value becomes ``param``).

    >>> def mask(tx):
    ...     found.bit_and(tx, b"flags", b"\\x0f")
    """
    tx.atomic(MutationType.BIT_AND, key, param)


def bit_or(tx: Transaction, key: bytes, param: bytes) -> None:
    """Bitwise-or the value with ``param``.

    >>> def flag(tx):
    ...     found.bit_or(tx, b"flags", b"\\x01")
    """
    tx.atomic(MutationType.BIT_OR, key, param)


def bit_xor(tx: Transaction, key: bytes, param: bytes) -> None:
    """Bitwise-xor the value with ``param``.

    >>> def toggle(tx):
    ...     found.bit_xor(tx, b"flags", b"\\x01")
    """
    tx.atomic(MutationType.BIT_XOR, key, param)


def max(tx: Transaction, key: bytes, param: bytes) -> None:
    """Keep the larger of the value and ``param``, as little-endian unsigned integers.

    >>> def high_water(tx, n):
    ...     found.max(tx, b"high", n.to_bytes(8, "little"))
    """
    tx.atomic(MutationType.MAX, key, param)


def min(tx: Transaction, key: bytes, param: bytes) -> None:
    """Keep the smaller of the value and ``param``, as little-endian unsigned integers.

    >>> def low_water(tx, n):
    ...     found.min(tx, b"low", n.to_bytes(8, "little"))
    """
    tx.atomic(MutationType.MIN, key, param)


def byte_max(tx: Transaction, key: bytes, param: bytes) -> None:
    """Keep the lexicographically larger of the value and ``param``.

    >>> def latest_name(tx, name):
    ...     found.byte_max(tx, b"last", name)
    """
    tx.atomic(MutationType.BYTE_MAX, key, param)


def byte_min(tx: Transaction, key: bytes, param: bytes) -> None:
    """Keep the lexicographically smaller of the value and ``param``.

    >>> def first_name(tx, name):
    ...     found.byte_min(tx, b"first", name)
    """
    tx.atomic(MutationType.BYTE_MIN, key, param)


def append_if_fits(tx: Transaction, key: bytes, param: bytes) -> None:
    """Append ``param`` to the value unless the result would exceed 100,000 bytes.

    >>> def log(tx, line):
    ...     found.append_if_fits(tx, b"log", line)
    """
    tx.atomic(MutationType.APPEND_IF_FITS, key, param)


def compare_and_clear(tx: Transaction, key: bytes, param: bytes) -> None:
    """Clear the key if its value equals ``param``.

    >>> def release(tx, owner):
    ...     found.compare_and_clear(tx, b"lock", owner)
    """
    tx.atomic(MutationType.COMPARE_AND_CLEAR, key, param)


def set_versionstamped_key(tx: Transaction, key: bytes, value: bytes) -> None:
    """Set a key in which 10 bytes become the commit's versionstamp.

    ``key`` ends with the 4-byte little-endian position of those bytes, which is what
    :func:`found.pack_with_versionstamp` produces.

    >>> def append_event(tx, event):
    ...     key = found.pack_with_versionstamp(("events", found.Versionstamp()))
    ...     found.set_versionstamped_key(tx, key, event)
    """
    tx.set_versionstamped_key(key, value)


def set_versionstamped_value(tx: Transaction, key: bytes, value: bytes) -> None:
    """Set ``key`` to a value in which 10 bytes become the commit's versionstamp.

    ``value`` ends with the 4-byte little-endian position of those bytes.

    >>> def remember_commit(tx):
    ...     found.set_versionstamped_value(tx, b"last", b"\\x00" * 10 + b"\\x00\\x00\\x00\\x00")
    """
    tx.set_versionstamped_value(key, value)


def add_read_conflict_range(tx: Transaction, begin: bytes, end: bytes) -> None:
    """Fail the commit (1020) if another transaction writes into ``[begin, end)`` meanwhile.

    >>> def depend_on(tx):
    ...     found.add_read_conflict_range(tx, b"config/", b"config0")
    """
    tx.add_read_conflict_range(begin, end)


def add_read_conflict_key(tx: Transaction, key: bytes) -> None:
    """Fail the commit (1020) if another transaction writes ``key`` meanwhile.

    >>> def depend_on(tx):
    ...     found.add_read_conflict_key(tx, b"config")
    """
    tx.add_read_conflict_key(key)


def add_write_conflict_range(tx: Transaction, begin: bytes, end: bytes) -> None:
    """Make transactions that read ``[begin, end)`` concurrently fail, as if it were written.

    >>> def invalidate(tx):
    ...     found.add_write_conflict_range(tx, b"cache/", b"cache0")
    """
    tx.add_write_conflict_range(begin, end)


def add_write_conflict_key(tx: Transaction, key: bytes) -> None:
    """Make transactions that read ``key`` concurrently fail, as if it were written.

    >>> def touch(tx):
    ...     found.add_write_conflict_key(tx, b"config")
    """
    tx.add_write_conflict_key(key)


def set_option(tx: Transaction, name: str, value: int | str | bytes | None = None) -> None:
    """Set a transaction option by its FoundationDB name, e.g. ``"timeout"`` (milliseconds).

    >>> def impatient(tx):
    ...     found.set_option(tx, "timeout", 500)
    ...     found.set_option(tx, "retry_limit", 3)
    """
    tx.options.set(name, value)


def reset(tx: Transaction) -> None:
    """Drop everything the transaction did, as if it were new.

    >>> def start_over(tx):
    ...     found.reset(tx)
    """
    tx.reset()


def cancel(tx: Transaction) -> None:
    """Cancel the transaction: later operations fail with 1025 until :func:`reset`.

    >>> def give_up(tx):
    ...     found.cancel(tx)
    """
    tx.cancel()
