"""pstore against SQLite FTS5 on WordNet 3.0 glosses, in the same run.

Data: every gloss of WordNet 3.0 (``/usr/share/wordnet/data.{noun,verb,adj,adv}``, Debian's
``wordnet-base``) is one document, 117,659 in full mode; quick mode takes 3,000 spread over the
four files. Document ``i`` is ``pstore`` docuid ``i`` and FTS5 rowid ``i``. pstore indexes
``pstore.tokenize(gloss)``; FTS5 indexes the gloss with its default ``unicode61`` tokenizer (on
this ASCII text both give the same words). Both live in files: pstore on ``sqlite://``, FTS5 in
a WAL-mode SQLite file with ``synchronous=NORMAL``, both committing every 500 documents.

Queries: AND queries of one to three words drawn from the glosses themselves (so each has at
least one hit), by document-frequency band: rare (df 2-20), medium (21-500), frequent
(501-5,000) and very frequent (over 5,000: "a", "of", "the", "or", ...), bounds scaled to the
corpus in quick mode, in ten shapes from one rare word to three words of which one is very
frequent. FTS5 answers
``SELECT rowid, bm25(docs) FROM docs WHERE docs MATCH '"w1" "w2"' ORDER BY bm25(docs), rowid
LIMIT 10`` (the rowid breaks ties as pstore's docuid order does); pstore answers
``search(tx, store, [w1, w2], 10)`` in one read-only transaction per query.

Rows:

* indexing throughput, documents per second (full mode: one load of the whole corpus by each;
  quick mode: best of alternating rounds into fresh databases);
* queries per second over the whole query set, best of alternating rounds after a warm-up
  pass, with the garbage collector paused as in ``_harness``; the same with the collector
  running (the process holds the corpus, so its full collections are not free); per shape;
* mean overlap of the top-10 document sets (1.0 when identical), and the largest relative
  difference between pstore's score and FTS5's ``-bm25()`` for the same document;
* the largest number of sequential round trips of a search (1 ms of injected read latency,
  ``found.testing.faults(db).round_trips``), and the slowest search against the 5-second
  transaction limit.
"""

from __future__ import annotations

import asyncio
import gc
import random
import sqlite3
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from _harness import Row, row

import found
import found.testing
import found_pstore as pstore

WORDNET = Path("/usr/share/wordnet")
PARTS = ("noun", "verb", "adj", "adv")
QUICK_DOCUMENTS = 3_000
BATCH = 500
LIMIT = 10
# Upper bounds of the document-frequency bands, as fractions of the corpus (for the whole of
# WordNet: 20, 500 and 5,000 documents); "rare" starts at 2 documents.
BANDS = {"rare": 20 / 117_659, "medium": 500 / 117_659, "frequent": 5_000 / 117_659, "very": 1.0}
SHAPES: list[tuple[str, ...]] = [
    ("rare",),
    ("medium",),
    ("frequent",),
    ("very",),
    ("rare", "medium"),
    ("medium", "frequent"),
    ("frequent", "frequent"),
    ("rare", "very"),
    ("frequent", "very"),
    ("medium", "frequent", "very"),
]
FTS_QUERY = (
    "SELECT rowid, bm25(docs) FROM docs WHERE docs MATCH ? ORDER BY bm25(docs), rowid LIMIT ?"
)

Query = list[str]


