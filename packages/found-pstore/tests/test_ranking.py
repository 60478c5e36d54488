"""Exact BM25 scores on a small corpus checked by hand, and the order of the results."""

from __future__ import annotations

import math
from typing import Any

import pytest

import found
import found_pstore as pstore

# Six documents, average length 4 (lengths 2, 4, 6, 4, 4, 4). With k1 = 1.2 and b = 0.75 the
# length factor K = k1 * (1 - b + b * dl / 4) is 0.75 for dl = 2, 1.2 for dl = 4, 1.65 for dl = 6.
CORPUS: dict[int, dict[str, int]] = {
    1: {"fox": 1, "dog": 1},
    2: {"dog": 3, "cat": 1},
    3: {"cat": 2, "dog": 1, "emu": 3},
    4: {"cat": 1, "emu": 3},
    5: {"owl": 4},
    6: {"owl": 2, "cat": 2},
}
# idf = log((N - n + 0.5) / (n + 0.5)) with N = 6, floored at 1e-6.
IDF_FOX = math.log(5.5 / 1.5)  # n = 1
IDF_EMU = math.log(4.5 / 2.5)  # n = 2 (owl too)
FLOOR = 1e-6  # dog (n = 3: log(1) = 0) and cat (n = 4: negative)


def _store(found_prefix: bytes, name: str = "docs") -> pstore.PStore:
    return pstore.make(name, (*found.unpack(found_prefix), name))


async def _load(
    db: found.Database, store: pstore.PStore, corpus: dict[Any, dict[str, int]]
) -> None:
    async def load(tx: found.Transaction) -> None:
        for uid, counter in corpus.items():
            await pstore.index(tx, store, uid, counter)

    await found.transactional(db, load)


async def _search(
    db: found.Database, store: pstore.PStore, keywords: list[str], limit: int = 10
) -> list[tuple[Any, float]]:
    return await found.transactional(db, pstore.search, store, keywords, limit)


def _check(got: list[tuple[Any, float]], expected: list[tuple[Any, float]]) -> None:
    assert [uid for uid, _ in got] == [uid for uid, _ in expected]
    for (_, score), (_, want) in zip(got, expected, strict=True):
        assert math.isclose(score, want, rel_tol=1e-12), (score, want)


