"""eavstore on WordNet synsets against raw ``sqlite3`` with an EAV table, on the same machine.

Data: every synset of WordNet 3.0 (``/usr/share/wordnet/data.{noun,verb,adj,adv}``), shuffled
with a fixed seed, 100,000 of them (3,000 with ``--quick``), each a mapping of 6 to 10
attributes: ``id`` (the synset's offset), ``pos``, ``lexname`` (its lexicographer file),
``gloss_len``, ``nwords`` and ``word0`` .. ``word4`` (its first five words). Without WordNet
the same shapes are generated (the note says so).

The anchor is what a Python programmer would write by hand: one table
``eav(entity BLOB, attribute TEXT, value, PRIMARY KEY (entity, attribute)) WITHOUT ROWID``, an
index on ``(attribute, value)``, WAL journal, ``synchronous=NORMAL``, one autocommit statement
per operation. Each operation of ours is one ``found.transactional`` call. Workloads, each
returning the same answer on both sides (checked before timing):

* ``get``: a random entity's mapping (``SELECT attribute, value ... WHERE entity = ?``);
* ``10 gets in one transaction``: ten entities read in one transaction on both sides (the
  anchor between ``BEGIN`` and ``COMMIT``), the cost of a consistent multi-entity read;
* ``query``: the uids with ``word0`` equal to a random word (1 to a few uids), and the uids of
  a mid-sized ``lexname`` (1 to 5 percent of the entities);
* ``match``: ``pos`` and ``word0`` of a random entity (a tiny set against a huge one; the
  anchor joins the table to itself), and ``lexname`` with ``nwords = 1``;
* ``between``: the uids with ``gloss_len`` in a window of 2;
* ``count``: the number of entities of a ``lexname`` (the anchor counts index entries);
* ``load``: creating every entity, 500 per transaction (one run, not best-of).

Rates are operations per second; ours and the anchor are measured in alternating rounds in the
same run (best round of each), on ``sqlite://`` and then ``memory://``.
"""

from __future__ import annotations

import asyncio
import random
import sqlite3
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from _harness import Row, ainterleaved, row

import found
import found_eavstore as eavstore
from found._demo_wordnet import LEXNAMES  # by number, as a data line's second field

WORDNET = Path("/usr/share/wordnet")
FILES = ("noun", "verb", "adj", "adv")
MAX_WORDS = 5
BATCH = 500
_NAMESPACE = uuid.UUID("6f1d1d4e-1a8e-4d7e-9a55-7a3f0c2b9e10")

Entity = tuple[uuid.UUID, dict[str, Any]]


def _lines() -> list[str]:
    """The synset lines of every WordNet data file (the licence header left out)."""
    lines: list[str] = []
    for name in FILES:
        with (WORDNET / f"data.{name}").open(encoding="utf-8", errors="replace") as data:
            lines += [line for line in data if not line.startswith(" ") and line.strip()]
    return lines


def _parse(line: str) -> dict[str, Any]:
    """The mapping of one synset line: ``offset lex_filenum ss_type w_cnt word lex_id ... |
    gloss``."""
    head, _, gloss = line.partition(" | ")
    fields = head.split()
    count = int(fields[3], 16)
    words = [fields[4 + 2 * i].replace("_", " ").lower() for i in range(count)]
    mapping: dict[str, Any] = {
        "id": int(fields[0]),
        "pos": fields[2],
        "lexname": LEXNAMES[int(fields[1])],
        "gloss_len": len(gloss.strip()),
        "nwords": count,
    }
    mapping.update({f"word{i}": w for i, w in enumerate(words[:MAX_WORDS])})
    return mapping


def _synthetic(limit: int) -> list[dict[str, Any]]:
    """Mappings of the same shape when WordNet is not installed."""
    rnd = random.Random(3)
    out = []
    for i in range(limit):
        count = rnd.choice([1, 1, 1, 2, 2, 3, 4, 6])
        words = [f"w{rnd.randrange(limit)}" for _ in range(count)]
        out.append(
            {
                "id": i,
                "pos": rnd.choice("nnnnnvvaasr"),
                "lexname": rnd.choice(LEXNAMES),
                "gloss_len": int(rnd.gauss(80, 30)),
                "nwords": count,
                **{f"word{j}": w for j, w in enumerate(words[:MAX_WORDS])},
            }
        )
    return out


def entities(limit: int) -> tuple[list[Entity], str]:
    """``limit`` entities (uid, mapping) and where they come from."""
    if all((WORDNET / f"data.{name}").is_file() for name in FILES):
        lines = _lines()
        random.Random(7).shuffle(lines)
        mappings = [_parse(line) for line in lines[:limit]]
        source = f"WordNet 3.0 ({len(lines):,} synsets)"
    else:
        mappings = _synthetic(limit)
        source = "synthetic data (WordNet not installed)"
    return [(uuid.uuid5(_NAMESPACE, f"{m['pos']}{m['id']}"), m) for m in mappings], source


# --- the anchor ---------------------------------------------------------------------------


