"""The engine against a tiny reference model, with hypothesis.

* ``test_serial_histories_match_the_model``: a rule-based state machine drives one transaction
  at a time (sets, clears, range clears, atomic ops, point/range/selector reads, snapshot
  reads, commits, resets) and compares every read with a dict that knows FoundationDB's rules.
* ``test_concurrent_histories_are_serializable``: random transactions run as concurrent tasks
  on one event loop, interleaved at await points. Replaying the committed ones in commit order
  on the model must reproduce every read they saw and the final database; every transaction
  that failed with 1020 must have had a real conflict (a transaction committed after its read
  version wrote a key it read).

Example counts come from the hypothesis profile (``FOUND_HYPOTHESIS_PROFILE``, see
``tests-integration/conftest.py``). Each example works under a fresh sub-prefix of
``found_prefix``, so it starts from an empty keyspace.
"""

from __future__ import annotations

import asyncio
import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

import found

T = TypeVar("T")
_examples = itertools.count()

# -- the reference model -------------------------------------------------------------------------

VALUE_LIMIT = 100_000


def _fit(existing: bytes, n: int) -> bytes:
    return existing[:n] + b"\x00" * (n - len(existing))


def _le(data: bytes) -> int:
    return int.from_bytes(data, "little")


def model_atomic(op: str, existing: bytes | None, param: bytes) -> bytes | None:
    """FoundationDB's byte rules of one atomic op (checklist A-03), written independently."""
    n = len(param)
    if op == "add":
        if not existing:
            return param
        if not param:
            return b""
        return ((_le(_fit(existing, n)) + _le(param)) % (1 << (8 * n))).to_bytes(n, "little")
    if op == "bit_and":
        if existing is None:
            return param
        return (_le(_fit(existing, n)) & _le(param)).to_bytes(n, "little")
    if op in ("bit_or", "bit_xor"):
        if not existing or not param:
            return param
        a, b = _le(_fit(existing, n)), _le(param)
        return (a | b if op == "bit_or" else a ^ b).to_bytes(n, "little")
    if op == "max":
        if not existing or not param:
            return param
        return max(_fit(existing, n), param, key=_le)
    if op == "min":
        if existing is None:
            return param
        if not param:
            return b""
        return min(_fit(existing, n), param, key=_le)
    if op == "byte_max":
        return param if existing is None else max(existing, param)
    if op == "byte_min":
        return param if existing is None else min(existing, param)
    if op == "append_if_fits":
        if not existing:
            return param
        if not param or len(existing) + n > VALUE_LIMIT:
            return existing
        return existing + param
    if op == "compare_and_clear":
        return None if existing is None or existing == param else existing
    raise AssertionError(f"unknown op {op}")


ATOMIC_OPS = [
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
]


def apply_atomic(tx: found.Transaction, op: str, key: bytes, param: bytes) -> None:
    """Call ``found.<op>(tx, key, param)``."""
    function: Callable[[found.Transaction, bytes, bytes], None] = getattr(found, op)
    function(tx, key, param)


def model_range(
    view: dict[bytes, bytes], begin: bytes, end: bytes, limit: int, reverse: bool
) -> list[tuple[bytes, bytes]]:
    """The rows of ``view`` in ``[begin, end)``, as a range read returns them."""
    rows = sorted((k, v) for k, v in view.items() if begin <= k < end)
    if reverse:
        rows.reverse()
    return rows[:limit] if limit else rows


def model_get_key(view: dict[bytes, bytes], prefix: bytes, selector: found.KeySelector) -> bytes:
    """Resolve ``selector`` over ``view`` (K-02), clamped to the prefix as in K-04."""
    keys = sorted(view)
    if selector.or_equal:
        base = bisect_right(keys, selector.key) - 1
    else:
        base = bisect_left(keys, selector.key) - 1
    target = base + selector.offset
    if target < 0:
        return prefix
    if target >= len(keys):
        return found.next_prefix(prefix)
    return keys[target]


def clamp(key: bytes, prefix: bytes) -> bytes:
    """Clamp a resolved key to ``[prefix, next_prefix(prefix)]``."""
    end = found.next_prefix(prefix)
    return prefix if key < prefix else end if key >= end else key


# -- strategies ----------------------------------------------------------------------------------

