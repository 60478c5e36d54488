"""A writer for the crash test: commits transactions forever and acknowledges each one.

``python _writer.py DB_PATH LOG_PATH FIRST`` commits transaction ``FIRST``, ``FIRST + 1``, ...
on ``sqlite://DB_PATH``; after each commit returns it appends ``"n token\\n"`` to ``LOG_PATH``
and fsyncs it. The test kills it with SIGKILL at random moments.

Transaction ``n`` writes, all or nothing: ``("crash", "tx", n) = token``; ``PARTS`` keys
``("crash", "part", n, j)`` holding the token; an atomic +1 to ``("crash", "count")``; and
store operations on an nstore, two eavstores and a pstore (adds and removes, creates, updates,
re-indexes and removes), whose indexes the test then checks against their data.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from typing import Any

import found
import found_eavstore as eavstore
import found_nstore as nstore
import found_pstore as pstore

PARTS = 8
PART_SIZE = 3000
TRIPLES = ("crash", "nstore")
PEOPLE = ("crash", "eav")
EVENTS = ("crash", "eav-created")
DOCS = ("crash", "pstore")
ONE = (1).to_bytes(8, "little")


def part_key(n: int, j: int) -> bytes:
    """Key of part ``j`` of transaction ``n``."""
    return found.pack(("crash", "part", n, j))


async def step(tx: found.Transaction, n: int, token: bytes, stores: dict[str, Any]) -> None:
    """Everything transaction ``n`` writes."""
    found.set(tx, found.pack(("crash", "tx", n)), token)
    for j in range(PARTS):
        found.set(tx, part_key(n, j), token * (PART_SIZE // len(token)))
    found.add(tx, found.pack(("crash", "count")), ONE)
    triples = stores["triples"]
    nstore.add(tx, triples, f"s{n % 50}", f"p{n % 3}", n, value=token)
    if n % 5 == 0 and n >= 25:
        m = n - 25
        nstore.remove(tx, triples, f"s{m % 50}", f"p{m % 3}", m)
    await eavstore.update(tx, stores["people"], n % 40, {"team": n % 4, "n": n, "t": token})
    if n % 7 == 0:
        await eavstore.remove(tx, stores["people"], (n * 3) % 40)
    eavstore.create(tx, stores["events"], {"n": n, "kind": n % 3})
    counter = {f"w{n % 5}": 1 + n % 3, "common": 1, f"u{n}": 1}
    await pstore.index(tx, stores["docs"], n % 30, counter)
    if n % 11 == 0:
        await pstore.remove(tx, stores["docs"], (n * 7) % 30)


async def main(path: str, log_path: str, first: int) -> None:
    stores = {
        "triples": nstore.make("triples", TRIPLES, 3),
        "people": eavstore.make("people", PEOPLE),
        "events": eavstore.make("events", EVENTS),
        "docs": pstore.make("docs", DOCS),
    }
    log = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    async with await found.open(f"sqlite://{path}") as db:
        n = first
        while True:
            token = uuid.uuid4().hex.encode()
            await found.transactional(db, step, n, token, stores)
            os.write(log, f"{n} {token.decode()}\n".encode())
            os.fsync(log)
            n += 1


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