class Anchor:
    """Raw sqlite3: one EAV table, an index on (attribute, value)."""

    def __init__(self, path: Path) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.conn.execute(
            "CREATE TABLE eav (entity BLOB NOT NULL, attribute TEXT NOT NULL, value,"
            " PRIMARY KEY (entity, attribute)) WITHOUT ROWID"
        )
        self.conn.execute("CREATE INDEX eav_av ON eav (attribute, value)")

    def load(self, data: list[Entity]) -> float:
        """Insert everything, BATCH entities per transaction; return the seconds taken."""
        start = time.perf_counter()
        for first in range(0, len(data), BATCH):
            self.conn.execute("BEGIN")
            self.conn.executemany(
                "INSERT INTO eav VALUES (?, ?, ?)",
                (
                    (uid.bytes, a, v)
                    for uid, mapping in data[first : first + BATCH]
                    for a, v in mapping.items()
                ),
            )
            self.conn.execute("COMMIT")
        self.conn.execute("ANALYZE")
        return time.perf_counter() - start

    def get(self, uid: uuid.UUID) -> dict[str, Any]:
        """The entity's mapping."""
        sql = "SELECT attribute, value FROM eav WHERE entity = ?"
        return dict(self.conn.execute(sql, (uid.bytes,)).fetchall())

    def get_many(self, *uids: uuid.UUID) -> list[dict[str, Any]]:
        """Several entities' mappings, read in one SQLite transaction (a consistent view)."""
        self.conn.execute("BEGIN")
        try:
            return [self.get(uid) for uid in uids]
        finally:
            self.conn.execute("COMMIT")

    def query(self, attribute: str, value: Any) -> list[uuid.UUID]:
        """Uids with attribute = value."""
        sql = "SELECT entity FROM eav WHERE attribute = ? AND value = ?"
        return [uuid.UUID(bytes=e) for (e,) in self.conn.execute(sql, (attribute, value))]

    def match(self, a: str, x: Any, b: str, y: Any) -> list[uuid.UUID]:
        """Uids with a = x and b = y (a self-join; SQLite picks the plan)."""
        sql = (
            "SELECT p.entity FROM eav AS p JOIN eav AS q ON q.entity = p.entity"
            " WHERE p.attribute = ? AND p.value = ? AND q.attribute = ? AND q.value = ?"
        )
        return [uuid.UUID(bytes=e) for (e,) in self.conn.execute(sql, (a, x, b, y))]

    def between(self, attribute: str, lo: Any, hi: Any) -> list[uuid.UUID]:
        """Uids with lo <= attribute's value < hi."""
        sql = "SELECT entity FROM eav WHERE attribute = ? AND value >= ? AND value < ?"
        return [uuid.UUID(bytes=e) for (e,) in self.conn.execute(sql, (attribute, lo, hi))]

    def count(self, attribute: str, value: Any) -> int:
        """How many entities have attribute = value."""
        sql = "SELECT COUNT(*) FROM eav WHERE attribute = ? AND value = ?"
        return int(self.conn.execute(sql, (attribute, value)).fetchone()[0])


# --- ours ---------------------------------------------------------------------------------

STORE = eavstore.make("synsets", ("bench", "synsets"))


async def load(db: Any, data: list[Entity]) -> float:
    """Create everything, BATCH entities per transaction; return the seconds taken."""

    async def write(tx: found.Transaction, batch: list[Entity]) -> None:
        for uid, mapping in batch:
            eavstore.create(tx, STORE, mapping, uid)

    start = time.perf_counter()
    for first in range(0, len(data), BATCH):
        await found.transactional(db, write, data[first : first + BATCH])
    return time.perf_counter() - start


async def _get_many(tx: found.Transaction, *uids: Any) -> list[dict[Any, Any]]:
    return [await eavstore.get(tx, STORE, uid) for uid in uids]


async def _query(tx: found.Transaction, attribute: str, value: Any) -> list[Any]:
    return [u async for u in eavstore.query(tx, STORE, attribute, value)]


async def _match(tx: found.Transaction, conditions: dict[str, Any]) -> list[Any]:
    return [u async for u in eavstore.match(tx, STORE, conditions)]


async def _between(tx: found.Transaction, attribute: str, lo: Any, hi: Any) -> list[Any]:
    return [u async for u in eavstore.between(tx, STORE, attribute, lo, hi)]


# --- workloads ----------------------------------------------------------------------------


class Workload:
    """One operation with a list of arguments, run by both sides cycling through them."""

    def __init__(
        self,
        name: str,
        args: list[tuple[Any, ...]],
        ours: Callable[..., Awaitable[Any]],
        anchor: Callable[..., Any],
    ) -> None:
        self.name = name
        self.args = args
        self.ours = ours
        self.anchor = anchor

    def sizes(self, anchor_results: list[Any]) -> str:
        """A note on the answers' sizes."""
        lengths = [r if isinstance(r, int) else len(r) for r in anchor_results]
        return f"answers of {min(lengths)}-{max(lengths)} (mean {sum(lengths) / len(lengths):.0f})"


