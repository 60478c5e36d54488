"""Consistency checkers of the stores' keyspaces, and the sizes and report of the reliability
suite.

Each ``check_*`` reads a store's whole keyspace in one snapshot transaction and returns the
list of problems found (empty when the store is consistent): the test asserts it is empty.

Sizes: ``FOUND_STRESS=1`` (set by ``nox -s stress``) selects the full-size runs; otherwise the
fast ones of the regular suite. ``FOUND_STRESS_REPORT`` names a file where each test appends
one JSON line of what it tried and what held; ``nox -s stress`` prints them as a table.
"""

from __future__ import annotations

import json
import os
import zlib
from collections import Counter
from typing import Any

import found
import found_nstore
from found_nstore._indexes import index_orders

STRESS = os.environ.get("FOUND_STRESS", "").strip() not in ("", "0")
REPORT_ENV = "FOUND_STRESS_REPORT"


def size(fast: int, stress: int) -> int:
    """``stress`` under ``FOUND_STRESS=1``, else ``fast``."""
    return stress if STRESS else fast


def report(check: str, failures: int = 0, **tried: int) -> None:
    """Record what a test tried (counts) and how many failures it saw, for the stress table."""
    path = os.environ.get(REPORT_ENV)
    if not path:
        return
    line = json.dumps({"check": check, "tried": tried, "failures": failures})
    with open(path, "a", encoding="utf-8") as out:
        out.write(line + "\n")


async def _everything(db: Any, prefix: tuple[Any, ...]) -> list[tuple[bytes, bytes]]:
    span = found.tuple_range(prefix)
    begin, end = span.start, span.stop

    async def read(tx: found.Transaction) -> list[tuple[bytes, bytes]]:
        return await found.all(tx, begin, end)

    return await found.transactional(db, read, snapshot=True)


async def check_nstore(db: Any, prefix: tuple[Any, ...], n: int) -> list[str]:
    """Every index order of the nstore under ``prefix`` holds the same tuples."""
    problems: list[str] = []
    orders = index_orders(n)
    seen: list[set[tuple[Any, ...]]] = [set() for _ in orders]
    for key, value in await _everything(db, prefix):
        items = found.unpack(key)[len(prefix) :]
        k, stored = items[0], items[1:]
        if not isinstance(k, int) or not 0 <= k < len(orders) or len(stored) != n:
            problems.append(f"nstore: stray key {items!r}")
            continue
        canonical: list[Any] = [None] * n
        for place, position in enumerate(orders[k]):
            canonical[position] = stored[place]
        seen[k].add(tuple(canonical))
        if k and value != b"":
            problems.append(f"nstore: index {k} holds a value for {stored!r}")
    for k in range(1, len(orders)):
        if seen[k] != seen[0]:
            problems.append(
                f"nstore: index {k} differs from index 0: "
                f"{len(seen[k] - seen[0])} extra, {len(seen[0] - seen[k])} missing"
            )
    return problems


async def check_eavstore(db: Any, prefix: tuple[Any, ...]) -> list[str]:
    """Index rows are exactly the data rows, and every count is the number of its rows."""
    problems: list[str] = []
    data: set[tuple[bytes, bytes, bytes]] = set()  # packed (uid, attribute, value)
    index: set[tuple[bytes, bytes, bytes]] = set()
    counts: dict[tuple[bytes, bytes], int] = {}
    for key, value in await _everything(db, prefix):
        items = found.unpack(key)[len(prefix) :]
        kind, rest = items[0], items[1:]
        if kind == 0 and len(rest) == 2:
            uid, attribute = rest
            (decoded,) = found.unpack(value)
            data.add((found.pack((uid,)), found.pack((attribute,)), found.pack((decoded,))))
        elif kind == 1 and len(rest) == 3:
            attribute, decoded, uid = rest
            index.add((found.pack((uid,)), found.pack((attribute,)), found.pack((decoded,))))
        elif kind == 2 and len(rest) == 2:
            attribute, decoded = rest
            count = int.from_bytes(value, "little", signed=True)
            counts[(found.pack((attribute,)), found.pack((decoded,)))] = count
        else:
            problems.append(f"eavstore: stray key {items!r}")
    if index != data:
        problems.append(
            f"eavstore: {len(index - data)} index rows without data, "
            f"{len(data - index)} data rows without index"
        )
    actual = Counter((a, v) for _, a, v in index)
    if dict(actual) != counts:
        wrong = {k for k in set(actual) | set(counts) if actual.get(k, 0) != counts.get(k, 0)}
        problems.append(f"eavstore: {len(wrong)} counts differ from their index rows")
    return problems


async def check_pstore(db: Any, prefix: tuple[Any, ...]) -> list[str]:
    """Counters, frequencies and postings agree with the documents' records."""
    problems: list[str] = []
    counters: dict[int, int] = {}
    frequencies: dict[str, int] = {}
    postings: dict[tuple[str, bytes], tuple[int, int]] = {}
    chunks: dict[bytes, list[tuple[int, bytes]]] = {}
    for key, value in await _everything(db, prefix):
        items = found.unpack(key)[len(prefix) :]
        kind = items[0]
        if kind == 0 and len(items) == 2:
            counters[items[1]] = int.from_bytes(value, "little", signed=True)
        elif kind == 1 and len(items) == 2:
            frequencies[items[1]] = int.from_bytes(value, "little", signed=True)
        elif kind == 2 and len(items) == 4:
            term, bucket, doc = items[1], items[2], items[3]
            docbytes = found.pack((doc,))
            if bucket != 256 + zlib.crc32(docbytes) % 65280:
                problems.append(f"pstore: posting of {doc!r} in the wrong bucket {bucket}")
            tf, dl = int.from_bytes(value[:8], "little"), int.from_bytes(value[8:16], "little")
            postings[(term, docbytes)] = (tf, dl)
        elif kind == 3 and len(items) == 3:
            chunks.setdefault(found.pack((items[1],)), []).append((items[2], value))
        else:
            problems.append(f"pstore: stray key {items!r}")
    expected: dict[tuple[str, bytes], tuple[int, int]] = {}
    total = 0
    for docbytes, parts in chunks.items():
        record = found.unpack(b"".join(v for _, v in sorted(parts)))
        dl, terms = record[0], Counter(record[1:])
        total += dl
        for term in terms:
            expected[(term, docbytes)] = (-1, dl)  # tf is not in the record: check dl only
    if {k: v[1] for k, v in postings.items()} != {k: v[1] for k, v in expected.items()}:
        problems.append(
            f"pstore: postings differ from records: {len(set(postings) - set(expected))} "
            f"extra, {len(set(expected) - set(postings))} missing"
        )
    if counters.get(0, 0) != len(chunks) or counters.get(1, 0) != total:
        problems.append(
            f"pstore: counters N={counters.get(0, 0)} length={counters.get(1, 0)}, "
            f"records say {len(chunks)} and {total}"
        )
    per_term = Counter(term for term, _ in postings)
    if dict(per_term) != frequencies:
        problems.append("pstore: term frequencies differ from the posting lists")
    if any(v == 0 for v in counters.values()) or any(v == 0 for v in frequencies.values()):
        problems.append("pstore: a counter at zero was left behind")
    return problems


def nstore_handle(prefix: tuple[Any, ...]) -> Any:
    """A triple store under ``prefix``."""
    return found_nstore.make("triples", prefix, 3)
