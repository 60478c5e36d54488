"""The store handle, its key layout, and the checks every operation shares.

Key layout, under the store's ``prefix`` (a tuple; ``P`` below), in the tuple encoding:

====================================  ===========================================================
key                                   value
====================================  ===========================================================
``P + (0, 0)``                        number of documents ``N`` (8-byte little-endian, atomic add)
``P + (0, 1)``                        sum of the documents' lengths (same encoding)
``P + (1, term)``                     number of documents holding ``term`` (same encoding)
``P + (2, term, bucket, docuid)``     the posting: ``tf`` and the document's length ``dl``
                                      (two unsigned 64-bit little-endian integers)
``P + (3, docuid, chunk)``            the document's record: ``pack((dl, term, term, ...))``
                                      cut into values of at most 90,000 bytes
====================================  ===========================================================

The three counters change only through atomic adds, so concurrent indexers never conflict on
them; a counter that falls back to zero is removed (``compare_and_clear``), so a store whose
documents were all removed holds no key at all.

``bucket`` is ``256 + crc32(pack((docuid,))) % 65280``: a hash of the document id that always
packs to three bytes. It spreads each term's postings evenly over 65,280 sub-ranges whose bounds
are known without reading anything, so a search can cut a long posting list into pieces of about
1,000 postings and read all of them at once, concurrently: one round trip whatever the list's
length. The posting holds the document's length, so scoring needs no other read.

Example::

    >>> store = make("docs", ("app", "search"))
    >>> store
    <PStore 'docs' prefix=('app', 'search')>
"""

from __future__ import annotations

import concurrent.futures
import zlib
from collections.abc import Mapping
from typing import Any

import found
from found_pstore._errors import PStoreTypeError, PStoreValueError

__all__ = ["PStore", "make"]

_BUCKET_BASE = 256
_BUCKETS = 65536 - _BUCKET_BASE
#: Bytes of a packed bucket (0x16 and two bytes, for every bucket).
BUCKET_SIZE = 3
#: Largest value written for a document's record chunk.
CHUNK = 90_000
#: Largest key found accepts.
KEY_LIMIT = 10_000
#: Largest count accepted for a term (postings store 64-bit counts; lengths must add up).
MAX_COUNT = 2**32 - 1

_COUNTERS, _FREQUENCIES, _POSTINGS, _RECORDS = 0, 1, 2, 3


def bucket_of(docbytes: bytes) -> int:
    """The bucket of a packed document id.

    Example::

        >>> 256 <= bucket_of(found.pack((42,))) < 65536
        True
    """
    return _BUCKET_BASE + zlib.crc32(docbytes) % _BUCKETS


