"""Running a function in a transaction: :func:`transactional` and :func:`transaction`."""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from contextvars import ContextVar
from types import CoroutineType, FunctionType
from typing import Any, TypeVar, overload

from found._errors import FoundException, FoundTypeError, UsageError, check_bytes
from found._interfaces import Database, Transaction

__all__ = ["commit_evidence", "transaction", "transactional"]

R = TypeVar("R")


class _Attempt:
    """What one attempt of a :func:`transactional` call left as evidence of its commit."""

    __slots__ = ("evidence", "result", "tx")

    def __init__(self, tx: Transaction) -> None:
        self.tx = tx
        self.evidence: list[tuple[bytes, bytes]] = []
        self.result: Any = None


_ATTEMPT: ContextVar[_Attempt | None] = ContextVar("found_attempt", default=None)


def commit_evidence(tx: Transaction, key: bytes, value: bytes) -> None:
    """Declare that once this attempt commits, ``key`` holds ``value``, and that nothing else
    would have written that value there (say, because it holds a fresh uuid).

    FoundationDB may report a commit as 1021 ``commit_unknown_result`` although it was
    applied. :func:`transactional` then runs the function again, which would apply
    non-idempotent writes (atomic adds, fresh uids) twice. When the failed attempt left
    evidence, :func:`transactional` first reads it in the next attempt: if every key holds its
    value, that attempt was applied, and its result is returned without running the function
    again. Outside :func:`transactional`, or for another transaction, it does nothing.

    >>> import asyncio, found, found.testing
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         knobs = found.testing.faults(db)
    ...         async def count(tx):
    ...             knobs.unknown_result_rate = 1.0 if knobs.commits == 0 else 0.0
    ...             found.add(tx, b"n", b"\\x01")
    ...             found.set(tx, b"done/1", b"")
    ...             found.commit_evidence(tx, b"done/1", b"")
    ...         await found.transactional(db, count)
    ...         return await found.transactional(db, found.get, b"n")
    >>> asyncio.run(main())
    b'\\x01'
    """
    attempt = _ATTEMPT.get()
    if attempt is not None and attempt.tx is tx:
        attempt.evidence.append((check_bytes(key, "key"), check_bytes(value, "value")))


async def _applied(tx: Transaction, attempts: list[_Attempt]) -> _Attempt | None:
    """The earlier attempt whose evidence all holds in ``tx``, if any."""
    for attempt in attempts:
        for key, value in attempt.evidence:
            if await tx.get(key) != value:
                break
        else:
            return attempt
    return None


def _configure(tx: Transaction, retry_limit: int | None, timeout: float | None) -> None:
    if retry_limit is not None:
        tx.options.set_retry_limit(retry_limit)
    if timeout is not None:
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout < 0:
            raise UsageError(f"timeout must be a number of seconds >= 0, got {timeout!r}")
        tx.options.set_timeout(round(timeout * 1000))


@overload
async def transactional(
    db: Database | Transaction,
    func: Callable[..., Awaitable[R]],
    *args: Any,
    snapshot: bool = False,
    retry_limit: int | None = None,
    timeout: float | None = None,
    **kwargs: Any,
) -> R: ...


@overload
async def transactional(
    db: Database | Transaction,
    func: Callable[..., R],
    *args: Any,
    snapshot: bool = False,
    retry_limit: int | None = None,
    timeout: float | None = None,
    **kwargs: Any,
) -> R: ...