# Few keys, so that operations meet on the same keys; the edges of the byte order included.
suffixes = st.sampled_from([b"", b"\x00", b"a", b"a\x00", b"a\xff", b"b", b"ba", b"\xff"])
values = st.binary(max_size=4)
params = st.binary(max_size=4)
offsets = st.integers(min_value=-3, max_value=4)
limits = st.sampled_from([0, 0, 1, 2, 3])
MODES = [
    found.STREAMING_MODE_WANT_ALL,
    found.STREAMING_MODE_ITERATOR,
    found.STREAMING_MODE_SMALL,
    found.STREAMING_MODE_SERIAL,
]


# -- serial histories ----------------------------------------------------------------------------


class SerialModel(RuleBasedStateMachine):
    """One transaction at a time against the engine, mirrored in two dicts.

    The test subclasses it with the database, the prefix and the event loop to use.
    """

    db: found.Database
    base_prefix: bytes
    loop: asyncio.AbstractEventLoop

    def __init__(self) -> None:
        super().__init__()
        self.prefix = self.base_prefix + found.pack((next(_examples),))
        self.committed: dict[bytes, bytes] = {}
        self.view: dict[bytes, bytes] = {}
        self.tx = self.db.create_transaction()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def key(self, suffix: bytes) -> bytes:
        return self.prefix + suffix

    # writes
    @rule(k=suffixes, v=values)
    def set(self, k: bytes, v: bytes) -> None:
        found.set(self.tx, self.key(k), v)
        self.view[self.key(k)] = v

    @rule(k=suffixes)
    def clear(self, k: bytes) -> None:
        found.clear(self.tx, self.key(k))
        self.view.pop(self.key(k), None)

    @rule(a=suffixes, b=suffixes)
    def clear_range(self, a: bytes, b: bytes) -> None:
        begin, end = sorted((self.key(a), self.key(b)))
        found.clear(self.tx, begin, end)
        for k in [k for k in self.view if begin <= k < end]:
            del self.view[k]

    @rule(op=st.sampled_from(ATOMIC_OPS), k=suffixes, p=params)
    def atomic(self, op: str, k: bytes, p: bytes) -> None:
        key = self.key(k)
        apply_atomic(self.tx, op, key, p)
        result = model_atomic(op, self.view.get(key), p)
        if result is None:
            self.view.pop(key, None)
        else:
            self.view[key] = result

    # reads
    def reader(self, snapshot: bool) -> found.Transaction:
        return self.tx.snapshot if snapshot else self.tx

    @rule(k=suffixes, snapshot=st.booleans())
    def get(self, k: bytes, snapshot: bool) -> None:
        got = self.run(found.get(self.reader(snapshot), self.key(k)))
        assert got == self.view.get(self.key(k))

    @rule(
        a=suffixes,
        b=suffixes,
        limit=limits,
        reverse=st.booleans(),
        snapshot=st.booleans(),
        mode=st.sampled_from(MODES),
    )
    def get_range(
        self, a: bytes, b: bytes, limit: int, reverse: bool, snapshot: bool, mode: int
    ) -> None:
        begin, end = self.key(a), self.key(b)
        got = self.run(
            found.all(self.reader(snapshot), begin, end, limit=limit, reverse=reverse)
            if mode == found.STREAMING_MODE_WANT_ALL
            else _collect(
                found.query(
                    self.reader(snapshot), begin, end, limit=limit, reverse=reverse, mode=mode
                )
            )
        )
        assert got == model_range(self.view, begin, end, limit, reverse)

    @rule(k=suffixes, or_equal=st.booleans(), offset=offsets, snapshot=st.booleans())
    def get_key(self, k: bytes, or_equal: bool, offset: int, snapshot: bool) -> None:
        selector = found.KeySelector(self.key(k), or_equal, offset)
        got = self.run(found.get_key(self.reader(snapshot), selector))
        assert clamp(got, self.prefix) == model_get_key(self.view, self.prefix, selector)

    # transaction boundaries
    @rule()
    def commit(self) -> None:
        self.run(self.tx.commit())
        self.committed = dict(self.view)
        self.tx = self.db.create_transaction()

    @rule()
    def reset(self) -> None:
        found.reset(self.tx)
        self.view = dict(self.committed)

    @invariant()
    def committed_state_matches(self) -> None:
        rows = self.run(
            found.transactional(self.db, found.all, self.prefix, found.next_prefix(self.prefix))
        )
        assert dict(rows) == self.committed

    def teardown(self) -> None:
        found.cancel(self.tx)


