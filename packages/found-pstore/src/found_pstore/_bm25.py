"""BM25 scoring and the top-k: pure functions over postings already read from the database.

For a query of distinct keywords ``t`` and a document ``d`` that contains all of them::

    score(d) = sum over t of  idf(t) * (tf * (k1 + 1)) / (tf + k1 * (1 - b + b * dl / avgdl))
    idf(t)   = log((N - n + 0.5) / (n + 0.5)), or 1e-6 when that is not positive

with ``k1 = 1.2``, ``b = 0.75``, ``tf`` the count of ``t`` in ``d``, ``dl`` the length of ``d``
(the sum of its counts), ``avgdl`` the mean length over the ``N`` documents of the store and
``n`` the number of documents holding ``t``. This is the Robertson-Spärck Jones weight with the
floor SQLite FTS5 uses (``fts5_aux.c``): a term in more than half of the documents would
otherwise get a negative weight, and a document would score *lower* for containing it. The
formula and the order of the floating-point operations are FTS5's, so on the same counts the
scores are the same numbers.

Scores are summed in the order of the query's keywords. Results are ordered by score, best
first, then by the document id's packed bytes (the tuple layer's order), so equal scores come
out in a fixed order.

Everything here is plain data in, plain data out, so it can run in a
``concurrent.futures`` executor (a process pool pickles the arguments).

Example::

    >>> posting = pack_posting(2, 10)
    >>> [(doc, round(score, 4)) for doc, score in rank([{b"d1": posting}], [1.5], 10.0, 5)]
    [(b'd1', 2.0625)]
"""

from __future__ import annotations

import math
import struct
from collections import Counter
from collections.abc import Iterator
from itertools import compress
from operator import add, itemgetter, neg

__all__ = [
    "B",
    "IDF_FLOOR",
    "K1",
    "by_document",
    "idf",
    "pack_posting",
    "rank",
    "rank_rows",
    "unpack_posting",
    "weight",
]

#: BM25's term-frequency saturation.
K1 = 1.2
#: BM25's length normalisation.
B = 0.75
#: The weight of a term present in half of the documents or more (FTS5's floor).
IDF_FLOOR = 1e-6

# A posting's value: the term's count in the document, and the document's length.
_POSTING = struct.Struct("<QQ")


def pack_posting(tf: int, dl: int) -> bytes:
    """The value stored for one (term, document) pair.

    Example::

        >>> unpack_posting(pack_posting(3, 12))
        (3, 12)
    """
    return _POSTING.pack(tf, dl)


def unpack_posting(value: bytes) -> tuple[int, int]:
    """``(tf, dl)`` from a posting's value.

    Example::

        >>> unpack_posting(bytes(16))
        (0, 0)
    """
    tf, dl = _POSTING.unpack(value)
    return tf, dl


def idf(documents: int, frequency: int) -> float:
    """The weight of a term found in ``frequency`` of ``documents`` documents.

    Example::

        >>> round(idf(1000, 10), 4), idf(1000, 600)
        (4.5468, 1e-06)
    """
    value = math.log((documents - frequency + 0.5) / (frequency + 0.5))
    return value if value > 0.0 else IDF_FLOOR


def weight(term_idf: float, tf: int, dl: int, avgdl: float) -> float:
    """One term's contribution to a document's score.

    Example::

        >>> weight(1.0, 1, 10, 10.0)  # tf * (k1 + 1) / (tf + k1) at the average length
        1.0
    """
    return term_idf * ((tf * (K1 + 1.0)) / (tf + K1 * (1 - B + B * dl / avgdl)))


def _weights(term_idf: float, values: set[bytes], avgdl: float) -> dict[bytes, float]:
    """The weight of each distinct posting value: documents share few (tf, dl) pairs."""
    out: dict[bytes, float] = {}
    for value in values:
        tf, dl = _POSTING.unpack(value)
        out[value] = weight(term_idf, tf, dl, avgdl)
    return out


