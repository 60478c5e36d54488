"""Crash safety of sqlite://: a writer killed with SIGKILL loses no acknowledged commit, shows
no transaction in part, and leaves every store index consistent with its data."""

from __future__ import annotations

import asyncio
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import found

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reliability_writer as _writer
from reliability_checks import (
    check_eavstore,
    check_nstore,
    check_pstore,
    report,
    size,
)

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL (POSIX)")
WRITER = Path(_writer.__file__)


async def _range(tx: found.Transaction, prefix: tuple[str, ...]) -> list[tuple[bytes, bytes]]:
    span = found.tuple_range(prefix)
    return await found.all(tx, span.start, span.stop)


def acknowledged(log: Path) -> dict[int, bytes]:
    """The commits the writer acknowledged; a last line cut short by the kill is ignored."""
    out: dict[int, bytes] = {}
    if not log.exists():
        return out
    for line in log.read_bytes().split(b"\n")[:-1]:  # only lines ended by a newline
        n, token = line.split()
        out[int(n)] = token
    return out


async def verify(
    path: Path, acked: dict[int, bytes], first: int, unacked: set[int]
) -> tuple[int, list[str]]:
    """Check the database against the acknowledgements; return the next n and the problems.

    ``first`` is the first transaction the killed writer was to commit; ``unacked`` holds the
    transactions known to be present without acknowledgement (updated here).
    """
    problems: list[str] = []
    async with await found.open(f"sqlite://{path}") as db:

        async def read(
            tx: found.Transaction,
        ) -> tuple[list[tuple[bytes, bytes]], list[tuple[bytes, bytes]], bytes | None]:
            txs = await _range(tx, ("crash", "tx"))
            parts = await _range(tx, ("crash", "part"))
            count = await found.get(tx, found.pack(("crash", "count")))
            return txs, parts, count

        txs, parts, count = await found.transactional(db, read, snapshot=True)
        present = {found.unpack(k)[2]: v for k, v in txs}
        for n, token in acked.items():
            if present.get(n) != token:
                problems.append(f"acknowledged transaction {n} is {present.get(n)!r}")
        # A kill between a commit and its acknowledgement leaves one transaction present
        # but unacknowledged: at most one per kill, and only one the killed writer started.
        extra = sorted(set(present) - set(acked) - unacked)
        if len(extra) > 1 or (extra and extra[0] < first):
            problems.append(f"unacknowledged transactions present: {extra}")
        unacked.update(extra)
        by_tx: dict[int, list[bytes]] = {}
        for key, value in parts:
            by_tx.setdefault(found.unpack(key)[2], []).append(value)
        for n, token in present.items():
            values = by_tx.pop(n, [])
            whole = token * (_writer.PART_SIZE // len(token))
            if len(values) != _writer.PARTS or any(v != whole for v in values):
                problems.append(f"transaction {n} is visible in part")
        if by_tx:
            problems.append(f"parts of absent transactions: {sorted(by_tx)}")
        total = int.from_bytes(count, "little") if count else 0
        if total != len(present):
            problems.append(f"counter says {total} transactions, {len(present)} present")
        problems += await check_nstore(db, _writer.TRIPLES, 3)
        problems += await check_eavstore(db, _writer.PEOPLE)
        problems += await check_eavstore(db, _writer.EVENTS)
        problems += await check_pstore(db, _writer.DOCS)
    return (max(present) + 1 if present else 0), problems


def test_sigkilled_writer_loses_no_acknowledged_commit(tmp_path: Path) -> None:
    """Kill the writer at random moments; after each restart everything acknowledged is
    there in full, nothing is there in part, and the stores' indexes match their data."""
    kills = size(fast=4, stress=60)
    rng = random.Random(os.environ.get("FOUND_STRESS_SEED", "10"))
    path, log = tmp_path / "crash.found", tmp_path / "acks.log"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(WRITER.parent), *sys.path])}
    first, mid_stream = 0, 0
    problems: list[str] = []
    unacked: set[int] = set()
    for _ in range(kills):
        before = len(acknowledged(log))
        writer = subprocess.Popen(
            [sys.executable, str(WRITER), str(path), str(log), str(first)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            if rng.random() < 0.85:  # usually in mid-stream, after a few commits
                deadline = time.monotonic() + 60
                while len(acknowledged(log)) < before + rng.randint(1, 5):
                    assert writer.poll() is None, writer.communicate()[1].decode()
                    assert time.monotonic() < deadline, "the writer acknowledged nothing"
                    time.sleep(0.005)
                mid_stream += 1
            time.sleep(rng.uniform(0, 0.25))
            assert writer.poll() is None, writer.communicate()[1].decode()
        finally:
            writer.send_signal(signal.SIGKILL)
            writer.communicate()
        assert writer.returncode == -signal.SIGKILL
        acked = acknowledged(log)
        first, found_now = asyncio.run(verify(path, acked, first, unacked))
        problems += found_now
        assert not problems, problems
    acked = acknowledged(log)
    assert len(acked) >= mid_stream  # each kill in mid-stream came after a commit
    report(
        "crash: SIGKILL of a sqlite:// writer",
        kills=kills,
        kills_mid_stream=mid_stream,
        acknowledged_commits_verified=len(acked),
        unacknowledged_but_whole=len(unacked),
    )