def bucket_bounds(parts: int) -> list[int]:
    """The first bucket of each of ``parts`` equal slices of the bucket space.

    Example::

        >>> bucket_bounds(1), bucket_bounds(2)
        ([256], [256, 32896])
    """
    return [_BUCKET_BASE + _BUCKETS * i // parts for i in range(parts)]


class PStore:
    """A handle on one inverted index: its name, key prefix and optional executor.

    Build it with :func:`make`. It holds no data and no connection: the same handle works with
    any database and any transaction.

    Example::

        >>> make("docs", ("docs",)).prefix
        ('docs',)
    """

    __slots__ = (
        "_counters",
        "_frequencies",
        "_postings",
        "_records",
        "documents_key",
        "length_key",
        "name",
        "pool",
        "prefix",
    )

    def __init__(
        self, name: str, prefix: tuple[Any, ...], pool: concurrent.futures.Executor | None
    ) -> None:
        self.name = name
        self.prefix = prefix
        self.pool = pool
        self.documents_key = found.pack((*prefix, _COUNTERS, 0))
        self.length_key = found.pack((*prefix, _COUNTERS, 1))
        self._counters = found.tuple_range((*prefix, _COUNTERS))
        self._frequencies = found.pack((*prefix, _FREQUENCIES))
        self._postings = found.pack((*prefix, _POSTINGS))
        self._records = found.pack((*prefix, _RECORDS))

    def __repr__(self) -> str:
        return f"<PStore {self.name!r} prefix={self.prefix!r}>"

    # -- keys ------------------------------------------------------------------------------
    def counters(self) -> slice:
        """The range of the two store-wide counters (``N`` and the total length)."""
        return self._counters

    def frequency_key(self, packed_term: bytes) -> bytes:
        """Key of a term's document count, from ``found.pack((term,))``."""
        return self._frequencies + packed_term

    def term_prefix(self, packed_term: bytes) -> bytes:
        """The packed ``P + (2, term)``: every posting of the term extends it."""
        return self._postings + packed_term

    def record_prefix(self, docbytes: bytes) -> bytes:
        """The packed ``P + (3, docuid)``: the document's record chunks extend it."""
        return self._records + docbytes

    # -- checks ----------------------------------------------------------------------------
    def pack_docuid(self, docuid: object) -> bytes:
        """``found.pack((docuid,))``, or a typed error naming the document id."""
        try:
            docbytes = found.pack((docuid,))
        except (TypeError, ValueError) as error:
            raise PStoreTypeError(
                f"store {self.name!r}: docuid must be a value the tuple layer can pack "
                f"(int, str, bytes, UUID, tuple, ...), got {type(docuid).__name__}: "
                f"{docuid!r:.80} ({error})"
            ) from None
        if found.has_incomplete_versionstamp((docuid,)):
            raise PStoreValueError(
                f"store {self.name!r}: docuid cannot hold an incomplete versionstamp"
            )
        return docbytes

    def pack_term(self, term: object, what: str) -> bytes:
        """``found.pack((term,))`` for a ``str`` term, or a typed error naming it."""
        if not isinstance(term, str):
            raise PStoreTypeError(
                f"store {self.name!r}: {what} must be a str, got {type(term).__name__}: "
                f"{term!r:.80}"
            )
        try:
            return found.pack((term,))
        except (TypeError, ValueError) as error:  # e.g. a lone surrogate: not UTF-8
            raise PStoreValueError(
                f"store {self.name!r}: {what} {term!r:.80} cannot be encoded ({error})"
            ) from None


def _check_prefix(name: str, prefix: object) -> tuple[Any, ...]:
    if not isinstance(prefix, tuple):
        raise PStoreTypeError(
            f"store {name!r}: prefix must be a tuple of packable items, "
            f"got {type(prefix).__name__}: {prefix!r:.80}"
        )
    try:
        found.pack(prefix)
    except (TypeError, ValueError) as error:
        raise PStoreTypeError(
            f"store {name!r}: prefix {prefix!r:.80} cannot be packed ({error})"
        ) from None
    if found.has_incomplete_versionstamp(prefix):
        raise PStoreValueError(f"store {name!r}: prefix cannot hold an incomplete versionstamp")
    return prefix


def make(
    name: str, prefix: tuple[Any, ...], pool: concurrent.futures.Executor | None = None
) -> PStore:
    """A handle on the inverted index called ``name`` stored under ``prefix``.

    ``prefix`` is a tuple of items the tuple layer packs; it alone decides where the data
    lives (``name`` appears in messages and ``repr``). ``pool``, when given, is a
    ``concurrent.futures`` executor: searches run their scoring there, so a search over long
    posting lists does not hold the event loop (a ``ThreadPoolExecutor`` keeps the loop
    responsive; a ``ProcessPoolExecutor`` also uses another core, at the price of pickling the
    postings).

    Example::

        >>> store = make("articles", ("myapp", "articles"))
        >>> store.name, store.pool is None
        ('articles', True)
    """
    if not isinstance(name, str):
        raise PStoreTypeError(f"name must be a str, got {type(name).__name__}: {name!r:.80}")
    prefix = _check_prefix(name, prefix)
    if pool is not None and not isinstance(pool, concurrent.futures.Executor):
        raise PStoreTypeError(
            f"store {name!r}: pool must be a concurrent.futures.Executor or None, "
            f"got {type(pool).__name__}"
        )
    return PStore(name, prefix, pool)


def check_store(store: object) -> PStore:
    """``store`` itself if it is a :class:`PStore`, else a typed error."""
    if not isinstance(store, PStore):
        raise PStoreTypeError(
            f"store must be made by pstore.make(name, prefix), got {type(store).__name__}: "
            f"{store!r:.80}"
        )
    return store


def check_counter(store: PStore, counter: object) -> list[tuple[str, bytes, int]]:
    """``(term, packed term, count)`` for each entry of a ``{term: count}`` mapping."""
    if not isinstance(counter, Mapping):
        raise PStoreTypeError(
            f"store {store.name!r}: counter must be a mapping of terms to counts "
            f"(e.g. collections.Counter), got {type(counter).__name__}: {counter!r:.80}"
        )
    out: list[tuple[str, bytes, int]] = []
    for term, count in counter.items():
        packed = store.pack_term(term, "term")
        if not isinstance(count, int) or isinstance(count, bool):
            raise PStoreTypeError(
                f"store {store.name!r}: count of term {term!r:.80} must be an int, "
                f"got {type(count).__name__}: {count!r:.80}"
            )
        if count <= 0:
            raise PStoreValueError(
                f"store {store.name!r}: count of term {term!r:.80} must be positive, got {count}"
            )
        if count > MAX_COUNT:
            raise PStoreValueError(
                f"store {store.name!r}: count of term {term!r:.80} is {count}, "
                f"more than the {MAX_COUNT} a posting holds"
            )
        out.append((term, packed, count))
    return out


def check_keywords(store: PStore, keywords: object) -> list[bytes]:
    """The distinct packed keywords of a search, in their first order."""
    if isinstance(keywords, (str, bytes)) or not hasattr(keywords, "__iter__"):
        raise PStoreTypeError(
            f"store {store.name!r}: keywords must be a list of str (not one str), "
            f"got {type(keywords).__name__}: {keywords!r:.80}"
        )
    seen: dict[bytes, None] = {}
    for keyword in keywords:
        seen[store.pack_term(keyword, "keyword")] = None
    if not seen:
        raise PStoreValueError(f"store {store.name!r}: search needs at least one keyword")
    return list(seen)


def check_limit(store: PStore, limit: object) -> int:
    """``limit`` if it is an int of at least 0."""
    if not isinstance(limit, int) or isinstance(limit, bool):
        raise PStoreTypeError(
            f"store {store.name!r}: limit must be an int, got {type(limit).__name__}: {limit!r:.80}"
        )
    if limit < 0:
        raise PStoreValueError(f"store {store.name!r}: limit must be 0 or more, got {limit}")
    return limit
