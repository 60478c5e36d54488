"""Timing helpers for the benchmarks in this folder (``bench_*.py``, run by ``run.py``).

Every helper measures like ``timeit``: it first finds how many calls of a function fill
``min_time`` seconds, then times that many calls ``rounds`` times and keeps the best round, the
one least disturbed by the rest of the machine. Results are rates in operations per second,
where one call of the function counts as ``ops_per_call`` operations.

On a shared machine the load changes while a benchmark runs; comparing "ours" measured first
with an "anchor" measured a minute later would mostly compare two moments. ``interleaved``
therefore alternates the contenders round by round, so each of them sees the same moments.

Example::

    >>> from _harness import best_rate, interleaved
    >>> rate = best_rate(lambda: sum(range(100)), ops_per_call=1, rounds=2, min_time=0.01)
    >>> rate > 0
    True
    >>> rates = interleaved({"ours": lambda: None, "anchor": lambda: None}, min_time=0.01)
    >>> sorted(rates)
    ['anchor', 'ours']
"""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import TypedDict

__all__ = [
    "BenchmarkError",
    "Row",
    "ainterleaved",
    "best_rate",
    "best_rate_async",
    "interleaved",
    "interleaved_async",
    "row",
]

SyncFn = Callable[[], object]
AsyncFn = Callable[[], Awaitable[object]]


class BenchmarkError(Exception):
    """A benchmark helper was called with arguments it cannot measure with."""


class _RowRequired(TypedDict):
    workload: str
    unit: str
    ours: float
    anchor_name: str
    anchor: float | None


class Row(_RowRequired, total=False):
    """One line of the results table: what ``run(quick)`` of a ``bench_*`` module returns."""

    note: str


def row(
    workload: str,
    unit: str,
    ours: float,
    anchor_name: str,
    anchor: float | None,
    note: str | None = None,
) -> Row:
    """Build a result row, leaving out ``note`` when there is none.

    >>> row("pack ints", "ops/s", 2.0, "fdb.tuple", 1.0)["anchor_name"]
    'fdb.tuple'
    """
    result = Row(workload=workload, unit=unit, ours=ours, anchor_name=anchor_name, anchor=anchor)
    if note:
        result["note"] = note
    return result


def _check(rounds: int, min_time: float, ops: Mapping[str, int]) -> None:
    """Reject settings that cannot give a measurement."""
    if rounds < 1:
        raise BenchmarkError(f"rounds must be at least 1, got {rounds}")
    if not min_time > 0:
        raise BenchmarkError(f"min_time must be positive, got {min_time}")
    for name, count in ops.items():
        if count < 1:
            raise BenchmarkError(f"ops_per_call of {name!r} must be at least 1, got {count}")


def _ops_map(names: list[str], ops_per_call: int | Mapping[str, int]) -> dict[str, int]:
    """Operations per call for each contender."""
    if isinstance(ops_per_call, int):
        return dict.fromkeys(names, ops_per_call)
    missing = [n for n in names if n not in ops_per_call]
    if missing:
        raise BenchmarkError(f"ops_per_call has no entry for {missing}")
    return {n: ops_per_call[n] for n in names}


