"""Property tests: pstore's results equal a brute-force BM25 over random corpora and histories."""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import found
import found_pstore as pstore
import found_pstore._search

K1, B = 1.2, 0.75
VOCABULARY = ["ant", "bee", "cat", "dog", "eel", "fox", "gnu", "hen"]
_SETTINGS = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
_prefixes = itertools.count()

# Terms: mostly a small vocabulary (so that documents share terms and lists are long relative
# to the corpus), sometimes any text.
terms = st.one_of(
    st.sampled_from(VOCABULARY),
    st.text(st.characters(exclude_categories=["Cs"]), max_size=6),  # any encodable str
)
counters = st.dictionaries(terms, st.integers(1, 6), max_size=6)
uids = st.one_of(st.integers(-3, 30), st.sampled_from(["a", "b", b"c", (1, "x")]))
# A history: index (uid, counter) or remove (uid, None).
operations = st.lists(st.tuples(uids, st.one_of(counters, st.none())), min_size=1, max_size=25)
queries = st.lists(st.lists(st.sampled_from(VOCABULARY), min_size=1, max_size=3), max_size=4)


def brute_force(
    corpus: Mapping[Any, Mapping[str, int]], keywords: list[str], limit: int
) -> list[tuple[Any, float]]:
    """BM25 written out plainly over the whole corpus, ties by packed id."""
    keywords = list(dict.fromkeys(keywords))
    n_docs = len(corpus)
    if not n_docs:
        return []
    avgdl = sum(sum(c.values()) for c in corpus.values()) / n_docs
    idf = {}
    for word in keywords:
        n = sum(1 for c in corpus.values() if word in c)
        raw = math.log((n_docs - n + 0.5) / (n + 0.5))
        idf[word] = raw if raw > 0 else 1e-6
    scored = []
    for uid, counter in corpus.items():
        if not all(word in counter for word in keywords):
            continue
        dl = sum(counter.values())
        score = 0.0
        for word in keywords:
            tf = counter[word]
            score += idf[word] * ((tf * (K1 + 1.0)) / (tf + K1 * (1 - B + B * dl / avgdl)))
        scored.append((uid, score))
    scored.sort(key=lambda pair: (-pair[1], found.pack((pair[0],))))
    return scored[:limit]


def _same(got: list[tuple[Any, float]], expected: list[tuple[Any, float]]) -> None:
    assert [uid for uid, _ in got] == [uid for uid, _ in expected]
    for (_, score), (_, want) in zip(got, expected, strict=True):
        assert math.isclose(score, want, rel_tol=1e-12, abs_tol=1e-300)


async def _replay(
    db: found.Database,
    store: pstore.PStore,
    history: list[tuple[Any, dict[str, int] | None]],
    together: bool,
) -> dict[Any, dict[str, int]]:
    """Apply a history of index/remove (one transaction each, or all in one); the survivors."""
    corpus: dict[bytes, tuple[Any, dict[str, int]]] = {}  # by packed id: 1 and True differ

    async def apply(tx: found.Transaction, uid: Any, counter: dict[str, int] | None) -> None:
        if counter is None:
            await pstore.remove(tx, store, uid)
        else:
            await pstore.index(tx, store, uid, counter)

    async def apply_all(tx: found.Transaction) -> None:
        for uid, counter in history:
            await apply(tx, uid, counter)

    if together:
        await found.transactional(db, apply_all)
    for uid, counter in history:
        if not together:
            await found.transactional(db, apply, uid, counter)
        if counter is None:
            corpus.pop(found.pack((uid,)), None)
        else:
            corpus[found.pack((uid,))] = (uid, counter)
    return dict(corpus.values())


@pytest.mark.parametrize("probe_ratio", [1, 10**9], ids=["probe", "scan"])
@_SETTINGS
@given(history=operations, searches=queries, limit=st.integers(0, 6))
async def test_search_equals_brute_force_bm25(
    found_db: found.Database,
    found_prefix: bytes,
    monkeypatch: pytest.MonkeyPatch,
    probe_ratio: int,
    history: list[tuple[Any, dict[str, int] | None]],
    searches: list[list[str]],
    limit: int,
) -> None:
    """After any history of index and remove, every search equals brute force on the end state."""
    monkeypatch.setattr(found_pstore._search, "PROBE_RATIO", probe_ratio)
    monkeypatch.setattr(found_pstore._search, "SLICE", 3)  # many slices even in tiny corpora
    store = pstore.make("p", (*found.unpack(found_prefix), next(_prefixes)))
    final = await _replay(found_db, store, history, together=False)
    for keywords in [*searches, [VOCABULARY[0]]]:
        got = await found.transactional(found_db, pstore.search, store, keywords, limit)
        _same(got, brute_force(final, keywords, limit))


@pytest.mark.parametrize("together", [False, True], ids=["one-tx-each", "one-tx"])
@_SETTINGS
@given(history=operations)
async def test_any_history_stores_what_a_fresh_build_stores(
    found_db: found.Database,
    found_prefix: bytes,
    together: bool,
    history: list[tuple[Any, dict[str, int] | None]],
) -> None:
    """Keys after any history of index and remove equal those of indexing the survivors once."""
    number = next(_prefixes)
    lived = pstore.make("lived", (*found.unpack(found_prefix), number, "lived"))
    fresh = pstore.make("fresh", (*found.unpack(found_prefix), number, "fresh"))
    corpus = await _replay(found_db, lived, history, together)
    for uid, counter in corpus.items():
        await found.transactional(found_db, pstore.index, fresh, uid, counter)

    async def dump(tx: found.Transaction, store: pstore.PStore) -> list[tuple[bytes, bytes]]:
        base = found.pack(store.prefix)
        rows = await found.all(tx, base, found.next_prefix(base))
        return [(key[len(base) :], value) for key, value in rows]

    assert await found.transactional(found_db, dump, lived) == (
        await found.transactional(found_db, dump, fresh)
    )
