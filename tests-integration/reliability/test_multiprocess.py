"""Several processes on one sqlite:// file: serializable read-modify-write across processes,
and store indexes that stay exact under cross-process conflicts."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

import found

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reliability_worker as _worker
from reliability_checks import check_eavstore, check_nstore, check_pstore, report, size

WORKER = Path(_worker.__file__)


def run_workers(args: list[list[str]]) -> list[int]:
    """Start one worker per argument list, all at once; return each one's attempt count."""
    workers = [
        subprocess.Popen(
            [sys.executable, str(WORKER), *a],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for a in args
    ]
    # Wait for every worker before judging any, so that a failure leaves no pipe open.
    results = [worker.communicate(timeout=600) for worker in workers]
    attempts: list[int] = []
    for worker, (out, err) in zip(workers, results, strict=True):
        assert worker.returncode == 0, err.decode()
        attempts.append(int(out.split()[-1]))
    return attempts


def test_read_modify_write_increments_from_four_processes(tmp_path: Path) -> None:
    """4 processes x N increments of one counter, each a read then a write: exactly 4 x N."""
    per_process = size(fast=60, stress=500)
    path = tmp_path / "counter.found"
    attempts = run_workers([["counter", str(path), str(per_process)] for _ in range(4)])

    async def read() -> bytes | None:
        async with await found.open(f"sqlite://{path}") as db:
            return await found.transactional(db, found.get, _worker.COUNTER)

    value = asyncio.run(read())
    assert value == str(4 * per_process).encode()
    assert sum(attempts) >= 4 * per_process
    report(
        "multi-process: read-modify-write increments",
        processes=4,
        increments=4 * per_process,
        conflicts_retried=sum(attempts) - 4 * per_process,
    )


def test_store_operations_from_several_processes_keep_indexes_exact(tmp_path: Path) -> None:
    """Processes updating the same entities, tuples and documents leave exact indexes."""
    processes, per_process = size(fast=3, stress=4), size(fast=40, stress=300)
    path = tmp_path / "stores.found"
    attempts = run_workers(
        [["stores", str(path), str(per_process), str(seed)] for seed in range(processes)]
    )

    async def check() -> list[str]:
        async with await found.open(f"sqlite://{path}") as db:
            problems = await check_nstore(db, _worker.TRIPLES, 3)
            problems += await check_eavstore(db, _worker.PEOPLE)
            problems += await check_pstore(db, _worker.DOCS)
            return problems

    assert asyncio.run(check()) == []
    report(
        "multi-process: mixed store operations",
        processes=processes,
        transactions=processes * per_process,
        conflicts_retried=sum(attempts) - processes * per_process,
    )