async def transactional(
    db: Database | Transaction,
    func: Callable[..., Any],
    *args: Any,
    snapshot: bool = False,
    retry_limit: int | None = None,
    timeout: float | None = None,
    **kwargs: Any,
) -> Any:
    """Run ``func(tx, *args, **kwargs)`` in a transaction and commit it, retrying as needed.

    ``func`` is usually an async function; a plain function (such as ``found.set``) works too.

    Conflicts and other retryable errors make ``func`` run again on a fresh transaction after
    FoundationDB's backoff, so ``func`` must be safe to run more than once (a commit reported as
    ``commit_unknown_result`` may have been applied). ``snapshot=True`` hands ``func`` the
    snapshot view: reads add no conflicts and writes are refused. ``retry_limit`` caps the
    retries and ``timeout`` (seconds) the whole attempt; both end with the last error.

    When ``db`` is already a transaction, ``func`` simply runs in it: no commit, no retry.

    >>> import asyncio, found
    >>> async def greet(tx, name):
    ...     found.set(tx, b"hello", name)
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         await found.transactional(db, greet, b"world")
    ...         return await found.transactional(db, found.get, b"hello")
    >>> asyncio.run(main())
    b'world'
    """
    if type(func) is FunctionType:
        generator = func.__code__.co_flags & inspect.CO_ASYNC_GENERATOR
    elif callable(func):
        generator = inspect.isasyncgenfunction(func)
    else:
        raise FoundTypeError(f"func must be an async function, got {type(func).__name__}")
    if generator:
        raise FoundTypeError(
            f"{getattr(func, '__name__', func)!r} is an async generator; transactional needs an "
            "async function that returns its result (collect the items into a list)"
        )
    # Duck typing on purpose: isinstance() against a runtime-checkable Protocol costs more than
    # a whole embedded read-only transaction.
    create = getattr(db, "create_transaction", None)
    if create is None:
        if not hasattr(db, "get_range") or not hasattr(db, "is_snapshot"):
            raise FoundTypeError(
                f"db must be a database from found.open() or a transaction, got {type(db).__name__}"
            )
        tx_view: Transaction = db  # type: ignore[assignment]
        view = tx_view.snapshot if snapshot and not tx_view.is_snapshot else tx_view
        return await _call(func, view, *args, **kwargs)
    tx: Transaction = create()
    if retry_limit is not None or timeout is not None:
        _configure(tx, retry_limit, timeout)
    if snapshot:  # nothing written, nothing to prove
        while True:
            try:
                result = await _call(func, tx.snapshot, *args, **kwargs)
                await tx.commit()
                return result
            except FoundException as error:
                await tx.on_error(error)
    attempt = _Attempt(tx)
    unknown: list[_Attempt] = []  # attempts that may have committed and left evidence
    token = _ATTEMPT.set(attempt)
    try:
        while True:
            try:
                if unknown:
                    applied = await _applied(tx, unknown)
                    if applied is not None:
                        return applied.result
                attempt.result = await _call(func, tx, *args, **kwargs)
                await tx.commit()
                return attempt.result
            except FoundException as error:
                if error.maybe_committed and attempt.evidence:
                    unknown.append(attempt)
                    attempt = _Attempt(tx)
                    _ATTEMPT.set(attempt)
                else:
                    attempt.evidence.clear()
                await tx.on_error(error)
    finally:
        _ATTEMPT.reset(token)


async def _call(func: Callable[..., Any], tx: Transaction, *args: Any, **kwargs: Any) -> Any:
    """What ``func(tx, ...)`` returns, awaited if it is awaitable; an async generator is
    refused."""
    result = func(tx, *args, **kwargs)
    if type(result) is CoroutineType or inspect.isawaitable(result):
        return await result
    if inspect.isasyncgen(result):
        raise FoundTypeError(
            f"{getattr(func, '__name__', func)!r} returned an async generator; transactional "
            "needs the result itself (collect the items into a list)"
        )
    return result


@asynccontextmanager
async def transaction(
    db: Database,
    *,
    snapshot: bool = False,
    retry_limit: int | None = None,
    timeout: float | None = None,
) -> AsyncIterator[Transaction]:
    """One attempt at a transaction: it commits when the block ends normally, and is
    cancelled, never committed, when the block raises. Nothing is retried: a conflict
    surfaces as :class:`found.NotCommitted`.

    >>> import asyncio, found
    >>> async def main():
    ...     async with await found.open("memory://") as db:
    ...         async with found.transaction(db) as tx:
    ...             found.set(tx, b"a", b"1")
    ...         async with found.transaction(db, snapshot=True) as tx:
    ...             return await found.get(tx, b"a")
    >>> asyncio.run(main())
    b'1'
    """
    if not hasattr(db, "create_transaction"):
        raise FoundTypeError(f"db must be a database from found.open(), got {type(db).__name__}")
    tx = db.create_transaction()
    _configure(tx, retry_limit, timeout)
    try:
        yield tx.snapshot if snapshot else tx
    except BaseException:
        tx.cancel()
        raise
    await tx.commit()