async def _collect(rows: Any) -> list[tuple[bytes, bytes]]:
    return [pair async for pair in rows]


def test_serial_histories_match_the_model(found_db: found.Database, found_prefix: bytes) -> None:
    """Sets, clears, atomic ops, reads and commits agree with the reference model."""

    class Machine(SerialModel):
        db = found_db
        base_prefix = found_prefix
        loop = asyncio.new_event_loop()

    try:
        run_state_machine_as_test(Machine, settings=settings(stateful_step_count=40))
    finally:
        Machine.loop.close()


# -- concurrent histories ------------------------------------------------------------------------

CONCURRENT_KEYS = [b"a", b"b", b"c", b"d"]


@dataclass(frozen=True)
class Op:
    """One step of a transaction program; ``pause`` is how many times it yields first."""

    kind: str  # get | range | set | clear | clear_range | add
    a: bytes
    b: bytes = b""
    value: bytes = b""
    limit: int = 0
    reverse: bool = False
    pause: int = 0


pauses = st.integers(min_value=0, max_value=3)
ckeys = st.sampled_from(CONCURRENT_KEYS)
ops = st.one_of(
    st.builds(Op, kind=st.just("get"), a=ckeys, pause=pauses),
    st.builds(
        Op,
        kind=st.just("range"),
        a=ckeys,
        b=st.sampled_from([*CONCURRENT_KEYS, b"e"]),
        limit=st.sampled_from([0, 0, 1, 2]),
        reverse=st.booleans(),
        pause=pauses,
    ),
    st.builds(
        Op, kind=st.just("set"), a=ckeys, value=st.binary(min_size=1, max_size=2), pause=pauses
    ),
    st.builds(Op, kind=st.just("clear"), a=ckeys, pause=pauses),
    st.builds(
        Op,
        kind=st.just("clear_range"),
        a=ckeys,
        b=st.sampled_from([*CONCURRENT_KEYS, b"e"]),
        pause=pauses,
    ),
    st.builds(
        Op, kind=st.just("add"), a=ckeys, value=st.sampled_from([b"\x01", b"\x02"]), pause=pauses
    ),
)


@dataclass
class Outcome:
    """What one transaction of a concurrent history did and saw."""

    program: list[Op]
    reads: list[Any] = field(default_factory=list)
    read_version: int = -1
    commit_version: int = -1
    conflicted: bool = False


async def run_program(
    db: found.Database, prefix: bytes, program: list[Op], commit_pause: int
) -> Outcome:
    """Run ``program`` in one transaction (no retry), yielding to the loop where it says."""
    out = Outcome(program)
    tx = db.create_transaction()
    for op in program:
        for _ in range(op.pause):
            await asyncio.sleep(0)
        a, b = prefix + op.a, prefix + op.b
        if op.kind == "get":
            out.reads.append(await found.get(tx, a))
        elif op.kind == "range":
            rows = await found.all(tx, *sorted((a, b)), limit=op.limit, reverse=op.reverse)
            out.reads.append(rows)
        elif op.kind == "set":
            found.set(tx, a, op.value)
        elif op.kind == "clear":
            found.clear(tx, a)
        elif op.kind == "clear_range":
            found.clear(tx, *sorted((a, b)))
        else:
            found.add(tx, a, op.value)
    for _ in range(commit_pause):
        await asyncio.sleep(0)
    try:
        await tx.commit()
    except found.NotCommitted:
        out.conflicted = True
    out.commit_version = found.get_committed_version(tx)
    out.read_version = await found.read_version(tx)
    return out


def replay(
    state: dict[bytes, bytes], prefix: bytes, program: list[Op]
) -> tuple[dict[bytes, bytes], list[Any]]:
    """Run ``program`` serially on a copy of ``state``; return the new state and the reads."""
    view = dict(state)
    reads: list[Any] = []
    for op in program:
        a, b = prefix + op.a, prefix + op.b
        if op.kind == "get":
            reads.append(view.get(a))
        elif op.kind == "range":
            begin, end = sorted((a, b))
            reads.append(model_range(view, begin, end, op.limit, op.reverse))
        elif op.kind == "set":
            view[a] = op.value
        elif op.kind == "clear":
            view.pop(a, None)
        elif op.kind == "clear_range":
            begin, end = sorted((a, b))
            for k in [k for k in view if begin <= k < end]:
                del view[k]
        else:
            result = model_atomic("add", view.get(a), op.value)
            assert result is not None
            view[a] = result
    return view, reads


