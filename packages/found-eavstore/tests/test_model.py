"""A hypothesis state machine drives random creates, updates, removes and finders against a
dict-of-dicts model, and after every step checks the store's whole keyspace against the keys
the model implies: entity rows, index rows and counts, with no stale or zero entry left.

The model compares values by their packed bytes, as the store does (``1``, ``1.0`` and ``True``
are different values; ``[1]`` and ``(1,)`` are the same).
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    precondition,
    rule,
)

import found
import found.testing
import found_eavstore as eavstore
from found_eavstore import _query as query_module

T = TypeVar("T")

INDEXED = ["a", "b", "c"]
ATTRIBUTES = [*INDEXED, "blob"]  # 'blob' is unindexed

TRICKY_VALUES: list[Any] = [
    None,
    True,
    False,
    0,
    1,
    1.0,
    -0.0,
    0.0,
    float("nan"),
    "",
    "a",
    "ab",
    "a\x00",
    b"a",
    b"a\x00",
    (),
    (None,),
    ("a", (None, b"")),
    [1],
    uuid.UUID(int=1),
    2**70,
]
VALUES = st.one_of(
    st.sampled_from(TRICKY_VALUES),
    st.integers(-2, 2),
    st.text("ab\x00", max_size=2),
    st.binary(max_size=2),
)
MAPPINGS = st.dictionaries(st.sampled_from(ATTRIBUTES), VALUES, max_size=4)
UIDS = st.one_of(
    st.integers(0, 3), st.sampled_from([b"a", b"a\x00", "a", True, (None,), (1, "x")]), st.uuids()
)

#: MERGE_RATIO values for match(): probe everything, the default, merge everything.
RATIOS = st.sampled_from([0, query_module.MERGE_RATIO, 10**9])


def _p(value: Any) -> bytes:
    return found.pack((value,))


class EAVModel(RuleBasedStateMachine):
    """The store against ``{packed uid: (uid, {packed attribute: packed value})}``."""

    target = "memory://"
    #: Injected faults; with lost acknowledgements, new entities go through update() (the
    #: idempotent way) since a blind create() retried would count twice.
    faults: dict[str, float] = {}  # noqa: RUF012 -- read-only class defaults, set by subclasses

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.tmp = tempfile.TemporaryDirectory()
        target = self.target.replace("TMP", str(Path(self.tmp.name) / "db.found"))
        self.db = self.loop.run_until_complete(found.open(target))
        knobs = found.testing.faults(self.db)
        for name, value in self.faults.items():
            setattr(knobs, name, value)
        self.store = eavstore.make("model", ("model",), unindexed=["blob"])
        self.model: dict[bytes, tuple[Any, dict[bytes, bytes]]] = {}
        self.values: dict[bytes, dict[Any, Any]] = {}  # the mappings as given, for match()
        self.attribute_names = {_p(a): a for a in ATTRIBUTES}

    def teardown(self) -> None:
        """Close the database, the loop and the folder."""
        self.loop.run_until_complete(self.db.close())
        self.loop.close()
        self.tmp.cleanup()

    def run(self, func: Callable[..., Awaitable[T]], *args: Any) -> T:
        return self.loop.run_until_complete(found.transactional(self.db, func, *args))

    # -- the model's side -------------------------------------------------------------------
    def _model_set(self, uid: Any, mapping: dict[Any, Any]) -> None:
        rows = {_p(a): _p(v) for a, v in mapping.items()}
        if rows:
            self.model[_p(uid)] = (uid, rows)
            self.values[_p(uid)] = dict(mapping)
        else:
            self.model.pop(_p(uid), None)

    def _holders(self, attribute: Any, packed_value: bytes) -> list[bytes]:
        pattr = _p(attribute)
        return sorted(p for p, (_, rows) in self.model.items() if rows.get(pattr) == packed_value)

    @property
    def _blind_create_safe(self) -> bool:
        return not self.faults.get("unknown_result_rate")

    # -- writes -----------------------------------------------------------------------------
    uids = Bundle("uids")

    @rule(target=uids, mapping=MAPPINGS)
    def create_new(self, mapping: dict[Any, Any]) -> Any:
        """create() with a fresh uid (update() with one made outside under lost acks)."""
        if self._blind_create_safe:
            uid = self.run(eavstore.create, self.store, mapping)
        else:
            uid = uuid.uuid4()
            self.run(eavstore.update, self.store, uid, mapping)
        assert isinstance(uid, uuid.UUID)
        self._model_set(uid, mapping)
        return uid

    @precondition(lambda self: self._blind_create_safe)
    @rule(target=uids, uid=UIDS, mapping=MAPPINGS)
    def create_with_uid(self, uid: Any, mapping: dict[Any, Any]) -> Any:
        """create() with a given uid that is new (the caller's duty) or update() otherwise."""
        if _p(uid) in self.model:
            self.run(eavstore.update, self.store, uid, mapping)
        else:
            assert self.run(eavstore.create, self.store, mapping, uid) == uid
        self._model_set(uid, mapping)
        return uid

    @rule(uid=st.one_of(uids, UIDS), mapping=MAPPINGS)
    def update(self, uid: Any, mapping: dict[Any, Any]) -> None:
        """update() an existing or unknown uid."""
        self.run(eavstore.update, self.store, uid, mapping)
        self._model_set(uid, mapping)

    @rule(uid=st.one_of(consumes(uids), UIDS))
    def remove(self, uid: Any) -> None:
        """remove() an existing or unknown uid."""
        self.run(eavstore.remove, self.store, uid)
        self.model.pop(_p(uid), None)

    @rule(
        steps=st.lists(
            st.tuples(st.sampled_from(["create", "update", "remove"]), UIDS, MAPPINGS),
            min_size=2,
            max_size=5,
        )
    )
    def several_in_one_transaction(self, steps: list[tuple[str, Any, dict[Any, Any]]]) -> None:
        """Several writes in one transaction, each later one reading the earlier ones."""
        plan: list[tuple[str, Any, dict[Any, Any]]] = []
        for op, uid, mapping in steps:
            if op == "create":  # fresh uids, made here so that a retry reuses them
                op = "create" if self._blind_create_safe else "update"
                plan.append((op, uuid.uuid4(), mapping))
            else:
                plan.append((op, uid, mapping))

        for op, uid, mapping in plan:  # the model first: the transaction checks against it
            if op == "remove":
                self.model.pop(_p(uid), None)
            else:
                self._model_set(uid, mapping)
        probes = [(a, v) for op, _, mapping in plan if op != "remove" for a, v in mapping.items()]
        probes = [(a, v) for a, v in probes if a in INDEXED]
        expected = [(self._holders(a, _p(v)), a, v) for a, v in probes]

        async def body(tx: found.Transaction) -> None:
            for op, uid, mapping in plan:
                if op == "create":
                    eavstore.create(tx, self.store, mapping, uid)
                elif op == "update":
                    await eavstore.update(tx, self.store, uid, mapping)
                else:
                    await eavstore.remove(tx, self.store, uid)
            # the finders see the transaction's own writes (counts included)
            for holders, attribute, value in expected:
                uids = [u async for u in eavstore.query(tx, self.store, attribute, value)]
                assert [_p(u) for u in uids] == holders
                assert await eavstore.count(tx, self.store, attribute, value) == len(holders)
            if len(expected) >= 2:
                (first, a, x), (second, b, y) = expected[0], expected[-1]
                if a != b:
                    both = [u async for u in eavstore.match(tx, self.store, {a: x, b: y})]
                    assert [_p(u) for u in both] == sorted(set(first) & set(second))

        self.run(body)

    # -- reads ------------------------------------------------------------------------------
    @rule(uid=st.one_of(uids, UIDS))
    def get(self, uid: Any) -> None:
        """get() equals the model's mapping (compared packed)."""
        got = self.run(eavstore.get, self.store, uid)
        expected = self.model.get(_p(uid), (uid, {}))[1]
        assert {_p(a): _p(v) for a, v in got.items()} == expected

    @rule(attribute=st.sampled_from(INDEXED), value=VALUES)
    def query_and_count(self, attribute: str, value: Any) -> None:
        """query() lists the model's holders in packed-uid order; count() agrees."""

        async def body(tx: found.Transaction) -> tuple[list[Any], int]:
            uids = [u async for u in eavstore.query(tx, self.store, attribute, value)]
            return uids, await eavstore.count(tx, self.store, attribute, value)

        uids, count = self.run(body)
        expected = self._holders(attribute, _p(value))
        assert [_p(u) for u in uids] == expected
        assert count == len(expected)

    @rule(attribute=st.sampled_from(INDEXED), lo=VALUES, hi=VALUES, reverse=st.booleans())
    def between(self, attribute: str, lo: Any, hi: Any, reverse: bool) -> None:
        """between() lists the holders of lo <= value < hi in (value, uid) order."""

        async def body(tx: found.Transaction) -> list[Any]:
            rows = eavstore.between(tx, self.store, attribute, lo, hi, reverse=reverse)
            return [u async for u in rows]

        got = [_p(u) for u in self.run(body)]
        pattr, plo, phi = _p(attribute), _p(lo), _p(hi)
        expected = sorted(
            (rows[pattr], p)
            for p, (_, rows) in self.model.items()
            if pattr in rows and plo <= rows[pattr] < phi
        )
        assert got == [p for _, p in (reversed(expected) if reverse else expected)]

    @rule(
        conditions=st.dictionaries(
            st.sampled_from(INDEXED), st.one_of(st.sampled_from(TRICKY_VALUES), VALUES), min_size=1
        ),
        ratio=RATIOS,
    )
    def match(self, conditions: dict[str, Any], ratio: int) -> None:
        """match() lists the entities holding every condition, in packed-uid order, whether
        it merges every condition (a huge ratio), probes every one (0), or mixes (8)."""

        async def body(tx: found.Transaction) -> list[Any]:
            return [u async for u in eavstore.match(tx, self.store, conditions)]

        saved = query_module.MERGE_RATIO
        query_module.MERGE_RATIO = ratio
        try:
            got = [_p(u) for u in self.run(body)]
        finally:
            query_module.MERGE_RATIO = saved
        wanted = {_p(a): _p(v) for a, v in conditions.items()}
        expected = sorted(
            p
            for p, (_, rows) in self.model.items()
            if all(rows.get(a) == v for a, v in wanted.items())
        )
        assert got == expected

    @rule(uid=uids, data=st.data(), ratio=RATIOS)
    def match_an_existing_entity(self, uid: Any, data: st.DataObject, ratio: int) -> None:
        """match() on two or more of an entity's own values finds it (non-empty answers)."""
        mapping = self.values.get(_p(uid), {})
        indexed = sorted(a for a in mapping if a in INDEXED)
        if len(indexed) < 2:
            return
        chosen = data.draw(st.lists(st.sampled_from(indexed), min_size=2, unique=True))
        self.match({a: mapping[a] for a in chosen}, ratio)

    # -- the whole keyspace -----------------------------------------------------------------
    @invariant()
    def keyspace_is_exactly_what_the_model_implies(self) -> None:
        """Rows, index rows and counts are exactly the model's; no zero or stale key."""
        store = self.store
        expected: dict[bytes, bytes] = {}
        counts: dict[bytes, int] = {}
        unindexed = _p("blob")
        for puid, (_, rows) in self.model.items():
            for pattr, pvalue in rows.items():
                expected[store.entities + puid + pattr] = pvalue
                if pattr != unindexed:
                    expected[store.index + pattr + pvalue + puid] = b""
                    counts[pattr + pvalue] = counts.get(pattr + pvalue, 0) + 1
        for pair, n in counts.items():
            expected[store.counts + pair] = n.to_bytes(8, "little", signed=True)
        prefix = found.pack(store.prefix)

        async def scan(tx: found.Transaction) -> dict[bytes, bytes]:
            return dict(await found.all(tx, prefix, prefix + b"\xff"))

        actual = self.run(scan)
        assert actual == expected


SETTINGS = settings(
    max_examples=100,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


class SqliteModel(EAVModel):
    """The same machine on a sqlite:// file."""

    target = "sqlite://TMP"


class FaultyModel(EAVModel):
    """The same machine with conflicts and lost commit acknowledgements (applied, then 1021):
    retried updates and removes must stay exact."""

    faults = {"conflict_rate": 0.15, "unknown_result_rate": 0.15}  # noqa: RUF012


TestEAVModelOnMemory = EAVModel.TestCase
TestEAVModelOnMemory.settings = SETTINGS
TestEAVModelOnSqlite = SqliteModel.TestCase
TestEAVModelOnSqlite.settings = settings(SETTINGS, max_examples=40)
TestEAVModelWithFaults = FaultyModel.TestCase
TestEAVModelWithFaults.settings = settings(SETTINGS, max_examples=50)