def workloads(data: list[Entity], anchor: Anchor, n: int) -> list[Workload]:
    """The workloads, with ``n`` argument sets each, drawn with a fixed seed."""
    rnd = random.Random(11)
    picks = [data[rnd.randrange(len(data))] for _ in range(n)]
    lexcount = Counter(m["lexname"] for _, m in data)
    mid = sorted(
        (name for name, c in lexcount.items() if 0.01 * len(data) <= c <= 0.05 * len(data)),
        key=lexcount.__getitem__,
    ) or [lexcount.most_common(1)[0][0]]
    windows = [rnd.randrange(40, 120) for _ in range(n)]
    lexnames = [mid[i % len(mid)] for i in range(n)]
    return [
        Workload(
            "get",
            [(uid,) for uid, _ in picks],
            lambda db, uid: found.transactional(db, eavstore.get, STORE, uid),
            anchor.get,
        ),
        Workload(
            "10 gets in one transaction",
            [tuple(uid for uid, _ in picks[i : i + 10]) for i in range(0, n - 9, 10)] or [()],
            lambda db, *uids: found.transactional(db, _get_many, *uids),
            anchor.get_many,
        ),
        Workload(
            "query word0 (selective)",
            [("word0", m["word0"]) for _, m in picks],
            lambda db, a, v: found.transactional(db, _query, a, v),
            anchor.query,
        ),
        Workload(
            "query lexname (1-5% each)",
            [("lexname", name) for name in lexnames],
            lambda db, a, v: found.transactional(db, _query, a, v),
            anchor.query,
        ),
        Workload(
            "match pos + word0",
            [("word0", m["word0"], "pos", m["pos"]) for _, m in picks],
            lambda db, a, x, b, y: found.transactional(db, _match, {a: x, b: y}),
            anchor.match,
        ),
        Workload(
            "match lexname + nwords=1",
            [("lexname", name, "nwords", 1) for name in lexnames],
            lambda db, a, x, b, y: found.transactional(db, _match, {a: x, b: y}),
            anchor.match,
        ),
        Workload(
            "between gloss_len [L, L+2)",
            [("gloss_len", lo, lo + 2) for lo in windows],
            lambda db, a, lo, hi: found.transactional(db, _between, a, lo, hi),
            anchor.between,
        ),
        Workload(
            "count lexname",
            [("lexname", name) for name in lexnames],
            lambda db, a, v: found.transactional(db, eavstore.count, STORE, a, v),
            anchor.count,
        ),
    ]


def _same(ours: Any, theirs: Any) -> bool:
    if isinstance(ours, list) and not (ours and isinstance(ours[0], dict)):
        return sorted(ours) == sorted(theirs)
    return bool(ours == theirs)


async def _measure(db: Any, work: Workload, quick: bool) -> tuple[float, float, str]:
    """(ours ops/s, anchor ops/s, note), after checking both sides agree."""
    checked = [work.anchor(*args) for args in work.args[:20]]
    for some, theirs in zip(work.args[:20], checked, strict=True):
        answer = await work.ours(db, *some)
        if not _same(answer, theirs):
            raise RuntimeError(f"{work.name}: ours {answer!r:.200} != anchor {theirs!r:.200}")
    position = {"ours": 0, "anchor": 0}
    args = work.args

    async def ours() -> None:
        i = position["ours"] = (position["ours"] + 1) % len(args)
        await work.ours(db, *args[i])

    async def anchor() -> None:
        i = position["anchor"] = (position["anchor"] + 1) % len(args)
        work.anchor(*args[i])

    rates = await ainterleaved(
        {"ours": ours, "anchor": anchor},
        rounds=2 if quick else 5,
        min_time=0.03 if quick else 0.3,
    )
    return rates["ours"], rates["anchor"], work.sizes(checked)


def run(quick: bool) -> list[Row]:
    """Load the synsets into each engine and the anchor; time every workload on both."""
    size = 3_000 if quick else 100_000
    data, source = entities(size)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        anchor = Anchor(Path(tmp) / "anchor.sqlite")
        anchor_load = anchor.load(data)
        jobs = workloads(data, anchor, 500 if quick else 2_000)
        for engine, target in (("sqlite", f"sqlite://{tmp}/eav.found"), ("memory", "memory://")):

            async def bench(target: str = target, engine: str = engine) -> None:
                async with await found.open(target) as db:
                    seconds = await load(db, data)
                    rows.append(
                        row(
                            f"{engine}: load {len(data):,} entities",
                            "entities/s",
                            len(data) / seconds,
                            "raw sqlite3",
                            len(data) / anchor_load,
                            note=f"{source}; {BATCH} per transaction; one run",
                        )
                    )
                    for work in jobs:
                        ours, theirs, note = await _measure(db, work, quick)
                        rows.append(
                            row(
                                f"{engine}: {work.name}", "ops/s", ours, "raw sqlite3", theirs, note
                            )
                        )

            asyncio.run(bench())
        anchor.conn.close()
    return rows


if __name__ == "__main__":  # pragma: no cover
    import sys

    for r in run("--quick" in sys.argv):
        print(r)
