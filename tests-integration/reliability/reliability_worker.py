"""A worker process of the multi-process tests, on one ``sqlite://`` file.

``python reliability_worker.py counter DB N``: ``N`` read-modify-write increments (read the
counter, write it plus one) of one key, each in its own ``found.transactional``.

``python reliability_worker.py stores DB N SEED``: ``N`` transactions of random store
operations on shared entities, tuples and documents (nstore, eavstore, pstore), so that the
processes conflict with each other often.

Each prints the number of attempts it made (retries included) on its last line.
"""

from __future__ import annotations

import asyncio
import random
import sys
from typing import Any

import found
import found_eavstore as eavstore
import found_nstore as nstore
import found_pstore as pstore

COUNTER = found.pack(("multi", "counter"))
TRIPLES = ("multi", "nstore")
PEOPLE = ("multi", "eav")
DOCS = ("multi", "pstore")
attempts = 0


async def increment(tx: found.Transaction) -> None:
    """Read the counter and write it plus one: conflicts with every concurrent increment."""
    global attempts
    attempts += 1
    value = await found.get(tx, COUNTER)
    found.set(tx, COUNTER, str(int(value or b"0") + 1).encode())


async def mixed(tx: found.Transaction, rng: random.Random, stores: dict[str, Any]) -> None:
    """A few random store operations on a small shared set of names."""
    global attempts
    attempts += 1
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        who = rng.randrange(12)
        if op == 0:
            nstore.add(tx, stores["triples"], f"s{who}", f"p{who % 3}", rng.randrange(5))
        elif op == 1:
            nstore.remove(tx, stores["triples"], f"s{who}", f"p{who % 3}", rng.randrange(5))
        elif op == 2:
            mapping = {"team": rng.randrange(3), "level": rng.randrange(4)}
            await eavstore.update(tx, stores["people"], who, mapping)
        elif op == 3:
            await eavstore.remove(tx, stores["people"], who)
        elif op == 4:
            words = {f"w{rng.randrange(6)}": rng.randint(1, 3) for _ in range(rng.randint(0, 4))}
            await pstore.index(tx, stores["docs"], who, words)
        else:
            await pstore.remove(tx, stores["docs"], who)


async def main(mode: str, path: str, count: int, seed: int) -> None:
    async with await found.open(f"sqlite://{path}") as db:
        if mode == "counter":
            for _ in range(count):
                await found.transactional(db, increment)
        else:
            rng = random.Random(seed)
            stores = {
                "triples": nstore.make("triples", TRIPLES, 3),
                "people": eavstore.make("people", PEOPLE),
                "docs": pstore.make("docs", DOCS),
            }
            for _ in range(count):
                await found.transactional(db, mixed, rng, stores)
    print(attempts)


if __name__ == "__main__":
    seed = int(sys.argv[4]) if len(sys.argv) > 4 else 0
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), seed))