def _timed(fn: SyncFn, calls: int) -> float:
    """Seconds taken by ``calls`` calls of ``fn``, with the garbage collector paused."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        return time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()


async def _atimed(fn: AsyncFn, calls: int) -> float:
    """Seconds taken by ``calls`` awaited calls of ``fn``, with the garbage collector paused."""
    gc.collect()
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = time.perf_counter()
        for _ in range(calls):
            await fn()
        return time.perf_counter() - start
    finally:
        if enabled:
            gc.enable()


def _next_calls(calls: int, elapsed: float, min_time: float) -> int:
    """How many calls to try next while calibrating (grow at most 10x per step)."""
    if elapsed <= 0:
        return calls * 10
    wanted = int(calls * min_time / elapsed * 1.2) + 1
    return max(calls + 1, min(wanted, calls * 10))


def _calibrate(fn: SyncFn, min_time: float) -> tuple[int, float]:
    """Calls that take at least ``min_time``, and the seconds they took."""
    calls = 1
    while True:
        elapsed = _timed(fn, calls)
        if elapsed >= min_time:
            return calls, elapsed
        calls = _next_calls(calls, elapsed, min_time)


async def _acalibrate(fn: AsyncFn, min_time: float) -> tuple[int, float]:
    """Awaited calls that take at least ``min_time``, and the seconds they took."""
    calls = 1
    while True:
        elapsed = await _atimed(fn, calls)
        if elapsed >= min_time:
            return calls, elapsed
        calls = _next_calls(calls, elapsed, min_time)


def interleaved(
    fns: Mapping[str, SyncFn],
    *,
    ops_per_call: int | Mapping[str, int] = 1,
    rounds: int = 5,
    min_time: float = 0.2,
) -> dict[str, float]:
    """Best rate (ops/s) of each function, measured in alternation round after round.

    ``ops_per_call`` is one number for all, or one per name. Each round times every function
    once, starting with a different one each round.

    >>> rates = interleaved({"a": lambda: None}, ops_per_call=10, rounds=1, min_time=0.001)
    >>> rates["a"] > 0
    True
    """
    names = list(fns)
    if not names:
        raise BenchmarkError("interleaved needs at least one function")
    ops = _ops_map(names, ops_per_call)
    _check(rounds, min_time, ops)
    calls: dict[str, int] = {}
    best: dict[str, float] = {}
    for name in names:
        calls[name], best[name] = _calibrate(fns[name], min_time)
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            best[name] = min(best[name], _timed(fns[name], calls[name]))
    return {name: calls[name] * ops[name] / best[name] for name in names}


def best_rate(
    fn: SyncFn, *, ops_per_call: int = 1, rounds: int = 5, min_time: float = 0.2
) -> float:
    """Best rate (ops/s) of one function over ``rounds`` rounds of at least ``min_time`` s.

    >>> best_rate(lambda: None, rounds=1, min_time=0.001) > 0
    True
    """
    rates = interleaved({"fn": fn}, ops_per_call=ops_per_call, rounds=rounds, min_time=min_time)
    return rates["fn"]


async def ainterleaved(
    fns: Mapping[str, AsyncFn],
    *,
    ops_per_call: int | Mapping[str, int] = 1,
    rounds: int = 5,
    min_time: float = 0.2,
) -> dict[str, float]:
    """Like ``interleaved`` for coroutine functions, inside the running event loop.

    Use it from a benchmark's own coroutine when setup (opening a database, filling it) must
    happen in the same loop as the measurement.

    >>> async def nothing() -> None:
    ...     pass
    >>> rates = asyncio.run(ainterleaved({"a": nothing}, rounds=1, min_time=0.001))
    >>> rates["a"] > 0
    True
    """
    names = list(fns)
    if not names:
        raise BenchmarkError("ainterleaved needs at least one coroutine function")
    ops = _ops_map(names, ops_per_call)
    _check(rounds, min_time, ops)
    calls: dict[str, int] = {}
    best: dict[str, float] = {}
    for name in names:
        calls[name], best[name] = await _acalibrate(fns[name], min_time)
    for index in range(rounds):
        shift = index % len(names)
        for name in names[shift:] + names[:shift]:
            best[name] = min(best[name], await _atimed(fns[name], calls[name]))
    return {name: calls[name] * ops[name] / best[name] for name in names}


def interleaved_async(
    fns: Mapping[str, AsyncFn],
    *,
    ops_per_call: int | Mapping[str, int] = 1,
    rounds: int = 5,
    min_time: float = 0.2,
) -> dict[str, float]:
    """Run ``ainterleaved`` in a new event loop and return its rates (ops/s).

    >>> async def nothing() -> None:
    ...     pass
    >>> interleaved_async({"a": nothing}, rounds=1, min_time=0.001)["a"] > 0
    True
    """
    return asyncio.run(
        ainterleaved(fns, ops_per_call=ops_per_call, rounds=rounds, min_time=min_time)
    )


def best_rate_async(
    fn: AsyncFn, *, ops_per_call: int = 1, rounds: int = 5, min_time: float = 0.2
) -> float:
    """Best rate (ops/s) of one coroutine function, measured in a new event loop.

    >>> async def nothing() -> None:
    ...     pass
    >>> best_rate_async(nothing, rounds=1, min_time=0.001) > 0
    True
    """
    rates = interleaved_async(
        {"fn": fn}, ops_per_call=ops_per_call, rounds=rounds, min_time=min_time
    )
    return rates["fn"]
