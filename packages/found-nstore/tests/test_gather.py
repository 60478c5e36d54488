"""gather_eager: results in order, no task for reads that do not wait, errors propagate."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from found_nstore._gather import gather_eager


async def _value(x: int, wait: float = 0.0) -> int:
    if wait:
        await asyncio.sleep(wait)
    return x


async def test_results_come_in_the_order_of_the_coroutines() -> None:
    """Coroutines that wait and ones that do not are mixed; results keep their order."""
    coros = [_value(i, 0.002 * (i % 3)) for i in range(10)]
    assert await gather_eager(coros) == list(range(10))


async def test_coroutines_that_do_not_wait_need_no_task() -> None:
    """A batch that never suspends runs in the caller's task: no task is created."""
    before = len(asyncio.all_tasks())
    seen: list[int] = []

    async def count(x: int) -> int:
        seen.append(len(asyncio.all_tasks()))
        return x

    assert await gather_eager([count(i) for i in range(5)]) == list(range(5))
    assert seen == [before] * 5


async def test_waiting_coroutines_overlap() -> None:
    """Ten coroutines each waiting 20 ms finish in about 20 ms, not 200."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    await gather_eager([_value(i, 0.02) for i in range(10)])
    assert loop.time() - start < 0.15


async def test_a_bare_yield_is_resumed() -> None:
    """A coroutine that gives the loop a turn (sleep(0)) still completes."""
    assert await gather_eager([_value(1, 0.0), asyncio.sleep(0, result=2)]) == [1, 2]


async def test_the_first_error_cancels_the_others_and_propagates() -> None:
    """A failure cancels the coroutines still waiting and closes those not started."""
    cancelled: list[int] = []

    async def slow(x: int) -> int:
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            cancelled.append(x)
            raise
        return x

    async def fail() -> int:
        await asyncio.sleep(0.001)
        raise ValueError("boom")

    async def fail_now() -> int:
        raise KeyError("now")

    with pytest.raises(ValueError, match="boom"):
        await gather_eager([slow(1), fail(), slow(2)])
    assert sorted(cancelled) == [1, 2]
    never = _value(3)
    with pytest.raises(KeyError):
        await gather_eager([fail_now(), never])
    assert inspect.getcoroutinestate(never) == "CORO_CLOSED"  # no "never awaited" warning


async def test_cancelling_the_caller_cancels_the_waiting_coroutines() -> None:
    """Cancelling the task that gathers reaches every coroutine in flight."""
    cancelled: list[int] = []

    async def slow(x: int) -> int:
        try:
            await asyncio.sleep(1)
        except asyncio.CancelledError:
            cancelled.append(x)
            raise
        return x

    task = asyncio.ensure_future(gather_eager([slow(1), slow(2)]))
    await asyncio.sleep(0.01)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert sorted(cancelled) == [1, 2]


async def test_an_exception_raised_into_a_waiting_coroutine_can_be_handled() -> None:
    """A coroutine that catches its future's failure and returns gives that result."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[int] = loop.create_future()

    async def guarded() -> int:
        try:
            return await future
        except RuntimeError:
            return -1

    loop.call_later(0.001, future.set_exception, RuntimeError("lost"))
    assert await gather_eager([guarded(), _value(5)]) == [-1, 5]
