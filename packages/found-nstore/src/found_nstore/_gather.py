"""Run a batch of reads concurrently, without paying for a task when a read does not wait.

A join issues one range read per intermediate binding. Awaiting them one after the other costs
one round trip each; ``asyncio.gather`` overlaps them but wraps every coroutine in a task, which
costs several microseconds even when the read completes at once (an embedded engine without
injected latency, or a read FoundationDB's client answers from its cache).

:func:`gather_eager` starts each coroutine in the caller's task, the way Python 3.12's eager
tasks do: a coroutine that finishes without suspending returns its result directly; one that
suspends (on a future, waiting for the database) is handed to a task that resumes it from that
point. All the reads that suspend are in flight together, so a batch costs one round trip.

Example::

    >>> import asyncio
    >>> async def double(x):
    ...     if x % 2:
    ...         await asyncio.sleep(0.001)  # this one waits: it gets a task
    ...     return 2 * x
    >>> asyncio.run(gather_eager([double(x) for x in range(5)]))
    [0, 2, 4, 6, 8]
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Sequence
from typing import Any, TypeVar

__all__ = ["gather_eager"]

T = TypeVar("T")


async def _resume(coro: Coroutine[Any, Any, T], waiting: Any) -> T:
    """Drive ``coro`` from where it suspended on ``waiting``, as a task would."""
    while True:
        try:
            if waiting is None:
                await asyncio.sleep(0)  # a bare yield: the coroutine gave the loop a turn
            else:
                # As a task does with what a coroutine yields: take over the wait (the flag
                # the coroutine's own await set would make awaiting the future again fail).
                waiting._asyncio_future_blocking = False
                await waiting
        except BaseException as error:  # its failure, or this task's cancellation
            try:
                waiting = coro.throw(error)
            except StopIteration as stop:
                return stop.value  # type: ignore[no-any-return]
            continue
        try:
            waiting = coro.send(None)
        except StopIteration as stop:
            return stop.value  # type: ignore[no-any-return]


async def gather_eager(coros: Sequence[Coroutine[Any, Any, T]]) -> list[T]:
    """Run ``coros`` concurrently and return their results in order.

    The first exception cancels the coroutines still running, closes those not started, and
    propagates.

    Example::

        >>> import asyncio
        >>> async def one():
        ...     return 1
        >>> asyncio.run(gather_eager([one(), one()]))
        [1, 1]
    """
    results: list[Any] = [None] * len(coros)
    pending: list[tuple[int, asyncio.Task[T]]] = []
    started = 0
    try:
        for index, coro in enumerate(coros):
            started = index + 1
            try:
                waiting = coro.send(None)
            except StopIteration as stop:
                results[index] = stop.value
                continue
            pending.append((index, asyncio.ensure_future(_resume(coro, waiting))))
        if pending:
            # Wake at the first failure, as asyncio.gather does, not when the slowest ends.
            tasks = [task for _, task in pending]
            await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
            for task in tasks:
                error = task.exception() if task.done() and not task.cancelled() else None
                if error is not None:
                    raise error
            for index, task in pending:
                results[index] = task.result()
    except BaseException:
        for coro in coros[started:]:
            coro.close()
        tasks = [task for _, task in pending if not task.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks)
        for _, task in pending:  # their errors were seen (or superseded) by this one
            if task.done() and not task.cancelled():
                task.exception()
        raise
    return results