Ranges = list[tuple[bytes, bytes]]


def after(key: bytes) -> bytes:
    return key + b"\x00"


def write_set(prefix: bytes, program: list[Op]) -> Ranges:
    """The write conflict ranges of a program."""
    out: Ranges = []
    for op in program:
        a, b = prefix + op.a, prefix + op.b
        if op.kind in ("set", "clear", "add"):
            out.append((a, after(a)))
        elif op.kind == "clear_range":
            out.append(tuple(sorted((a, b))))  # type: ignore[arg-type]
    return out


def read_set(prefix: bytes, program: list[Op], reads: list[Any]) -> Ranges:
    """The read conflict ranges of a program: I-10..I-12, minus what it decided (I-16)."""
    out: Ranges = []
    decided: Ranges = []  # keys and ranges set or cleared by the transaction so far
    results = iter(reads)
    for op in program:
        a, b = prefix + op.a, prefix + op.b
        if op.kind == "get":
            next(results)
            out.extend(subtract([(a, after(a))], decided))
        elif op.kind == "range":
            rows = next(results)
            assert isinstance(rows, list)
            begin, end = sorted((a, b))
            if op.limit and len(rows) == op.limit:
                if op.reverse:
                    begin = rows[-1][0]
                else:
                    end = after(rows[-1][0])
            out.extend(subtract([(begin, end)], decided))
        elif op.kind in ("set", "clear"):
            decided.append((a, after(a)))
        elif op.kind == "clear_range":
            decided.append(tuple(sorted((a, b))))  # type: ignore[arg-type]
    return out


def subtract(ranges: Ranges, holes: Ranges) -> Ranges:
    """``ranges`` with every range of ``holes`` cut out."""
    for hb, he in holes:
        cut: Ranges = []
        for b, e in ranges:
            if he <= b or e <= hb:
                cut.append((b, e))
                continue
            if b < hb:
                cut.append((b, hb))
            if he < e:
                cut.append((he, e))
        ranges = cut
    return ranges


def intersects(xs: Ranges, ys: Ranges) -> bool:
    return any(xb < ye and yb < xe for xb, xe in xs for yb, ye in ys)


@given(
    initial=st.dictionaries(ckeys, st.binary(min_size=1, max_size=2), max_size=4),
    programs=st.lists(
        st.tuples(st.lists(ops, min_size=1, max_size=5), pauses), min_size=2, max_size=5
    ),
)
def test_concurrent_histories_are_serializable(
    found_db: found.Database,
    found_prefix: bytes,
    initial: dict[bytes, bytes],
    programs: list[tuple[list[Op], int]],
) -> None:
    """Committed transactions replay serially in commit order; every 1020 was a real conflict."""
    prefix = found_prefix + found.pack((next(_examples),))

    async def history() -> tuple[list[Outcome], dict[bytes, bytes]]:
        seed = found_db.create_transaction()
        for k, v in initial.items():
            found.set(seed, prefix + k, v)
        await seed.commit()
        outcomes = await asyncio.gather(
            *(run_program(found_db, prefix, program, pause) for program, pause in programs)
        )
        final = await found.transactional(found_db, found.all, prefix, found.next_prefix(prefix))
        return list(outcomes), dict(final)

    outcomes, final = asyncio.run(history())
    event(f"transactions that conflicted: {sum(o.conflicted for o in outcomes)}")

    # Serial order: writers at their commit version, read-only ones at their read version
    # (after the writers of that same version, which they see).
    committed = [o for o in outcomes if not o.conflicted]
    order = sorted(
        committed,
        key=lambda o: (o.commit_version, 0) if o.commit_version > 0 else (o.read_version, 1),
    )
    state = {prefix + k: v for k, v in initial.items()}
    for outcome in order:
        view, reads = replay(state, prefix, outcome.program)
        assert reads == outcome.reads, f"non-serializable reads in {outcome}"
        if outcome.commit_version > 0:
            state = view
    assert final == state

    writers = [o for o in committed if o.commit_version > 0]
    for outcome in outcomes:
        if not outcome.conflicted:
            continue
        reads = read_set(prefix, outcome.program, outcome.reads)
        culprits = [
            w
            for w in writers
            if w.commit_version > outcome.read_version
            and intersects(write_set(prefix, w.program), reads)
        ]
        assert culprits, f"1020 without a conflicting commit: {outcome}"