def _kept(scores: list[float], limit: int) -> list[bool] | None:
    """Which scores can make the top ``limit`` (None: all of them).

    Scores repeat a lot (they depend on a few small counts), so the cut-off is found among
    the distinct values and their counts, without sorting every document.
    """
    if len(scores) <= limit:
        return None
    counts = Counter(scores)
    covered = 0
    for cutoff in sorted(counts, reverse=True):
        covered += counts[cutoff]
        if covered >= limit:
            break
    return list(map(cutoff.__le__, scores))


def _best(scores: list[float], docs: list[bytes], limit: int) -> list[tuple[bytes, float]]:
    """The ``limit`` best ``(doc, score)``: highest score first, then smallest doc."""
    best = sorted(zip(map(neg, scores), docs, strict=True))[:limit]
    return [(doc, -negative) for negative, doc in best]


def by_document(rows: list[tuple[bytes, bytes]], cut: int) -> dict[bytes, bytes]:
    """``{key[cut:]: value}`` for posting rows: the packed document id ends each key.

    Example::

        >>> by_document([(b"prefix:doc", b"v")], 7)
        {b'doc': b'v'}
    """
    return {key[cut:]: value for key, value in rows}


def rank_rows(
    rows: list[tuple[bytes, bytes]], cut: int, term_idf: float, avgdl: float, limit: int
) -> list[tuple[bytes, float]]:
    """``rank`` for a one-keyword query, straight from the posting rows read.

    Only the documents that make the top ``limit`` are cut out of their keys.

    Example::

        >>> rows = [(b"k:x", pack_posting(1, 4)), (b"k:y", pack_posting(3, 4))]
        >>> [doc for doc, _ in rank_rows(rows, 2, 1.0, 4.0, 10)]
        [b'y', b'x']
    """
    if limit <= 0 or not rows:
        return []
    values = list(map(itemgetter(1), rows))
    weights = _weights(term_idf, set(values), avgdl)
    scores = list(map(weights.__getitem__, values))
    keep = _kept(scores, limit)
    if keep is not None:
        scores = list(compress(scores, keep))
        rows = list(compress(rows, keep))
    docs = [key[cut:] for key, _ in rows]
    return _best(scores, docs, limit)


def rank(
    postings: list[dict[bytes, bytes]], idfs: list[float], avgdl: float, limit: int
) -> list[tuple[bytes, float]]:
    """The best ``limit`` documents present in every posting map, as ``(doc, score)``.

    ``postings[i]`` maps packed document ids to posting values for keyword ``i`` (it may hold
    only the candidates still in play); ``idfs[i]`` is that keyword's weight. The work is
    linear in the postings, done by ``map``/``filter`` chains rather than a Python loop.

    Example::

        >>> a = {b"x": pack_posting(1, 4), b"y": pack_posting(3, 4)}
        >>> b = {b"y": pack_posting(1, 4)}
        >>> [doc for doc, _ in rank([a], [1.0], 4.0, 10)]
        [b'y', b'x']
        >>> [doc for doc, _ in rank([a, b], [1.0, 1.0], 4.0, 10)]
        [b'y']
    """
    if limit <= 0 or not postings or any(not p for p in postings):
        return []
    smallest = min(range(len(postings)), key=lambda i: len(postings[i]))
    docs = list(postings[smallest])
    for i, other in enumerate(postings):
        if i != smallest:
            docs = list(filter(other.__contains__, docs))
    if not docs:
        return []
    columns: list[Iterator[float]] = []
    for p, term_idf in zip(postings, idfs, strict=True):
        values = list(map(p.__getitem__, docs))
        weights = _weights(term_idf, set(values), avgdl)
        columns.append(map(weights.__getitem__, values))
    # Added one keyword after the other, as FTS5 does: score = w1 + w2 + ... exactly.
    total = columns[0]
    for column in columns[1:]:
        total = map(add, total, column)
    scores = list(total)
    keep = _kept(scores, limit)
    if keep is not None:
        scores = list(compress(scores, keep))
        docs = list(compress(docs, keep))
    return _best(scores, docs, limit)