def glosses(limit: int | None = None) -> list[tuple[int, str]]:
    """``(docuid, gloss)`` for WordNet's glosses; with ``limit``, that many spread over the files.

    >>> len(glosses(8)) == 8 if (WORDNET / "data.noun").exists() else True
    True
    """
    per_part: list[list[str]] = []
    for part in PARTS:
        texts = []
        with (WORDNET / f"data.{part}").open(encoding="utf-8", errors="replace") as lines:
            for line in lines:
                if line.startswith(" ") or " | " not in line:
                    continue  # the licence header
                texts.append(line.partition(" | ")[2].strip())
        per_part.append(texts)
    if limit is not None:
        total = sum(len(texts) for texts in per_part)
        counts = [max(1, limit * len(texts) // total) for texts in per_part]
        counts[0] = limit - sum(counts[1:])
        per_part = [texts[:count] for texts, count in zip(per_part, counts, strict=True)]
    return [(uid, text) for uid, text in enumerate((t for ts in per_part for t in ts), start=1)]


def make_queries(
    docs: Sequence[tuple[int, str]], per_shape: int, seed: int = 7
) -> dict[tuple[str, ...], list[Query]]:
    """AND queries by shape (see ``SHAPES``), each drawn from one document so it has a hit.

    >>> make_queries([(1, "a b"), (2, "b c"), (3, "b")], 1)[("very",)]  # b: in every one
    [['b']]
    """
    counts = [pstore.tokenize(text) for _, text in docs]
    df: Counter[str] = Counter()
    for counter in counts:
        df.update(counter.keys())

    def band(word: str) -> str | None:
        if df[word] < 2:
            return None
        for name, fraction in BANDS.items():
            if df[word] <= max(2, round(fraction * len(docs))):
                return name
        return None

    by_band = [
        {name: sorted(w for w in counter if band(w) == name) for name in BANDS}
        for counter in counts
    ]
    rnd = random.Random(seed)
    queries: dict[tuple[str, ...], list[Query]] = {}
    for shape in SHAPES:
        found_here = queries[shape] = []
        seen: set[tuple[str, ...]] = set()
        for _ in range(per_shape * 200):
            if len(seen) == per_shape:
                break
            words = by_band[rnd.randrange(len(docs))]
            need = Counter(shape)
            if any(len(words[name]) < n for name, n in need.items()):
                continue
            query = tuple(w for name, n in need.items() for w in rnd.sample(words[name], n))
            if query not in seen:
                seen.add(query)
                found_here.append(list(query))
    return queries


def _fts_match(query: Query) -> str:
    return " ".join(f'"{word}"' for word in query)


def _fts_open(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE VIRTUAL TABLE docs USING fts5(body)")
    return conn


def _fts_load(conn: sqlite3.Connection, docs: Sequence[tuple[int, str]]) -> float:
    """Seconds to index ``docs`` into FTS5, committing every BATCH documents."""
    gc.collect()
    start = time.perf_counter()
    for begin in range(0, len(docs), BATCH):
        conn.execute("BEGIN")
        conn.executemany("INSERT INTO docs(rowid, body) VALUES (?, ?)", docs[begin : begin + BATCH])
        conn.execute("COMMIT")
    return time.perf_counter() - start


async def _ours_load(db: Any, store: pstore.PStore, docs: Sequence[tuple[int, str]]) -> float:
    """Seconds to index ``docs`` into pstore, one transaction every BATCH documents."""

    async def load(tx: found.Transaction, batch: Sequence[tuple[int, str]]) -> None:
        for uid, text in batch:
            await pstore.index(tx, store, uid, pstore.tokenize(text))

    gc.collect()
    start = time.perf_counter()
    for begin in range(0, len(docs), BATCH):
        await found.transactional(db, load, docs[begin : begin + BATCH])
    return time.perf_counter() - start


async def _ours_search(db: Any, store: pstore.PStore, query: Query) -> list[tuple[Any, float]]:
    return await found.transactional(db, pstore.search, store, query, LIMIT)


def _fts_search(conn: sqlite3.Connection, query: Query) -> list[tuple[Any, float]]:
    return [(uid, -rank) for uid, rank in conn.execute(FTS_QUERY, (_fts_match(query), LIMIT))]


async def _time_ours(
    db: Any, store: pstore.PStore, queries: Sequence[Query], paused: bool = True
) -> float:
    """Seconds for pstore to answer ``queries``, with the garbage collector paused or not."""
    gc.collect()
    if paused:
        gc.disable()
    try:
        start = time.perf_counter()
        for query in queries:
            await _ours_search(db, store, query)
        return time.perf_counter() - start
    finally:
        gc.enable()


def _time_fts(conn: sqlite3.Connection, queries: Sequence[Query], paused: bool = True) -> float:
    """Seconds for FTS5 to answer ``queries``, with the garbage collector paused or not."""
    gc.collect()
    if paused:
        gc.disable()
    try:
        start = time.perf_counter()
        for query in queries:
            _fts_search(conn, query)
        return time.perf_counter() - start
    finally:
        gc.enable()


async def _query_rates(
    db: Any,
    store: pstore.PStore,
    conn: sqlite3.Connection,
    queries: Sequence[Query],
    rounds: int,
    paused: bool = True,
) -> tuple[float, float]:
    """Best queries/s of each over alternating rounds, starting with a different one each time.

    One untimed pass of each first warms the caches (SQLite's pages, the operating system's).
    """
    await _time_ours(db, store, queries, paused)
    _time_fts(conn, queries, paused)
    ours = fts = float("inf")
    for index in range(rounds):
        if index % 2:
            fts = min(fts, _time_fts(conn, queries, paused))
            ours = min(ours, await _time_ours(db, store, queries, paused))
        else:
            ours = min(ours, await _time_ours(db, store, queries, paused))
            fts = min(fts, _time_fts(conn, queries, paused))
    return len(queries) / ours, len(queries) / fts


async def _compare(
    db: Any, store: pstore.PStore, conn: sqlite3.Connection, queries: Sequence[Query]
) -> tuple[float, float, float, float, Query]:
    """Mean top-10 overlap, largest relative score difference, slowest search of each, and
    the query of pstore's slowest search."""
    overlaps = []
    worst_diff = 0.0
    slowest_ours = slowest_fts = 0.0
    slowest_query: Query = []
    for query in queries:
        start = time.perf_counter()
        ours = await _ours_search(db, store, query)
        elapsed = time.perf_counter() - start
        if elapsed > slowest_ours:
            slowest_ours, slowest_query = elapsed, query
        start = time.perf_counter()
        theirs = _fts_search(conn, query)
        slowest_fts = max(slowest_fts, time.perf_counter() - start)
        a, b = {uid for uid, _ in ours}, {uid for uid, _ in theirs}
        overlaps.append(len(a & b) / max(len(a), len(b)) if a or b else 1.0)
        their_scores = dict(theirs)
        for uid, score in ours:
            if uid in their_scores:
                diff = abs(score - their_scores[uid]) / max(abs(their_scores[uid]), 1e-300)
                worst_diff = max(worst_diff, diff)
    return sum(overlaps) / len(overlaps), worst_diff, slowest_ours, slowest_fts, slowest_query


async def _round_trips(db: Any, store: pstore.PStore, queries: Sequence[Query]) -> int:
    """The most sequential round trips one search took, with 1 ms of read latency."""
    knobs = found.testing.faults(db)
    most = 0
    knobs.read_latency = 0.001
    try:
        for query in queries:
            knobs.reset_counters()
            await _ours_search(db, store, query)
            most = max(most, knobs.round_trips)
    finally:
        knobs.read_latency = 0.0
    return most


async def _run(quick: bool, tmp: Path) -> list[Row]:
    docs = glosses(QUICK_DOCUMENTS if quick else None)
    by_shape = make_queries(docs, 6 if quick else 30)
    queries = [query for subset in by_shape.values() for query in subset]
    label = f"{len(docs):,} glosses"
    rows: list[Row] = []
    store = pstore.make("wordnet", ("wordnet",))
    if quick:  # several small loads, alternating, best of each
        ours_s = fts_s = float("inf")
        for index in range(2):
            db = await found.open(f"sqlite://{tmp / f'load{index}.found'}")
            conn = _fts_open(tmp / f"load{index}.fts")
            ours_s = min(ours_s, await _ours_load(db, store, docs))
            fts_s = min(fts_s, _fts_load(conn, docs))
            if index == 0:
                await db.close()
                conn.close()
        note = "best of 2 alternating loads"
    else:  # one load of the whole corpus each
        db = await found.open(f"sqlite://{tmp / 'full.found'}")
        conn = _fts_open(tmp / "full.fts")
        fts_s = _fts_load(conn, docs)
        ours_s = await _ours_load(db, store, docs)
        note = f"one load each, {ours_s:.0f} s against {fts_s:.1f} s"
    rows.append(
        row(f"index {label}", "docs/s", len(docs) / ours_s, "SQLite FTS5", len(docs) / fts_s, note)
    )
    try:
        rounds = 2 if quick else 3
        ours_rate, fts_rate = await _query_rates(db, store, conn, queries, rounds)
        rows.append(
            row(
                f"search top-{LIMIT}, {len(queries)} AND queries",
                "queries/s",
                ours_rate,
                "SQLite FTS5 bm25()",
                fts_rate,
                f"sqlite://, best of {rounds} alternating rounds",
            )
        )
        ours_rate, fts_rate = await _query_rates(db, store, conn, queries, 2, paused=False)
        rows.append(
            row(
                "  the same, garbage collector running",
                "queries/s",
                ours_rate,
                "SQLite FTS5 bm25()",
                fts_rate,
                "best of 2; every other row pauses it, as _harness does",
            )
        )
        if not quick:
            for shape, subset in by_shape.items():
                ours_rate, fts_rate = await _query_rates(db, store, conn, subset, rounds)
                rows.append(
                    row(f"  {' + '.join(shape)}", "queries/s", ours_rate, "SQLite FTS5", fts_rate)
                )
        overlap, diff, slowest_ours, slowest_fts, slowest = await _compare(db, store, conn, queries)
        rows.append(
            row(
                f"top-{LIMIT} overlap with FTS5",
                "mean overlap",
                overlap,
                "FTS5 (itself)",
                1.0,
                f"scores differ by at most {diff:.1e} (relative)",
            )
        )
        rows.append(
            row(
                "slowest search",
                "s",
                slowest_ours,
                "SQLite FTS5",
                slowest_fts,
                f"{' '.join(slowest)!r} over {len(docs):,} documents; a transaction lives 5 s",
            )
        )
        trips = await _round_trips(db, store, queries[:: max(1, len(queries) // 40)])
        rows.append(
            row(
                "sequential round trips per search (max)",
                "round trips",
                trips,
                "bound",
                4,
                "1 ms injected read latency, found.testing round-trip counter",
            )
        )
    finally:
        await db.close()
        conn.close()
    return rows


def run(quick: bool) -> list[Row]:
    """Index WordNet's glosses into pstore and FTS5, then compare searches.

    >>> callable(run)
    True
    """
    if not (WORDNET / "data.noun").exists():
        return [
            row("wordnet", "docs/s", 0.0, "SQLite FTS5", None, "skipped: no /usr/share/wordnet")
        ]
    with tempfile.TemporaryDirectory() as tmp:
        return asyncio.run(_run(quick, Path(tmp)))
