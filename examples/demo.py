"""found's demo: a slice of WordNet in an embedded, durable database, queried with found.

Run it with ``nox -s demo`` (or ``python examples/demo.py [TARGET]`` with found-core
installed). TARGET is any ``found.open`` target; the default is a ``sqlite://`` file in a
temporary folder. The data is WordNet 3.0's nouns from Debian's ``wordnet-base`` package
(``/usr/share/wordnet``) when it is installed, else the small sample next to this file.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import found
import found.stores

WORDNET = Path("/usr/share/wordnet/data.noun")
SAMPLE = Path(__file__).with_name("wordnet-sample.noun")
LIMIT = -1  # synsets to load (-1: all of them, about 82,000 nouns)
BATCH = 500


def synsets(path: Path, limit: int) -> Iterator[tuple[int, list[str], list[int], str]]:
    """(offset, words, hypernym offsets, gloss) for each noun synset of a WordNet data file."""
    with path.open(encoding="utf-8", errors="replace") as lines:
        for line in lines:
            if line.startswith(" ") or not line.strip():
                continue  # the licence header
            head, _, gloss = line.partition(" | ")
            fields = head.split()
            offset, count = int(fields[0]), int(fields[3], 16)
            words = [fields[4 + 2 * i].replace("_", " ").lower() for i in range(count)]
            rest = fields[4 + 2 * count :]
            pointers = int(rest[0])
            hypernyms = [
                int(rest[2 + 4 * i])
                for i in range(pointers)
                if rest[1 + 4 * i] in ("@", "@i") and rest[3 + 4 * i] == "n"
            ]
            yield offset, words, hypernyms, gloss.strip()
            limit -= 1
            if limit == 0:
                return  # a negative or zero start never reaches 0 here: load everything


async def load(db: found.Database, path: Path) -> int:
    """Load synsets in transactions of BATCH; return how many."""
    rows = list(synsets(path, LIMIT))

    async def write(
        tx: found.Transaction, batch: list[tuple[int, list[str], list[int], str]]
    ) -> None:
        for offset, words, hypernyms, gloss in batch:
            found.set(tx, found.pack(("synset", offset)), found.pack((gloss, *words)))
            for word in words:
                found.set(tx, found.pack(("word", word, offset)), b"")
            for target in hypernyms:
                found.set(tx, found.pack(("hypernym", offset, target)), b"")
            found.add(tx, found.pack(("count", "synsets")), (1).to_bytes(8, "little"))

    for start in range(0, len(rows), BATCH):
        await found.transactional(db, write, rows[start : start + BATCH])
    return len(rows)


async def words_starting_with(tx: found.Transaction, prefix: str) -> list[str]:
    """Every distinct word that starts with ``prefix``, in order (one range read)."""
    begin = found.pack(("word", prefix))[:-1]  # drop the string terminator: a prefix match
    out: list[str] = []
    async for key, _ in found.query(tx, begin, found.next_prefix(begin), limit=200):
        word = found.unpack(key)[1]
        if not out or out[-1] != word:
            out.append(word)
    return out


async def chain(tx: found.Transaction, word: str) -> list[str]:
    """The hypernym chain of the first sense of ``word``, up to the root."""
    first = found.pack(("word", word))
    pairs = await found.all(tx, first, found.next_prefix(first), limit=1)
    if not pairs:
        return []
    offset = found.unpack(pairs[0][0])[2]
    out = []
    while True:
        value = await found.get(tx, found.pack(("synset", offset)))
        if value is None:
            break
        out.append(found.unpack(value)[1])
        prefix = found.pack(("hypernym", offset))
        up = await found.all(tx, prefix, found.next_prefix(prefix), limit=1)
        if not up:
            break
        offset = found.unpack(up[0][0])[2]
    return out


async def contention(db: found.Database) -> tuple[int, int]:
    """50 tasks x 20 read-modify-write increments of one counter; (total, conflicts retried)."""
    key = found.pack(("demo", "counter"))
    attempts = 0

    async def increment(tx: found.Transaction) -> None:
        nonlocal attempts
        attempts += 1
        value = await found.get(tx, key)
        found.set(tx, key, str(int(value or b"0") + 1).encode())

    async def worker() -> None:
        for _ in range(20):
            await found.transactional(db, increment)

    await asyncio.gather(*(worker() for _ in range(50)))
    stored = await found.transactional(db, found.get, key)
    total = int(stored or b"0")
    return total, attempts - 1000


async def main(target: str | None, source: Path) -> None:
    """Run the demo against ``target`` (default: a fresh sqlite:// file) with ``source`` data."""
    with tempfile.TemporaryDirectory() as tmp:
        target = target or f"sqlite://{Path(tmp) / 'demo.found'}"
        print(f"found {found.__version__}: demo on {target}")
        print(f"data: {source}")
        async with await found.open(target) as db:
            started = time.perf_counter()
            count = await load(db, source)
            seconds = time.perf_counter() - started
            print(f"loaded {count} synsets in {seconds:.2f} s ({count / seconds:,.0f}/s)")

            async def report(tx: found.Transaction) -> None:
                stored = await found.get(tx, found.pack(("count", "synsets")))
                print(f"synset counter (atomic adds): {int.from_bytes(stored or b'', 'little')}")
                print(
                    "words starting with 'comput':",
                    ", ".join(await words_starting_with(tx, "comput")) or "(none in this slice)",
                )
                for word in ("computer", "dog", "entity"):
                    path = await chain(tx, word)
                    if path:
                        print(f"{word}: " + " -> ".join(path))

            await found.transactional(db, report, snapshot=True)
            started = time.perf_counter()
            total, retried = await contention(db)
            seconds = time.perf_counter() - started
            print(
                f"contention: 50 tasks x 20 increments = {total} "
                f"({retried} conflicts retried, {1000 / seconds:,.0f} commits/s)"
            )

            async def log(tx: found.Transaction, text: str) -> asyncio.Future[bytes]:
                key = found.pack_with_versionstamp(("log", found.Versionstamp()))
                found.set_versionstamped_key(tx, key, text.encode())
                return found.get_versionstamp(tx)

            for text in ("first", "second"):
                stamp = await (await found.transactional(db, log, text))
                print(f"log entry {text!r} got versionstamp {stamp.hex()}")
        print("installed stores:", ", ".join(found.stores.names()) or "(none)")


if __name__ == "__main__":
    data = WORDNET if WORDNET.exists() else SAMPLE
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else None, data))
