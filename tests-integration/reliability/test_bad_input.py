"""Hostile input: hypothesis calls every public function of found and of each store with wrong
types, oversized keys and values, malformed tuples, invalid selectors and unknown options.

Every call either works or raises one of found's typed errors (a ``found.BaseFoundException``,
whose message is not empty), never an internal ``AttributeError``, ``AssertionError`` or
plain ``TypeError``, and never hangs; afterwards the database still reads and writes, and a
sentinel written before is intact.
"""

from __future__ import annotations

import asyncio
import inspect
import sys
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import found
import found_bstore
import found_eavstore
import found_nstore
import found_pstore

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reliability_checks import check_eavstore, check_nstore, check_pstore, report, size

EXAMPLES = size(fast=60, stress=1500)
CALL_TIMEOUT = 30.0  # seconds: a call that takes longer counts as a hang
calls = {"examples": 0, "worked": 0, "refused": 0, "skipped": 0}

# Values that are fine somewhere, wrong elsewhere: each call draws its arguments from these.
ATOMS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True),
    st.text(max_size=8),
    st.binary(max_size=12),
    st.sampled_from(
        [
            b"\xff",
            b"\xff\xff",
            b"\x00" * 10_001,  # key too large
            b"v" * 100_001,  # value too large
            bytearray(b"ba"),
            memoryview(b"mv"),
            uuid.UUID(int=3),
            found.Versionstamp(),
            found.Versionstamp(b"\x01" * 10),
            found.SingleFloat(1.5),
            found.lt(b"a"),
            found.gte(b"\xff", 3),
            found.gt(b"", -(2**40)),
            "timeout",
            "retry_limit",
            "no_such_option",
            object(),
            {1, 2},
            {"a": 1},
            [1, [2, object()]],
            (1, (None, b"x")),
            (object(),),
            found.STREAMING_MODE_WANT_ALL,
            -1,
            2**64,
            float("inf"),
        ]
    ),
)


def public_functions(module: Any) -> list[tuple[str, Callable[..., Any]]]:
    """The public functions of a module (its ``__all__``)."""
    out: list[tuple[str, Callable[..., Any]]] = []
    for name in module.__all__:
        value = getattr(module, name)
        if inspect.isfunction(value) and name not in ("open", "transactional", "transaction"):
            out.append((f"{module.__name__}.{name}", value))
    return out


def stores() -> dict[str, Any]:
    """One handle per store, under the test's keys."""
    return {
        "found_nstore": found_nstore.make("bad", ("bad", "n"), 3),
        "found_eavstore": found_eavstore.make("bad", ("bad", "e")),
        "found_bstore": found_bstore.make("bad", ("bad", "b")),
        "found_pstore": found_pstore.make("bad", ("bad", "p")),
    }


FUNCTIONS = [
    *public_functions(found),
    *public_functions(found_nstore),
    *public_functions(found_eavstore),
    *public_functions(found_bstore),
    *public_functions(found_pstore),
]


async def consume(result: Any) -> Any:
    """Await an awaitable result, drain an async iterator (a few items), else return it."""
    if hasattr(result, "__aiter__"):
        items: list[Any] = []
        async for item in result:
            items.append(item)
            if len(items) >= 20:
                break
        return items
    if inspect.isawaitable(result) and not isinstance(result, asyncio.Future):
        return await result
    return result


def wants_tx(func: Callable[..., Any]) -> str | None:
    """``"tx"``, ``"db"`` or None: what the function takes first."""
    params = list(inspect.signature(func).parameters)
    if not params:
        return None
    if params[0] in ("tx", "db_or_tx"):
        return "tx"
    return "db" if params[0] == "db" else None


async def attempt(db: Any, name: str, func: Callable[..., Any], args: list[Any], kw: Any) -> None:
    """Call ``func`` with hostile arguments in a transaction; check how it ends."""
    module = name.split(".")[0]
    store = stores().get(module)
    first = wants_tx(func)
    if store is not None and first is not None and args and args[0] == "store":
        args = [store, *args[1:]]

    async def body(tx: found.Transaction) -> None:
        head = [tx] if first == "tx" else [db] if first == "db" else []
        await consume(func(*head, *args, **kw))

    head: list[Any] = [db] if first else []
    try:
        inspect.signature(func).bind(*head, *args, **kw)
    except TypeError:
        calls["skipped"] += 1  # Python's own arity check, before found is involved
        return
    try:
        await asyncio.wait_for(found.transactional(db, body, retry_limit=2), CALL_TIMEOUT)
        calls["worked"] += 1
    except found.BaseFoundException as error:
        if not str(error):
            pytest.fail(f"{name}: {type(error).__name__} with an empty message")
        calls["refused"] += 1
    except asyncio.TimeoutError:
        pytest.fail(f"{name}{tuple(args)!r:.300} hung for {CALL_TIMEOUT} s")
    except Exception as error:
        raise AssertionError(
            f"{name}(*{args!r:.300}, **{kw!r:.100}) raised {type(error).__name__}: {error}"
        ) from error


@pytest.mark.parametrize(("name", "func"), FUNCTIONS, ids=[n for n, _ in FUNCTIONS])
def test_hostile_arguments_get_typed_errors(name: str, func: Callable[..., Any]) -> None:
    """Every public function, fed hostile arguments, works or raises a found error."""

    async def main(cases: list[tuple[list[Any], dict[str, Any], bool]]) -> None:
        async with await found.open("memory://") as db:
            await found.transactional(db, found.set, b"sentinel", b"intact")
            for args, kw, with_store in cases:
                if with_store and args:
                    args = ["store", *args[1:]]
                await attempt(db, name, func, args, kw)
            if name != "found.clear":  # clearing a range that holds it is what clear does
                assert await found.transactional(db, found.get, b"sentinel") == b"intact"
            await found.transactional(db, found.set, b"after", b"ok")
            problems = await check_nstore(db, ("bad", "n"), 3)
            problems += await check_eavstore(db, ("bad", "e"))
            problems += await check_pstore(db, ("bad", "p"))
            assert problems == []

    params = list(inspect.signature(func).parameters.values())
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    skip = 1 if wants_tx(func) else 0
    least = sum(1 for p in positional[skip:] if p.default is p.empty)
    most = len(positional) - skip + (4 if any(p.kind == p.VAR_POSITIONAL for p in params) else 0)
    args = st.integers(least, max(least, most)).flatmap(
        lambda n: st.lists(st.one_of(ATOMS, st.tuples(ATOMS, ATOMS)), min_size=n, max_size=n)
    )
    keywords = [p.name for p in params if p.kind == p.KEYWORD_ONLY or p.default is not p.empty]
    kws = st.dictionaries(st.sampled_from([*keywords, "unknown_kw"]), ATOMS, max_size=2)

    @settings(
        max_examples=max(EXAMPLES // 10, 5),
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    @given(st.lists(st.tuples(args, kws, st.booleans()), min_size=1, max_size=10))
    def run(cases: list[tuple[list[Any], dict[str, Any], bool]]) -> None:
        calls["examples"] += len(cases)
        asyncio.run(main(cases))

    run()


def test_report_bad_input_counts() -> None:
    """Record what the hostile-input tests tried (runs after them, in file order)."""
    assert calls["examples"] > 0
    report(
        "bad input: hostile arguments to every public function",
        functions=len(FUNCTIONS),
        hypothesis_calls=calls["examples"],
        worked=calls["worked"],
        typed_errors=calls["refused"],
        arity_mismatches_skipped=calls["skipped"],
    )