async def test_scores_match_hand_computed_bm25(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """Each query's scores equal the BM25 values worked out by hand for the six documents."""
    store = _store(found_prefix)
    await _load(found_db, store, CORPUS)
    # emu: doc 4 has tf 3, dl 4 (K 1.2); doc 3 has tf 3, dl 6 (K 1.65).
    _check(
        await _search(found_db, store, ["emu"]),
        [(4, IDF_EMU * 6.6 / 4.2), (3, IDF_EMU * 6.6 / 4.65)],
    )
    # fox: doc 1 only, tf 1, dl 2 (K 0.75).
    _check(await _search(found_db, store, ["fox"]), [(1, IDF_FOX * 2.2 / 1.75)])
    # owl: doc 5 tf 4, doc 6 tf 2, both dl 4.
    _check(
        await _search(found_db, store, ["owl"]),
        [(5, IDF_EMU * 8.8 / 5.2), (6, IDF_EMU * 4.4 / 3.2)],
    )
    # dog is in half the documents: its weight is the floor, the tf part still orders them.
    _check(
        await _search(found_db, store, ["dog"]),
        [(2, FLOOR * 6.6 / 4.2), (1, FLOOR * 2.2 / 1.75), (3, FLOOR * 2.2 / 2.65)],
    )
    # cat AND emu: only docs 3 and 4; scores add up in the keywords' order.
    _check(
        await _search(found_db, store, ["cat", "emu"]),
        [
            (4, FLOOR * 2.2 / 2.2 + IDF_EMU * 6.6 / 4.2),
            (3, FLOOR * 4.4 / 3.65 + IDF_EMU * 6.6 / 4.65),
        ],
    )


async def test_search_returns_only_documents_holding_every_keyword(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """A document missing one keyword never appears; a keyword nobody has gives nothing."""
    store = _store(found_prefix)
    await _load(found_db, store, CORPUS)
    assert [uid for uid, _ in await _search(found_db, store, ["dog", "cat"])] == [2, 3]
    assert await _search(found_db, store, ["fox", "owl"]) == []
    assert await _search(found_db, store, ["dog", "unicorn"]) == []
    assert await _search(found_db, store, ["unicorn"]) == []


async def test_limit_keeps_the_best(found_db: found.Database, found_prefix: bytes) -> None:
    """limit cuts the list after the best documents; 0 gives an empty list."""
    store = _store(found_prefix)
    await _load(found_db, store, CORPUS)
    full = await _search(found_db, store, ["cat"], 10)
    assert len(full) == 4
    assert await _search(found_db, store, ["cat"], 2) == full[:2]
    assert await _search(found_db, store, ["cat"], 0) == []


async def test_equal_scores_are_ordered_by_docuid(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """Documents with the same score come out in the tuple layer's order of their ids."""
    store = _store(found_prefix)
    uids: list[Any] = [30, 2, "b", "a", 7, b"z", (1, 2)]
    await _load(found_db, store, {uid: {"same": 1, "other": 1} for uid in uids})
    await _load(found_db, store, {"filler": {"x": 1, "y": 1}})
    results = await _search(found_db, store, ["same"], 10)
    assert len({score for _, score in results}) == 1
    in_order = sorted(uids, key=lambda uid: found.pack((uid,)))
    assert in_order == [b"z", "a", "b", (1, 2), 2, 7, 30]
    assert [uid for uid, _ in results] == in_order
    assert [uid for uid, _ in await _search(found_db, store, ["same"], 3)] == in_order[:3]


async def test_repeated_keyword_counts_once(found_db: found.Database, found_prefix: bytes) -> None:
    """['emu', 'emu'] scores exactly as ['emu']."""
    store = _store(found_prefix)
    await _load(found_db, store, CORPUS)
    assert await _search(found_db, store, ["emu", "emu"]) == await _search(found_db, store, ["emu"])


async def test_empty_store_finds_nothing(found_db: found.Database, found_prefix: bytes) -> None:
    """A search in a store with no document returns an empty list."""
    assert await _search(found_db, _store(found_prefix), ["anything"]) == []


async def test_snapshot_search_ranks_the_same(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """A search through a snapshot transaction returns what a plain one returns."""
    store = _store(found_prefix)
    await _load(found_db, store, CORPUS)
    for keywords in (["cat"], ["cat", "emu"], ["dog", "unicorn"]):
        plain = await _search(found_db, store, keywords)
        snapshot = await found.transactional(
            found_db, pstore.search, store, keywords, 10, snapshot=True
        )
        assert snapshot == plain


async def test_index_sees_its_own_writes(found_db: found.Database, found_prefix: bytes) -> None:
    """A search in the transaction that indexed finds the new document with its exact score."""
    store = _store(found_prefix)

    async def index_then_search(tx: found.Transaction) -> list[tuple[Any, float]]:
        for uid, counter in CORPUS.items():
            await pstore.index(tx, store, uid, counter)
        return await pstore.search(tx, store, ["fox"], 10)

    _check(await found.transactional(found_db, index_then_search), [(1, IDF_FOX * 2.2 / 1.75)])


async def test_tokenized_text_ranks_like_counts(
    found_db: found.Database, found_prefix: bytes
) -> None:
    """index(tokenize(text)) is the same as indexing the counts of its lower-cased words."""
    store = _store(found_prefix)
    texts = {1: "Fox, dog.", 2: "dog DOG dog cat", 3: "cat-cat dog emu emu emu"}
    await _load(found_db, store, {uid: pstore.tokenize(text) for uid, text in texts.items()})
    other = _store(found_prefix, "counts")
    await _load(found_db, other, {uid: dict(CORPUS[uid]) for uid in texts})
    for keywords in (["dog"], ["cat", "emu"], ["fox"]):
        assert await _search(found_db, store, keywords) == await _search(found_db, other, keywords)


@pytest.mark.parametrize("words", [["cat"], ["dog", "cat"], ["emu", "cat", "dog"]])
async def test_scores_equal_sqlite_fts5_bm25(
    found_db: found.Database,
    found_prefix: bytes,
    words: list[str],
    request: pytest.FixtureRequest,
) -> None:
    """On the same text, scores equal SQLite FTS5's bm25() (negated), as the README claims."""
    sqlite3 = pytest.importorskip("sqlite3")
    conn = sqlite3.connect(":memory:")
    request.addfinalizer(conn.close)  # Python 3.13 warns about unclosed connections
    try:
        conn.execute("CREATE VIRTUAL TABLE t USING fts5(body)")
    except sqlite3.OperationalError:
        pytest.skip("this sqlite3 has no FTS5")
    texts = {uid: " ".join(w for w, n in c.items() for _ in range(n)) for uid, c in CORPUS.items()}
    conn.executemany("INSERT INTO t(rowid, body) VALUES (?, ?)", texts.items())
    query = " AND ".join(f'"{w}"' for w in words)
    rows = conn.execute("SELECT rowid, -bm25(t) FROM t WHERE t MATCH ?", (query,)).fetchall()
    store = _store(found_prefix)
    await _load(found_db, store, {uid: pstore.tokenize(text) for uid, text in texts.items()})
    ours = dict(await _search(found_db, store, words))
    assert ours.keys() == {uid for uid, _ in rows}
    for uid, score in rows:
        assert math.isclose(ours[uid], score, rel_tol=1e-12)
